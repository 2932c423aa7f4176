// The responder under load (RFC 7296 §2.6, §2.6.1): stateless COOKIEs above a threshold of
// half-open SAs, their rotating secret, the caps on half-open SAs per source and overall, and a
// flood of spoofed IKE_SA_INIT requests while a legitimate peer connects.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>

#include "policy/proposals.hpp"
#include "sa/cookie.hpp"
#include "scenario.hpp"
#include "wire/message.hpp"

using namespace ike;
using namespace ike::test;

namespace {

constexpr Duration settle{60000};
const SocketAddress responder{wan(2), 500};

bool both_up(sim::Network::Node& a, sim::Network::Node& b) {
    return count<ChildSaUp>(a) >= 1 && count<ChildSaUp>(b) >= 1;
}

crypto::IkeSuite suite(crypto::KeId ke) {
    return {crypto::PrfId::HmacSha2_256, {crypto::EncrId::AesGcm16, 256, crypto::IntegId::None}, ke};
}

// A well-formed IKE_SA_INIT request as an attacker would send it: a real offer, a KE value of
// the right size (X25519) and a nonce; a COOKIE notify first when given.
std::vector<std::uint8_t> init_request(std::uint64_t spi_i, std::mt19937_64& rng,
                                       const std::vector<std::uint8_t>& cookie = {}) {
    wire::Message m;
    m.header.spi_i = spi_i;
    m.header.exchange = wire::ExchangeType::ike_sa_init;
    m.header.initiator = true;
    if (!cookie.empty())
        m.payloads.emplace_back(wire::Notify{wire::ProtocolId::none, {}, wire::NotifyType::cookie, cookie, false});
    const crypto::IkeSuite offer[] = {suite(crypto::KeId::Curve25519)};
    m.payloads.emplace_back(policy::offer_ike(offer));
    std::vector<std::uint8_t> ke(32), nonce(32);
    for (auto& b : ke) b = static_cast<std::uint8_t>(rng());
    for (auto& b : nonce) b = static_cast<std::uint8_t>(rng());
    m.payloads.emplace_back(wire::KeyExchange{wire::KeGroup{31}, ke, false});
    m.payloads.emplace_back(wire::NoncePayload{*wire::Nonce::make(nonce), false});
    return wire::encode(m);
}

// The same request again (same SPIi, KE and Ni) for the same seed: a retry with a cookie.
std::vector<std::uint8_t> init_request_seeded(std::uint64_t spi_i, std::uint64_t seed,
                                              const std::vector<std::uint8_t>& cookie = {}) {
    std::mt19937_64 rng(seed);
    return init_request(spi_i, rng, cookie);
}

// The COOKIE notify of an IKE_SA_INIT response, if it is one.
std::optional<std::vector<std::uint8_t>> cookie_of(std::span<const std::uint8_t> datagram) {
    const auto m = wire::decode(datagram);
    if (!m || !m->header.response) return std::nullopt;
    for (const auto& p : m->payloads)
        if (const auto* n = std::get_if<wire::Notify>(&p); n && n->type == wire::NotifyType::cookie) return n->data;
    return std::nullopt;
}

IpAddress spoofed(std::uint32_t k) {  // 100.64.0.0/10 and beyond: no node lives there
    return IpAddress::v4(static_cast<std::uint8_t>(100 + (k >> 24 & 0x3f)), static_cast<std::uint8_t>(k >> 16),
                         static_cast<std::uint8_t>(k >> 8), static_cast<std::uint8_t>(k));
}

// Records the COOKIEs the responder (node 2) sends to each address.
struct CookieTap {
    std::map<IpAddress, std::vector<std::uint8_t>> last;
    std::size_t seen = 0;
    explicit CookieTap(Mesh& m) {
        m.net.tap = [this](const SocketAddress& from, const SocketAddress& to, std::span<const std::uint8_t> d) {
            if (from.ip != wan(2)) return;
            if (auto c = cookie_of(d)) {
                last[to.ip] = *c;
                ++seen;
            }
        };
    }
};

void run_briefly(Mesh& m) { m.net.run_until([] { return false; }, Duration{100}); }

}  // namespace

TEST_CASE("§2.6: below cookie_threshold no COOKIE is asked but above it the initiator's retry with it is accepted") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2, [](Config& c) { c.limits.cookie_threshold = 2; });
    std::mt19937_64 rng(7);
    for (std::uint64_t k = 1; k <= 2; ++k) m.net.inject(SocketAddress{spoofed(k), 500}, responder, init_request(k, rng));
    run_briefly(m);
    CHECK(b.endpoint->counters().cookies_sent == 0);
    CHECK(b.endpoint->state_counts().half_open == 2);  // two half-open SAs: the threshold is reached
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, settle));
    CHECK(b.endpoint->counters().cookies_sent == 1);
    CHECK(b.endpoint->counters().cookies_rejected == 0);
    CHECK(b.endpoint->counters().key_exchanges == 3);  // the two spoofed ones (before cookies) and a's
    CHECK(pair_matches(events_of<ChildSaUp>(a).front(), events_of<ChildSaUp>(b).front()));
}

TEST_CASE("§2.6: a forged or replayed-from-elsewhere or absent COOKIE gets a fresh one with no state and no Diffie-Hellman") {
    Mesh m;
    auto& b = m.add(2, [](Config& c) { c.limits.cookie_threshold = 0; });
    m.add(9);  // x and y: endpoints that receive the answers and ignore them
    m.add(10);
    CookieTap tap(m);
    std::mt19937_64 rng(11);
    const SocketAddress x{wan(9), 500}, y{wan(10), 500};
    m.net.inject(x, responder, init_request(0x51, rng));
    run_briefly(m);
    REQUIRE(tap.last.contains(x.ip));
    const auto good_for_x = tap.last[x.ip];
    CHECK(good_for_x.size() == 33);  // version octet + SHA-256

    // Forged: right size and version, wrong hash.
    auto forged = good_for_x;
    forged.back() ^= 1;
    m.net.inject(x, responder, init_request(0x52, rng, forged));
    // x's cookie from y: the cookie binds the source address (and the SPI and nonce).
    m.net.inject(y, responder, init_request(0x51, rng, good_for_x));
    run_briefly(m);
    const auto& c = b.endpoint->counters();
    CHECK(c.cookies_rejected == 2);
    CHECK(c.cookies_sent == 3);  // one for each request
    CHECK(c.key_exchanges == 0);
    CHECK(b.endpoint->state_counts().ike_sas == 0);
    CHECK_FALSE(b.endpoint->next_timeout());
}

TEST_CASE("§2.6: a COOKIE binds SPIi and Ni: the same request with its cookie is accepted and another is not") {
    Mesh m;
    auto& b = m.add(2, [](Config& c) { c.limits.cookie_threshold = 0; });
    m.add(9);
    CookieTap tap(m);
    const SocketAddress x{wan(9), 500};
    std::mt19937_64 r1(3), r2(3), r3(4);
    m.net.inject(x, responder, init_request(0x77, r1));
    run_briefly(m);
    REQUIRE(tap.last.contains(x.ip));
    const auto cookie = tap.last[x.ip];
    m.net.inject(x, responder, init_request(0x78, r3, cookie));  // other SPI and nonce
    run_briefly(m);
    CHECK(b.endpoint->counters().cookies_rejected == 1);
    CHECK(b.endpoint->state_counts().ike_sas == 0);
    m.net.inject(x, responder, init_request(0x77, r2, cookie));  // the same SPIi and Ni as asked
    run_briefly(m);
    CHECK(b.endpoint->counters().cookies_rejected == 1);
    CHECK(b.endpoint->state_counts().half_open == 1);
    CHECK(b.endpoint->counters().key_exchanges == 1);
}

TEST_CASE("§2.6: the COOKIE secret rotates with the time passed in and the previous secret stays good one lifetime") {
    const Duration life{60000};
    sa::CookieSecrets s(life);
    auto rng = crypto::make_seeded_rng(99);
    const Time t0 = sim::start_time();
    const std::vector<std::uint8_t> ni(32, 0x42);
    const auto ip = IpAddress::v4(198, 51, 100, 7);
    s.advance(t0, *rng);
    const auto c0 = s.make(ni, ip, 1);
    CHECK(s.valid(c0, ni, ip, 1));
    CHECK_FALSE(s.valid(c0, ni, ip, 2));
    CHECK_FALSE(s.valid(c0, ni, IpAddress::v4(198, 51, 100, 8), 1));

    s.advance(t0 + life - Duration{1}, *rng);  // not yet
    CHECK(s.make(ni, ip, 1) == c0);
    s.advance(t0 + life, *rng);  // rotated: a new cookie, the old one still accepted
    const auto c1 = s.make(ni, ip, 1);
    CHECK(c1 != c0);
    CHECK(c1.front() != c0.front());  // the version octet names the secret
    CHECK(s.valid(c0, ni, ip, 1));
    CHECK(s.valid(c1, ni, ip, 1));
    s.advance(t0 + 2 * life, *rng);  // rotated again: c0's secret is gone
    CHECK_FALSE(s.valid(c0, ni, ip, 1));
    CHECK(s.valid(c1, ni, ip, 1));
    s.advance(t0 + 5 * life, *rng);  // long idle: nothing older than one lifetime survives
    CHECK_FALSE(s.valid(c1, ni, ip, 1));
}

TEST_CASE("§2.6: an initiator whose COOKIE predates two rotations is sent a fresh one and gets through") {
    Mesh m;
    auto& b = m.add(2, [](Config& c) {
        c.limits.cookie_threshold = 0;
        c.limits.cookie_secret_lifetime = Duration{1000};
    });
    m.add(9);
    CookieTap tap(m);
    const SocketAddress x{wan(9), 500};
    std::mt19937_64 r1(5), r2(5), r3(5);
    m.net.inject(x, responder, init_request(0x99, r1));
    run_briefly(m);
    const auto old = tap.last.at(x.ip);
    m.net.advance(Duration{2500});
    m.net.inject(x, responder, init_request(0x99, r2, old));
    run_briefly(m);
    CHECK(b.endpoint->counters().cookies_rejected == 1);
    const auto fresh = tap.last.at(x.ip);
    CHECK(fresh != old);
    m.net.inject(x, responder, init_request(0x99, r3, fresh));
    run_briefly(m);
    CHECK(b.endpoint->state_counts().half_open == 1);
}

TEST_CASE("§2.6: half-open SAs are capped per source address and each drop is counted") {
    Mesh m;
    auto& b = m.add(2, [](Config& c) { c.limits.max_half_open_per_source = 3; });
    std::mt19937_64 rng(13);
    for (std::uint64_t k = 1; k <= 5; ++k) m.net.inject(SocketAddress{spoofed(1), 500}, responder, init_request(k, rng));
    m.net.inject(SocketAddress{spoofed(2), 500}, responder, init_request(9, rng));
    run_briefly(m);
    CHECK(b.endpoint->state_counts().half_open == 4);  // 3 from the first source, 1 from the other
    CHECK(b.endpoint->counters().half_open_dropped_per_source == 2);
    CHECK(b.endpoint->counters().half_open_dropped == 0);
    CHECK(b.endpoint->counters().key_exchanges == 4);
    // The cap frees up as half-open SAs expire (Timers::half_open_timeout).
    m.net.run_until([&] { return b.endpoint->state_counts().ike_sas == 0; }, Duration{60000});
    CHECK(no_state(b));
    m.net.inject(SocketAddress{spoofed(1), 500}, responder, init_request(6, rng));
    run_briefly(m);
    CHECK(b.endpoint->state_counts().half_open == 1);
}

TEST_CASE("§2.6: a flooder that returns COOKIEs from its own address is held to max_half_open_per_source") {
    Mesh m;
    auto& b = m.add(2, [](Config& c) {
        c.limits.cookie_threshold = 0;
        c.limits.max_half_open_per_source = 50;
    });
    m.add(9);
    CookieTap tap(m);
    const SocketAddress x{wan(9), 500};
    for (std::uint64_t k = 1; k <= 60; ++k) {
        m.net.inject(x, responder, init_request_seeded(k, k));
        run_briefly(m);
        m.net.inject(x, responder, init_request_seeded(k, k, tap.last.at(x.ip)));
        run_briefly(m);
    }
    const auto& c = b.endpoint->counters();
    CHECK(b.endpoint->state_counts().half_open == 50);
    CHECK(c.cookies_sent == 60);
    CHECK(c.cookies_rejected == 0);
    CHECK(c.half_open_dropped_per_source == 10);  // valid cookies, but the cap comes next
    CHECK(c.key_exchanges == 50);
}

TEST_CASE("§2.6: half-open SAs are capped overall and a legitimate peer gets through once they expire") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2, [](Config& c) { c.limits.max_half_open = 4; });
    std::mt19937_64 rng(17);
    for (std::uint32_t k = 1; k <= 6; ++k) m.net.inject(SocketAddress{spoofed(k), 500}, responder, init_request(k, rng));
    run_briefly(m);
    CHECK(b.endpoint->state_counts().half_open == 4);
    CHECK(b.endpoint->counters().half_open_dropped == 2);
    m.initiate(1, 2);  // dropped too at first; a's retransmissions outlast the half-open timeout
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, Duration{120000}));
    CHECK(b.endpoint->counters().half_open_dropped >= 3);
}

TEST_CASE("§2.6.1: COOKIE then INVALID_KE_PAYLOAD: the initiator keeps the cookie in its retry with the new group") {
    Mesh m;
    auto& a = m.add(1, [](Config& c) { c.proposals.ike = {suite(crypto::KeId::Curve25519), suite(crypto::KeId::Ecp256)}; });
    auto& b = m.add(2, [](Config& c) {
        c.proposals.ike = {suite(crypto::KeId::Ecp256)};
        c.limits.cookie_threshold = 0;
    });
    std::vector<bool> request_has_cookie;
    m.net.tap = [&](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t> d) {
        const auto msg = wire::decode(d);
        if (from.ip != wan(1) || !msg || msg->header.exchange != wire::ExchangeType::ike_sa_init) return;
        bool has = false;
        for (const auto& p : msg->payloads)
            if (const auto* n = std::get_if<wire::Notify>(&p); n && n->type == wire::NotifyType::cookie) has = true;
        request_has_cookie.push_back(has);
    };
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, settle));
    // 1: no cookie -> COOKIE; 2: cookie, X25519 -> INVALID_KE; 3: cookie, ECP-256 -> accepted.
    CHECK(request_has_cookie == std::vector<bool>{false, true, true});
    CHECK(b.endpoint->counters().cookies_sent == 1);
    CHECK(b.endpoint->counters().cookies_rejected == 0);
    CHECK(b.endpoint->counters().key_exchanges == 1);
    CHECK(events_of<IkeSaUp>(a).front().suite.ke == crypto::KeId::Ecp256);
}

TEST_CASE("§2.6: 100000 spoofed IKE_SA_INIT requests while a legitimate peer connects: it gets through with bounded state and no DH for spoofed requests once cookies are on") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);  // default limits: cookies above 1,000 half-open SAs
    const auto threshold = Limits{}.cookie_threshold;
    std::mt19937_64 rng(2026);
    constexpr std::uint32_t total = 100000, per_batch = 1000;
    std::size_t most_sas = 0, most_half_open = 0;
    std::uint64_t ke_when_cookies_on = 0;
    for (std::uint32_t batch = 0; batch < total / per_batch; ++batch) {
        for (std::uint32_t k = 0; k < per_batch; ++k) {
            const auto source = SocketAddress{spoofed(static_cast<std::uint32_t>(rng())), static_cast<std::uint16_t>(rng())};
            m.net.inject(source, responder, init_request(rng() | 1, rng));
        }
        if (batch == 1) ke_when_cookies_on = b.endpoint->counters().key_exchanges;
        if (batch == 20) m.initiate(1, 2);  // 2 s into the flood, cookies long on
        m.net.run_until([] { return false; }, Duration{100});  // 10,000 requests a second
        const auto s = b.endpoint->state_counts();
        most_sas = std::max(most_sas, s.ike_sas);
        most_half_open = std::max(most_half_open, s.half_open);
    }
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, settle));
    const auto& c = b.endpoint->counters();
    CHECK(ke_when_cookies_on == threshold);        // the first 1,000 spoofed requests got state and DH...
    CHECK(c.key_exchanges == threshold + 1);      // ...then only the legitimate peer's
    CHECK(c.cookies_sent >= total - threshold);   // every later spoofed request got a cookie
    CHECK(c.cookies_rejected == 0);
    CHECK(most_half_open <= threshold + 1);
    CHECK(most_sas <= threshold + 1);
    CHECK(count<IkeSaUp>(a) == 1);
    CHECK(pair_matches(events_of<ChildSaUp>(a).front(), events_of<ChildSaUp>(b).front()));
    // The spoofed half-open SAs expire; the legitimate one stays.
    m.net.run_until([&] { return b.endpoint->state_counts().ike_sas == 1; }, Duration{60000});
    CHECK(b.endpoint->state_counts().ike_sas == 1);
    CHECK(b.endpoint->state_counts().half_open == 0);
}
