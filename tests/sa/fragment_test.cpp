// IKE message fragmentation (RFC 7383): negotiation, SKF sending, authenticated reassembly with
// its caps, retransmissions of fragmented messages, and whole handshakes over a path whose MTU
// is smaller than an IKE_AUTH carrying an RSA-3072 certificate chain.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>

#include "crypto/ca_issue.hpp"
#include "sa/convert.hpp"
#include "sa/fragments.hpp"
#include "sa/protect.hpp"
#include "sa/tasks.hpp"
#include "scenario.hpp"
#include "wire/message.hpp"

using namespace ike;
using namespace ike::test;

namespace {

// ---------------------------------------------------------------------------------------------
// Two IKE SAs sharing one key, driven directly: exact control over which fragment arrives when.

crypto::SkSuite gcm() { return {crypto::EncrId::AesGcm16, 256, crypto::IntegId::None}; }
crypto::SkSuite cbc() { return {crypto::EncrId::AesCbc, 256, crypto::IntegId::HmacSha2_256_128}; }

struct Side {
    sim::TestCa ca{"frag-ca", 77};
    Config config;
    std::unique_ptr<crypto::Rng> rng = crypto::make_seeded_rng(5);
    std::unique_ptr<SpiAllocator> spis = sim::make_spi_allocator(std::make_shared<sim::SpiPool>());
    std::shared_ptr<const CertificateVerifier> verifier = ca.verifier();
    std::deque<Transmit> transmits;
    std::deque<Event> events;
    Counters counters;
    std::uint64_t last_child = 0;
    sa::ReassemblyBudget budget;
    sa::ReassemblyBudget* shared = nullptr;  // another Side's: two SAs of one endpoint
    Time now = sim::start_time();
    std::unique_ptr<sa::IkeSa> sa = std::make_unique<sa::IkeSa>(sa::Birth::rekeyed);  // established

    Side(crypto::Role role, std::size_t fragment_size, crypto::SkSuite suite = gcm()) {
        config.limits.fragment_size = fragment_size;
        const bool aead = suite.integ == crypto::IntegId::None;
        const std::vector<std::uint8_t> key(aead ? 36 : 32, 0x42);  // AES-256 key (and GCM salt)
        const std::vector<std::uint8_t> integ(aead ? 0 : 32, 0x24);
        sa->role = role;
        sa->spi_i = 0x1111;
        sa->spi_r = 0x2222;
        sa->local = SocketAddress{wan(role == crypto::Role::Initiator ? 1 : 2), 500};
        sa->remote = SocketAddress{wan(role == crypto::Role::Initiator ? 2 : 1), 500};
        sa->protector.emplace(std::move(*crypto::SkProtector::create(suite, key, integ, *rng)));
        sa->unprotector.emplace(std::move(*crypto::SkUnprotector::create(suite, key, integ)));
        sa->fragmentation = true;
    }
    sa::Context ctx() {
        return sa::Context{config, *rng, *spis, *verifier, transmits, events, counters, last_child,
                           now, nullptr, shared ? shared : &budget};
    }
};

// A request of `size` octets of notify data, as the datagrams `from` sends.
std::vector<sa::FragmentBytes> request(Side& from, std::uint32_t id, std::size_t size, std::uint8_t fill = 7) {
    std::vector<wire::Payload> inner{sa::notify(wire::NotifyType::initial_contact, wire::Bytes(size, fill))};
    auto ctx = from.ctx();
    return sa::seal_message(ctx, *from.sa, sa::header_for(*from.sa, wire::ExchangeType::informational, false, id), inner);
}

// Delivers one datagram to `to` as a request fragment; the inner payloads once complete.
std::optional<std::vector<wire::Payload>> deliver(Side& to, std::span<const std::uint8_t> d) {
    auto m = wire::decode(d);
    REQUIRE(m);
    REQUIRE(sa::is_fragment(*m));
    const sa::Received rx{d, *m, to.sa->local, to.sa->remote};
    auto ctx = to.ctx();
    return sa::take_request_fragment(ctx, *to.sa, rx);
}

std::size_t notify_size(const std::vector<wire::Payload>& inner) {
    return std::get<wire::Notify>(inner.at(0)).data.size();
}

std::uint16_t total_of(std::span<const std::uint8_t> d) { return static_cast<std::uint16_t>(d[wire::header_size + 6] << 8 | d[wire::header_size + 7]); }

}  // namespace

TEST_CASE("RFC 7383 §2.5: a message above the fragment size becomes SKF fragments that each fit") {
    Side a(crypto::Role::Initiator, 400), b(crypto::Role::Responder, 400);
    const auto small = request(a, 0, 100);
    REQUIRE(small.size() == 1);
    CHECK(small[0][16] == wire::raw(wire::PayloadType::sk));  // fits: one plain SK message
    const auto frags = request(a, 0, 3000);
    REQUIRE(frags.size() > 7);
    for (std::size_t i = 0; i < frags.size(); ++i) {
        const auto& d = frags[i];
        CHECK(d.size() + 20 + 8 <= 400);  // the whole IPv4 datagram fits the configured size
        CHECK(d[16] == wire::raw(wire::PayloadType::skf));
        const auto m = wire::decode(d);
        REQUIRE(m);
        const auto& f = std::get<wire::EncryptedFragment>(m->payloads.back());
        CHECK(f.number == i + 1);
        CHECK(f.total == frags.size());
        // Only the first fragment names the first inner payload.
        CHECK(f.first_inner == (i == 0 ? wire::PayloadType::notify : wire::PayloadType::none));
    }
    CHECK(a.counters.fragments_sent == frags.size());
    a.sa->fragmentation = false;  // §2.3: never to a peer that did not announce support
    CHECK(request(a, 0, 3000).size() == 1);
}

TEST_CASE("RFC 7383 §2.6: fragments reassemble in any order, duplicates ignored") {
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        Side a(crypto::Role::Initiator, 300), b(crypto::Role::Responder, 300);
        auto frags = request(a, 0, 2000);
        REQUIRE(frags.size() > 5);
        std::mt19937_64 g(seed);
        auto order = frags;
        order.insert(order.end(), frags.begin(), frags.begin() + 3);  // some copies
        std::shuffle(order.begin(), order.end(), g);
        std::optional<std::vector<wire::Payload>> done;
        std::size_t completions = 0;
        for (const auto& d : order)
            if (auto r = deliver(b, d)) {
                done = std::move(r);
                ++completions;
            }
        // Nothing answers the request here, so the window still expects it: copies arriving
        // after completion start a new partial message (in the engine the answer moves the
        // window on), which three copies of the first fragments never complete.
        REQUIRE(done.has_value());
        CHECK(completions == 1);
        CHECK(notify_size(*done) == 2000);
        CHECK(std::get<wire::Notify>(done->at(0)).data == wire::Bytes(2000, 7));
        CHECK(b.counters.integrity_failures == 0);
    }
}

TEST_CASE("RFC 7383 §2.5.3: with AES-CBC and HMAC (no AEAD) every fragment carries its own IV and ICV") {
    Side a(crypto::Role::Initiator, 300, cbc()), b(crypto::Role::Responder, 300, cbc());
    auto frags = request(a, 0, 1800, 9);
    REQUIRE(frags.size() > 5);
    for (const auto& d : frags) CHECK(d.size() + 28 <= 300);
    auto tampered = frags[2];
    tampered[wire::header_size + 8 + 3] ^= 1;  // inside the IV
    CHECK_FALSE(deliver(b, tampered).has_value());
    CHECK(b.counters.integrity_failures == 1);
    std::reverse(frags.begin(), frags.end());
    std::optional<std::vector<wire::Payload>> done;
    for (const auto& d : frags) done = deliver(b, d);
    REQUIRE(done.has_value());
    CHECK(std::get<wire::Notify>(done->at(0)).data == wire::Bytes(1800, 9));
}

TEST_CASE("RFC 7383 §2.6: a fragment is authenticated before it is kept — forgeries hold nothing") {
    Side a(crypto::Role::Initiator, 300), b(crypto::Role::Responder, 300);
    const auto frags = request(a, 0, 1500);
    REQUIRE(frags.size() >= 4);
    // A forged first fragment claiming more fragments would restart reassembly if it were kept.
    auto forged = frags[0];
    forged[wire::header_size + 7] = static_cast<std::uint8_t>(forged[wire::header_size + 7] + 5);
    forged.back() ^= 1;
    CHECK_FALSE(deliver(b, frags[1]).has_value());
    const auto held = b.budget.used();
    CHECK(held > 0);
    CHECK_FALSE(deliver(b, forged).has_value());
    CHECK(b.counters.integrity_failures == 1);
    CHECK(b.budget.used() == held);  // nothing kept, nothing discarded
    // Garbage with the right SPIs and message ID, before anything genuine, allocates nothing.
    Side c(crypto::Role::Responder, 300);
    for (auto d : frags) {
        d[d.size() - 3] ^= 0x80;
        CHECK_FALSE(deliver(c, d).has_value());
    }
    CHECK(c.counters.integrity_failures == frags.size());
    CHECK(c.budget.used() == 0);
    CHECK(c.sa->fragments.slot(false) == nullptr);
    // The genuine fragments still complete the message.
    std::optional<std::vector<wire::Payload>> done;
    for (const auto& d : frags) done = deliver(b, d);
    REQUIRE(done.has_value());
    CHECK(notify_size(*done) == 1500);
    CHECK(b.budget.used() == 0);
}

TEST_CASE("RFC 7383 §2.6: more Total Fragments restarts reassembly, fewer is dropped") {
    Side a(crypto::Role::Initiator, 500), b(crypto::Role::Responder, 500);
    const auto big = request(a, 0, 2000);  // sent first with 500-octet datagrams
    a.config.limits.fragment_size = 300;   // then refragmented smaller (§2.5.2)
    const auto small = request(a, 0, 2000);
    REQUIRE(small.size() > big.size());
    CHECK_FALSE(deliver(b, big[0]).has_value());
    CHECK_FALSE(deliver(b, big[1]).has_value());
    CHECK_FALSE(deliver(b, small[0]).has_value());  // more fragments: what we held is discarded
    REQUIRE(b.sa->fragments.slot(false) != nullptr);
    CHECK(b.sa->fragments.slot(false)->total == small.size());
    CHECK(b.sa->fragments.slot(false)->received == 1);
    const auto dropped = b.counters.fragments_dropped;
    for (std::size_t i = 2; i < big.size(); ++i) CHECK_FALSE(deliver(b, big[i]).has_value());  // fewer: stale
    CHECK(b.counters.fragments_dropped == dropped + big.size() - 2);
    std::optional<std::vector<wire::Payload>> done;
    for (std::size_t i = 1; i < small.size(); ++i) done = deliver(b, small[i]);
    REQUIRE(done.has_value());
    CHECK(notify_size(*done) == 2000);
    CHECK(total_of(small[0]) == small.size());
}

TEST_CASE("RFC 7383 §2.6 / §5: reassembly caps on fragment count, bytes per SA and bytes overall") {
    SECTION("Total Fragments above the cap is dropped before any decryption") {
        Side a(crypto::Role::Initiator, 300), b(crypto::Role::Responder, 300);
        b.config.limits.max_fragments = 4;
        const auto frags = request(a, 0, 2000);
        REQUIRE(frags.size() > 4);
        for (const auto& d : frags) CHECK_FALSE(deliver(b, d).has_value());
        CHECK(b.counters.fragments_dropped == frags.size());
        CHECK(b.counters.fragments_received == 0);
        CHECK(b.budget.used() == 0);
    }
    SECTION("a message larger than the per-SA cap is given up") {
        Side a(crypto::Role::Initiator, 300), b(crypto::Role::Responder, 300);
        b.config.limits.max_reassembly_bytes = 1000;
        const auto frags = request(a, 0, 2000);
        for (const auto& d : frags) CHECK_FALSE(deliver(b, d).has_value());
        CHECK(b.counters.fragments_dropped > 0);
        CHECK(b.counters.messages_reassembled == 0);
        CHECK(b.sa->fragments.bytes() <= 1000);
    }
    SECTION("the endpoint-wide cap bounds every SA together: the oldest incomplete message makes room, and a closed SA gives its bytes back") {
        Side a(crypto::Role::Initiator, 300), b(crypto::Role::Responder, 300), other(crypto::Role::Responder, 300);
        other.shared = &b.budget;
        other.sa->remote.ip = wan(9);  // another peer address
        const auto frags = request(a, 0, 1500);
        REQUIRE(frags.size() >= 4);
        for (std::size_t i = 0; i + 1 < frags.size(); ++i) CHECK_FALSE(deliver(other, frags[i]).has_value());
        const auto held = b.budget.used();  // all but the last fragment, never completed
        b.config.limits.max_reassembly_total = held + 400;  // room for one more fragment, not a message
        other.now = b.now = sim::start_time() + Duration{10};
        std::optional<std::vector<wire::Payload>> done;
        for (const auto& d : frags) done = deliver(b, d);
        REQUIRE(done.has_value());  // the older incomplete message was evicted for it
        CHECK(notify_size(*done) == 1500);
        CHECK(other.sa->fragments.slot(false) == nullptr);
        CHECK(b.counters.reassembly_evictions == 1);
        CHECK(b.budget.used() == 0);
        // A closed SA gives its bytes back.
        for (std::size_t i = 0; i + 1 < frags.size(); ++i) CHECK_FALSE(deliver(other, frags[i]).has_value());
        CHECK(b.budget.used() == held);
        other.sa.reset();
        CHECK(b.budget.used() == 0);
    }
    SECTION("per source address: a peer's incomplete messages make room for its own newer one, not another's") {
        Side a(crypto::Role::Initiator, 300), b(crypto::Role::Responder, 300);
        Side same(crypto::Role::Responder, 300), elsewhere(crypto::Role::Responder, 300);
        same.shared = elsewhere.shared = &b.budget;
        elsewhere.sa->remote.ip = wan(9);
        const auto frags = request(a, 0, 1500);
        for (std::size_t i = 0; i + 1 < frags.size(); ++i) {
            CHECK_FALSE(deliver(same, frags[i]).has_value());
            CHECK_FALSE(deliver(elsewhere, frags[i]).has_value());
        }
        const auto one = b.budget.used_by(wan(1));
        CHECK(b.budget.used_by(wan(9)) == one);
        b.config.limits.max_reassembly_per_source = one + 400;
        b.now = sim::start_time() + Duration{10};
        std::optional<std::vector<wire::Payload>> done;
        for (const auto& d : frags) done = deliver(b, d);
        REQUIRE(done.has_value());
        CHECK(same.sa->fragments.slot(false) == nullptr);       // evicted: same address, older
        CHECK(elsewhere.sa->fragments.slot(false) != nullptr);  // kept: its own address's budget
        CHECK(b.budget.used_by(wan(9)) == one);
        CHECK(b.counters.reassembly_evictions == 1);
    }
}

TEST_CASE("RFC 7383 §2.6: an incomplete message is dropped after Timers::reassembly_timeout") {
    Side a(crypto::Role::Initiator, 300), b(crypto::Role::Responder, 300);
    b.config.timers.reassembly_timeout = Duration{10000};
    const auto frags = request(a, 0, 1500);
    for (std::size_t i = 0; i + 1 < frags.size(); ++i) CHECK_FALSE(deliver(b, frags[i]).has_value());
    auto ctx = b.ctx();
    REQUIRE(sa::reassembly_deadline(ctx, *b.sa) == sim::start_time() + Duration{10000});
    b.now = sim::start_time() + Duration{9999};
    auto early = b.ctx();
    sa::expire_reassembly(early, *b.sa);
    CHECK(b.sa->fragments.slot(false) != nullptr);
    b.now = sim::start_time() + Duration{10000};
    auto due = b.ctx();
    sa::expire_reassembly(due, *b.sa);
    CHECK(b.sa->fragments.slot(false) == nullptr);
    CHECK(b.budget.used() == 0);
    CHECK(b.counters.reassembly_timeouts == 1);
    CHECK_FALSE(sa::reassembly_deadline(due, *b.sa).has_value());
    // The peer's retransmission starts it again and completes it.
    std::optional<std::vector<wire::Payload>> done;
    for (const auto& d : frags) done = deliver(b, d);
    REQUIRE(done.has_value());
}

TEST_CASE("RFC 7383 §2.6.1: a retransmitted request's first fragment gets the whole answer again, others nothing") {
    Side a(crypto::Role::Initiator, 300), b(crypto::Role::Responder, 300);
    const auto frags = request(a, 0, 1500);
    std::optional<std::vector<wire::Payload>> done;
    for (const auto& d : frags) done = deliver(b, d);
    REQUIRE(done.has_value());
    // Answer it as respond() would: the response is fragmented too.
    const auto answer = request(b, 0, 1200);  // any datagrams stand in for the cached answer
    REQUIRE(answer.size() > 1);
    b.sa->window.answered(frags.back(), answer);
    b.transmits.clear();
    for (std::size_t i = frags.size(); i-- > 1;) CHECK_FALSE(deliver(b, frags[i]).has_value());
    CHECK(b.transmits.empty());
    CHECK_FALSE(deliver(b, frags[0]).has_value());
    REQUIRE(b.transmits.size() == answer.size());
    for (std::size_t i = 0; i < answer.size(); ++i)
        CHECK(std::equal(answer[i].begin(), answer[i].end(), b.transmits[i].data.begin(), b.transmits[i].data.end()));
    CHECK(b.counters.duplicate_requests == frags.size());
    // A forged "retransmission" does not make it answer.
    b.transmits.clear();
    auto forged = frags[0];
    forged.back() ^= 1;
    CHECK_FALSE(deliver(b, forged).has_value());
    CHECK(b.transmits.empty());
}

// ---------------------------------------------------------------------------------------------
// Whole handshakes on the simulated network with real X.509 chains.

namespace {

Time at_days(int d) { return sim::start_time() + std::chrono::hours(24 * d); }

crypto::IpAddrBlocks blocks(const TrafficSelector& ts) {
    crypto::IpAddrBlocks b;
    b.add(*crypto::IpRange::range(ts.start.octets(), ts.end.octets()));
    return b;
}

// CA -> intermediate -> end entity, the end entity's key RSA-3072 or Ed25519.
struct Chain {
    std::unique_ptr<crypto::Rng> rng = crypto::make_seeded_rng(31);
    std::optional<crypto::CertificateAuthority> root, mid;

    Chain() {
        crypto::CaProfile p{"Mesh CA", "meshd", at_days(-365), at_days(3650), 1, std::nullopt,
                            blocks(TrafficSelector::subnet(IpAddress::v4(10, 0, 0, 0), 8))};
        root.emplace(std::move(*crypto::CertificateAuthority::create_self_signed(
            *crypto::PrivateKey::generate(crypto::KeyType::Ed25519, *rng), p, *rng)));
        crypto::CaProfile q{"Site CA", "meshd", at_days(-10), at_days(365), 2, std::nullopt,
                            blocks(TrafficSelector::subnet(IpAddress::v4(10, 0, 0, 0), 16))};
        mid.emplace(std::move(*root->issue_intermediate(*crypto::PrivateKey::generate(crypto::KeyType::Ed25519, *rng), q, *rng)));
    }
};

// RSA-3072 keys are slow to make: one per node for the whole run.
std::shared_ptr<crypto::PrivateKey> node_key(int n, crypto::KeyType type) {
    static std::map<std::pair<int, int>, std::shared_ptr<crypto::PrivateKey>> keys;
    auto& k = keys[{n, static_cast<int>(type)}];
    if (!k) {
        auto rng = crypto::make_seeded_rng(900 + static_cast<std::uint64_t>(n));
        k = std::make_shared<crypto::PrivateKey>(*crypto::PrivateKey::generate(type, *rng));
    }
    return k;
}

sim::Network::Node& add_node(Mesh& m, Chain& pki, int n, crypto::KeyType type, const std::function<void(Config&)>& tweak) {
    const std::string name = "node" + std::to_string(n) + ".mesh";
    auto key = node_key(n, type);
    crypto::NodeProfile p;
    p.common_name = name;
    p.alt_names.dns = {name};
    p.ip_blocks = blocks(subnet(n));
    p.not_before = at_days(-1);
    p.not_after = at_days(30);
    p.serial = 100 + static_cast<std::uint64_t>(n);
    auto cert = pki.mid->issue_node(key->public_key(), p, *pki.rng);
    REQUIRE(cert);
    Config c;
    c.credentials.local_id = Identity::fqdn(name);
    const auto der = cert->der();
    const auto mid = pki.mid->certificate().der();
    const auto root = pki.root->certificate().der();
    c.credentials.certificate_chain = {{der.begin(), der.end()}, {mid.begin(), mid.end()}};
    c.credentials.private_key = key;
    c.credentials.ca_certificate = {root.begin(), root.end()};
    c.local_traffic = {subnet(n)};
    c.timers.liveness_after = Duration{0};
    if (tweak) tweak(c);
    auto pool = std::make_shared<sim::SpiPool>();
    pool->next = 0x1000u * static_cast<std::uint32_t>(n);
    auto ep = Endpoint::create(std::move(c), crypto::make_seeded_rng(static_cast<std::uint64_t>(n) + m.rng_salt),
                               sim::make_spi_allocator(pool));
    REQUIRE(ep);
    return m.net.add(name, wan(n), std::move(*ep), pool);
}

bool both_up(const sim::Network::Node& a, const sim::Network::Node& b) {
    return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1;
}

bool is_skf(std::span<const std::uint8_t> d) {
    return d.size() > 28 && d[16] == wire::raw(wire::PayloadType::skf);
}

}  // namespace

TEST_CASE("RFC 7383 §1, §2.5: an RSA-3072 chain over a 1280-octet path fails unfragmented and succeeds fragmented") {
    for (const bool fragment : {false, true}) {
        CAPTURE(fragment);
        sim::Conditions c;
        c.path_mtu = 1280;
        Mesh m(3, c);
        Chain pki;
        const auto cfg = [&](Config& k) {
            k.limits.fragment_size = fragment ? 1280 : 0;
            k.timers.retransmit_tries = 2;
        };
        auto& a = add_node(m, pki, 1, crypto::KeyType::Rsa, cfg);
        auto& b = add_node(m, pki, 2, crypto::KeyType::Rsa, cfg);
        m.initiate(1, 2);
        m.net.run_until([&] { return both_up(a, b) || count<IkeSaDown>(a) > 0; }, Duration{600000});
        if (!fragment) {
            CHECK(count<ChildSaUp>(a) == 0);
            CHECK(count<IkeSaDown>(a) == 1);
            CHECK(m.net.too_big > 0);
            CHECK(a.endpoint->counters().fragments_sent == 0);
            continue;
        }
        REQUIRE(both_up(a, b));
        CHECK(pair_matches(events_of<ChildSaUp>(a).front(), events_of<ChildSaUp>(b).front()));
        CHECK(m.net.too_big == 0);
        // Both IKE_AUTH messages carry a chain: both went fragmented, and were reassembled.
        CHECK(a.endpoint->counters().fragments_sent >= 2);
        CHECK(b.endpoint->counters().fragments_sent >= 2);
        CHECK(b.endpoint->counters().messages_reassembled == 1);
        CHECK(a.endpoint->counters().messages_reassembled == 1);
        CHECK(a.endpoint->state_counts().reassembly_bytes == 0);
        CHECK(b.endpoint->state_counts().reassembly_bytes == 0);
    }
}

TEST_CASE("RFC 7383 §2.3: fragments only when both announced support — otherwise plain SK messages") {
    for (const int lacking : {1, 2}) {
        CAPTURE(lacking);
        Mesh m(4);
        Chain pki;
        std::size_t skf = 0;
        m.net.tap = [&](const SocketAddress&, const SocketAddress&, std::span<const std::uint8_t> d) { skf += is_skf(d); };
        const auto cfg = [&](int n) {
            return [=](Config& k) { k.limits.fragment_size = n == lacking ? 0 : 400; };
        };
        auto& a = add_node(m, pki, 1, crypto::KeyType::Ed25519, cfg(1));
        auto& b = add_node(m, pki, 2, crypto::KeyType::Ed25519, cfg(2));
        m.initiate(1, 2);
        REQUIRE(m.net.run_until([&] { return both_up(a, b); }, Duration{60000}));
        CHECK(skf == 0);
        CHECK(a.endpoint->counters().fragments_sent + b.endpoint->counters().fragments_sent == 0);
    }
    // And with both: the same handshake is fragmented.
    Mesh m(4);
    Chain pki;
    std::size_t skf = 0;
    m.net.tap = [&](const SocketAddress&, const SocketAddress&, std::span<const std::uint8_t> d) { skf += is_skf(d); };
    const auto cfg = [](Config& k) { k.limits.fragment_size = 400; };
    auto& a = add_node(m, pki, 1, crypto::KeyType::Ed25519, cfg);
    auto& b = add_node(m, pki, 2, crypto::KeyType::Ed25519, cfg);
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, Duration{60000}));
    CHECK(skf > 2);
}

TEST_CASE("RFC 7383 §2.6, §2.6.1: 1,000 seeds of fragment loss, reordering and duplication end in one tunnel") {
    std::size_t fragments = 0;
    for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
        CAPTURE(seed);
        sim::Conditions c;
        c.loss = 0.2;
        c.duplicate = 0.1;
        c.reorder = 0.3;
        c.path_mtu = 576;
        Mesh m(seed, c);
        m.rng_salt = seed * 1000;
        Chain pki;
        const auto cfg = [](Config& k) {
            k.limits.fragment_size = 400;  // several fragments per IKE_AUTH message
            k.timers.retransmit_tries = 12;
            k.timers.half_open_timeout = Duration{600000};
        };
        auto& a = add_node(m, pki, 1, crypto::KeyType::Ed25519, cfg);
        auto& b = add_node(m, pki, 2, crypto::KeyType::Ed25519, cfg);
        m.initiate(1, 2);
        REQUIRE(m.net.run_until([&] { return both_up(a, b); }, Duration{3600000}));
        REQUIRE(pair_matches(events_of<ChildSaUp>(a).front(), events_of<ChildSaUp>(b).front()));
        CHECK(count<IkeSaDown>(a) + count<IkeSaDown>(b) == 0);
        CHECK(m.net.too_big == 0);
        fragments += a.endpoint->counters().fragments_received + b.endpoint->counters().fragments_received;
        // Deleting works through the same path, and no reassembly state is left behind.
        REQUIRE(a.endpoint->delete_ike(events_of<IkeSaUp>(a).front().ike, m.net.now()));
        REQUIRE(m.net.run_until([&] { return no_state(a) && no_state(b); }, Duration{3600000}));
    }
    CHECK(fragments > 1000 * 4);
}

TEST_CASE("RFC 7383 §2.6.1: lost response fragments come back whole when the request is retransmitted") {
    Mesh m(6);
    Chain pki;
    const auto cfg = [](Config& k) { k.limits.fragment_size = 400; };
    auto& a = add_node(m, pki, 1, crypto::KeyType::Ed25519, cfg);
    auto& b = add_node(m, pki, 2, crypto::KeyType::Ed25519, cfg);
    const auto b_addr = wan(2);
    const Time until = m.net.now() + Duration{500};
    std::size_t a_skf = 0, b_skf = 0;  // fragments put on the wire, first sends and resends
    m.net.drop = [&](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t> d) {
        if (!is_skf(d)) return false;
        ++(from.ip == b_addr ? b_skf : a_skf);
        return from.ip == b_addr && m.net.now() < until;  // the first answer is lost
    };
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, Duration{60000}));
    const auto& ca = a.endpoint->counters();
    const auto& cb = b.endpoint->counters();
    // The initiator sent its request twice; the responder answered the retransmission once, on
    // its first fragment, with every fragment of the cached response.
    CHECK(a_skf == 2 * ca.fragments_sent);
    CHECK(cb.duplicate_requests == ca.fragments_sent);
    CHECK(b_skf == 2 * cb.fragments_sent);
    CHECK(ca.fragments_received == cb.fragments_sent);
    CHECK(ca.messages_reassembled == 1);
    CHECK(ca.retransmits == 1);
}

TEST_CASE("RFC 7383 §2.6: a forged fragment on the wire does not poison the handshake's reassembly") {
    Mesh m(7);
    Chain pki;
    const auto cfg = [](Config& k) { k.limits.fragment_size = 400; };
    auto& a = add_node(m, pki, 1, crypto::KeyType::Ed25519, cfg);
    auto& b = add_node(m, pki, 2, crypto::KeyType::Ed25519, cfg);
    std::size_t forged = 0;
    m.net.drop = [&](const SocketAddress& from, const SocketAddress& to, std::span<const std::uint8_t> d) {
        if (!is_skf(d)) return false;
        // Ahead of every genuine fragment: a copy claiming more fragments, with a broken ICV,
        // and one with a valid-looking first fragment's fields but a foreign body.
        std::vector<std::uint8_t> f(d.begin(), d.end());
        f[wire::header_size + 7] = static_cast<std::uint8_t>(f[wire::header_size + 7] + 3);
        f.back() ^= 0x55;
        m.net.inject(from, to, f);
        std::vector<std::uint8_t> g(d.begin(), d.end());
        for (std::size_t i = wire::header_size + 8; i < g.size(); ++i) g[i] = static_cast<std::uint8_t>(i);
        m.net.inject(from, to, g);
        forged += 2;
        return false;
    };
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, Duration{60000}));
    CHECK(pair_matches(events_of<ChildSaUp>(a).front(), events_of<ChildSaUp>(b).front()));
    CHECK(a.endpoint->counters().integrity_failures + b.endpoint->counters().integrity_failures == forged);
    CHECK(forged >= 8);
    // No retransmission was needed: the genuine fragments were never displaced.
    CHECK(a.endpoint->counters().retransmits == 0);
}

TEST_CASE("RFC 7383 §2.5.2: fragments the path drops are sent again smaller, and the answer comes back as small") {
    for (const bool fallback : {false, true}) {
        CAPTURE(fallback);
        sim::Conditions c;
        c.path_mtu = 1000;  // below the configured 1280: a silent PMTU black hole
        Mesh m(8, c);
        Chain pki;
        const auto cfg = [&](Config& k) {
            k.limits.fragment_size = 1280;
            k.timers.fragment_fallback_after = fallback ? 2 : 0;
        };
        auto& a = add_node(m, pki, 1, crypto::KeyType::Rsa, cfg);
        auto& b = add_node(m, pki, 2, crypto::KeyType::Rsa, cfg);
        std::size_t largest_from_b = 0;
        m.net.tap = [&](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t> d) {
            if (from.ip == wan(2) && is_skf(d)) largest_from_b = std::max(largest_from_b, d.size());
        };
        m.initiate(1, 2);
        m.net.run_until([&] { return both_up(a, b) || count<IkeSaDown>(a) > 0; }, Duration{600000});
        CHECK(m.net.too_big > 0);
        if (!fallback) {  // as before: retransmitted unchanged until the give-up
            CHECK(count<IkeSaDown>(a) == 1);
            CHECK(a.endpoint->counters().fragment_fallbacks == 0);
            continue;
        }
        REQUIRE(both_up(a, b));
        CHECK(pair_matches(events_of<ChildSaUp>(a).front(), events_of<ChildSaUp>(b).front()));
        CHECK(a.endpoint->counters().fragment_fallbacks == 1);  // 1280 -> 576 octets
        CHECK(a.endpoint->counters().retransmits == 3);        // two at 1280, the third smaller
        CHECK(b.endpoint->counters().fragment_fallbacks == 0);
        // The responder fragmented its answer no larger than the request's fragments.
        CHECK(largest_from_b > 0);
        CHECK(largest_from_b + 28 <= 576);
    }
}
