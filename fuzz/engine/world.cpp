// The World of fuzz_engine: routing between the two endpoints (with an optional NAT), the
// operations of a program, and the invariants checked after each of them.
#include "world.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>

#include "pki.hpp"
#include "wire/message.hpp"

namespace fuzz_engine {
namespace {

// FUZZ_ENGINE_TRACE=1: print every operation, datagram and event (to read a finding).
const bool trace = std::getenv("FUZZ_ENGINE_TRACE") != nullptr;

const char* event_name(const ike::Event& e) {
    static constexpr const char* names[] = {"IkeSaUp",         "IkeSaDown",          "ChildSaUp",
                                            "ChildSaDown",     "AuthFailed",         "IkeKeysExported",
                                            "PeerAddressChanged", "RekeyFailed",     "CrlExpired"};
    static_assert(std::size(names) == std::variant_size_v<ike::Event>, "a name for every event");
    return names[e.index()];
}

std::string describe(const ike::Event& e) {
    std::string s = event_name(e);
    char buf[160];
    if (const auto* x = std::get_if<ike::IkeSaDown>(&e)) {
        std::snprintf(buf, sizeof buf, " ike=%llu reason=%d %s", static_cast<unsigned long long>(x->ike.value), int(x->reason), x->detail.c_str());
        s += buf;
    } else if (const auto* u = std::get_if<ike::IkeSaUp>(&e)) {
        std::snprintf(buf, sizeof buf, " ike=%llu", static_cast<unsigned long long>(u->ike.value));
        s += buf;
    } else if (const auto* c = std::get_if<ike::ChildSaUp>(&e)) {
        std::snprintf(buf, sizeof buf, " ike=%llu child=%llu in=0x%x out=0x%x replaces=%lld", static_cast<unsigned long long>(c->ike.value),
                      static_cast<unsigned long long>(c->child.value), c->inbound.spi, c->outbound.spi,
                      c->replaces ? static_cast<long long>(c->replaces->value) : -1LL);
        s += buf;
        for (const auto* set : {&c->local_ts, &c->remote_ts}) {
            s += set == &c->local_ts ? " local" : " remote";
            for (const auto& ts : *set) s += " " + ts.to_string();
        }
    } else if (const auto* d = std::get_if<ike::ChildSaDown>(&e)) {
        std::snprintf(buf, sizeof buf, " ike=%llu child=%llu reason=%d %s", static_cast<unsigned long long>(d->ike.value),
                      static_cast<unsigned long long>(d->child.value), int(d->reason), d->detail.c_str());
        s += buf;
    } else if (const auto* a = std::get_if<ike::AuthFailed>(&e)) {
        std::snprintf(buf, sizeof buf, " reason=%d %s", int(a->reason), a->detail.c_str());
        s += buf;
    }
    return s;
}

constexpr std::size_t max_pending = 256;
constexpr std::size_t max_history = 64;
constexpr std::size_t deliver_all_cap = 64;
// node0's address behind the NAT, and the NAT's public address (RFC 7296 §2.23).
const ike::IpAddress nat_inside = ike::IpAddress::v4(192, 168, 1, 10);
const ike::IpAddress nat_outside = ike::IpAddress::v4(198, 51, 100, 1);
constexpr std::uint16_t nat_port_offset = 10000;  // 500 -> 10500, 4500 -> 14500

ike::Config make_config(int side, std::uint8_t bits) {
    auto c = ike::sim::make_config(pki().ca, pki().nodes[static_cast<std::size_t>(side)]);
    // The cheap suite only (X25519, AES-GCM): hundreds of handshakes per second under ASan.
    c.proposals.ike = {{ike::crypto::PrfId::HmacSha2_256,
                        {ike::crypto::EncrId::AesGcm16, 256, ike::crypto::IntegId::None},
                        ike::crypto::KeId::Curve25519}};
    c.proposals.esp = {{ike::crypto::EncrId::AesGcm16, 256, ike::crypto::IntegId::None},
                       {ike::crypto::EncrId::ChaCha20Poly1305, 0, ike::crypto::IntegId::None}};
    c.export_keys = true;  // the re-encrypting mutation needs the IKE SA keys
    if (bits & short_lifetimes) {
        c.lifetimes.ike_rekey = std::chrono::seconds{600};
        c.lifetimes.child_soft = std::chrono::seconds{300};
        c.lifetimes.child_hard = std::chrono::seconds{420};
    }
    if (bits & cookies_always) c.limits.cookie_threshold = 0;
    if (bits & small_fragments) c.limits.fragment_size = 576;
    if (bits & no_liveness) c.timers.liveness_after = ike::Duration{0};
    if (bits & tight_limits) {
        c.limits.max_half_open = 4;
        c.limits.max_half_open_per_source = 2;
    }
    return c;
}

void check_counters(int side, const ike::Counters& before, const ike::Counters& now) {
    const std::uint64_t a[] = {before.datagrams_in, before.datagrams_out, before.retransmits, before.decode_errors,
                               before.integrity_failures, before.invalid_spi, before.half_open_dropped,
                               before.cookies_sent, before.auth_failures, before.ike_sas_up, before.child_sas_up,
                               before.invalid_spi_notifies, before.dropped_out_of_window, before.duplicate_requests};
    const std::uint64_t b[] = {now.datagrams_in, now.datagrams_out, now.retransmits, now.decode_errors,
                               now.integrity_failures, now.invalid_spi, now.half_open_dropped, now.cookies_sent,
                               now.auth_failures, now.ike_sas_up, now.child_sas_up, now.invalid_spi_notifies,
                               now.dropped_out_of_window, now.duplicate_requests};
    for (std::size_t i = 0; i < std::size(a); ++i)
        FUZZ_REQUIRE(b[i] >= a[i], "side %d counter #%zu went backwards (%llu -> %llu)", side, i,
                     static_cast<unsigned long long>(a[i]), static_cast<unsigned long long>(b[i]));
}

}  // namespace

World::World(std::uint8_t config) : m_config(config), m_nat((config & nat) != 0), m_now(start_time()) {
    m_rng = ike::crypto::make_seeded_rng(0x5eed0000u + (config >> 6));
    for (int i = 0; i < 2; ++i) {
        auto& s = m_sides[static_cast<std::size_t>(i)];
        s.config = make_config(i, config);
        s.ip = (i == 0 && m_nat) ? nat_inside : node_address(i);
        s.spis.side = i;
        s.spis.next = 0x1000u * static_cast<std::uint32_t>(i + 1);
        s.log = std::make_unique<EventLog>(i, s.config, s.spis);
        auto ep = ike::Endpoint::create(s.config, ike::crypto::make_seeded_rng(1000u * static_cast<unsigned>(i + 1) + (config >> 6)),
                                        make_allocator(s.spis));
        FUZZ_REQUIRE(ep.has_value(), "Endpoint::create failed for side %d", i);
        s.ep = std::make_unique<ike::Endpoint>(std::move(*ep));
    }
}

World::~World() = default;

// Where a datagram that `from` sent arrives, as the receiver sees it (NAT applied).
void World::route(int from, ike::Transmit t) {
    const auto& self = m_sides[static_cast<std::size_t>(from)];
    FUZZ_REQUIRE(t.data.size() <= max_datagram, "side %d sent a datagram of %zu octets", from, t.data.size());
    FUZZ_REQUIRE(t.local.ip == self.ip, "side %d sent from %s, not its own address", from, t.local.to_string().c_str());
    FUZZ_REQUIRE(t.local.port == 500 || t.local.port == 4500, "side %d sent from port %u", from, unsigned(t.local.port));
    // On port 4500 (either end) IKE messages carry the non-ESP marker (RFC 3948 §2.2).
    std::span<const std::uint8_t> ike_bytes = t.data;
    if (t.local.port == 4500 || t.remote.port == 4500 || t.remote.port == 4500 + nat_port_offset) {
        const auto stripped = ike::wire::strip_non_esp_marker(t.data);
        FUZZ_REQUIRE(stripped.has_value(), "side %d sent from %s to %s without the non-ESP marker", from,
                     t.local.to_string().c_str(), t.remote.to_string().c_str());
        ike_bytes = *stripped;
    }
    const auto decoded = ike::wire::decode(ike_bytes);
    FUZZ_REQUIRE(decoded.has_value(), "side %d sent a datagram our own codec cannot decode (%zu octets)", from,
                 ike_bytes.size());

    const int to = 1 - from;
    Datagram d{to, t.remote, t.local, std::move(t.data)};
    if (m_nat && from == 0) {
        d.remote = {nat_outside, static_cast<std::uint16_t>(t.local.port + nat_port_offset)};
    } else if (m_nat && from == 1) {
        if (t.remote.ip != nat_outside) return;  // nowhere to go
        if (t.remote.port == 500 + nat_port_offset) d.local = {nat_inside, 500};
        else if (t.remote.port == 4500 + nat_port_offset) d.local = {nat_inside, 4500};
        else return;
    }
    if (!m_nat && t.remote.ip != m_sides[static_cast<std::size_t>(to)].ip) return;  // e.g. to a spoofed source
    if (d.local.port != 500 && d.local.port != 4500) return;
    if (m_pending.size() < max_pending) m_pending.push_back(std::move(d));
}

void World::drain(int side) {
    auto& s = m_sides[static_cast<std::size_t>(side)];
    while (auto t = s.ep->poll_transmit()) {
        ++s.sent;
        route(side, std::move(*t));
    }
    auto& other = m_sides[static_cast<std::size_t>(1 - side)];
    while (auto e = s.ep->poll_event()) {
        if (trace) std::fprintf(stderr, "  [%lld ms] side %d event %s\n", static_cast<long long>((m_now - start_time()) / ike::Duration{1}), side, describe(*e).c_str());
        s.log->on(*e);
        s.ike_ups += std::holds_alternative<ike::IkeSaUp>(*e);
        s.child_ups += std::holds_alternative<ike::ChildSaUp>(*e);
        s.auth_failures += std::holds_alternative<ike::AuthFailed>(*e);
        if (const auto* up = std::get_if<ike::ChildSaUp>(&*e); up != nullptr && !m_forged) {
            for (const auto& [id, c] : other.log->children())
                if (!c.down && c.up.outbound.spi == up->inbound.spi && c.up.inbound.spi == up->outbound.spi)
                    check_pair(*up, c.up);
        }
    }
    for (const auto& k : s.log->new_keys) {
        Keys keys{k.suite, Bytes(k.sk_ei.begin(), k.sk_ei.end()), Bytes(k.sk_er.begin(), k.sk_er.end()),
                  Bytes(k.sk_ai.begin(), k.sk_ai.end()), Bytes(k.sk_ar.begin(), k.sk_ar.end())};
        std::uint64_t spi_i = 0, spi_r = 0;
        for (const auto b : k.spi_i) spi_i = spi_i << 8 | b;
        for (const auto b : k.spi_r) spi_r = spi_r << 8 | b;
        if (m_keys.size() < 64) m_keys[{spi_i, spi_r}] = std::move(keys);
    }
    s.log->new_keys.clear();
}

// What must hold between operations, for one side.
void World::check(int side) {
    drain(side);
    auto& s = m_sides[static_cast<std::size_t>(side)];
    const auto sc = s.ep->state_counts();
    FUZZ_REQUIRE(sc.half_open <= sc.ike_sas, "side %d: %zu half-open of %zu IKE SAs", side, sc.half_open, sc.ike_sas);
    FUZZ_REQUIRE(sc.child_sas == s.log->live_children(),
                 "side %d holds %zu child SAs but its events leave %zu up", side, sc.child_sas, s.log->live_children());
    FUZZ_REQUIRE(s.log->live_ikes() <= sc.ike_sas - sc.half_open,
                 "side %d: %zu IKE SAs reported up but only %zu authenticated ones held", side, s.log->live_ikes(),
                 sc.ike_sas - sc.half_open);
    FUZZ_REQUIRE(sc.half_open <= s.config.limits.max_half_open + s.initiated,
                 "side %d holds %zu half-open IKE SAs (limit %u, %u initiated)", side, sc.half_open,
                 s.config.limits.max_half_open, s.initiated);
    // Each child SA holds its inbound SPI; an IKE SA at most 4 more in flight (a create or rekey,
    // ours and the peer's); an initiation queued behind an IKE SA still being set up holds one.
    FUZZ_REQUIRE(s.spis.live.size() >= sc.child_sas &&
                     s.spis.live.size() <= sc.child_sas + 4 * sc.ike_sas + s.log->pending_initiations(),
                 "side %d holds %zu SPIs for %zu child SAs, %zu IKE SAs and %zu initiations not yet up", side,
                 s.spis.live.size(), sc.child_sas, sc.ike_sas, s.log->pending_initiations());
    const auto& c = s.ep->counters();
    check_counters(side, s.last, c);
    // The counters the daemon shows agree with what the caller saw.
    FUZZ_REQUIRE(c.datagrams_out == s.sent && c.datagrams_in == s.received,
                 "side %d counts %llu datagrams out and %llu in, the caller saw %llu and %llu", side,
                 static_cast<unsigned long long>(c.datagrams_out), static_cast<unsigned long long>(c.datagrams_in),
                 static_cast<unsigned long long>(s.sent), static_cast<unsigned long long>(s.received));
    FUZZ_REQUIRE(c.ike_sas_up == s.ike_ups && c.auth_failures == s.auth_failures && c.child_sas_up <= s.child_ups,
                 "side %d counters (IKE up %llu, auth failures %llu, child up %llu) disagree with its events (%llu, %llu, %llu)",
                 side, static_cast<unsigned long long>(c.ike_sas_up), static_cast<unsigned long long>(c.auth_failures),
                 static_cast<unsigned long long>(c.child_sas_up), static_cast<unsigned long long>(s.ike_ups),
                 static_cast<unsigned long long>(s.auth_failures), static_cast<unsigned long long>(s.child_ups));
    s.last = c;
}

void World::timeout(int side) {
    auto& s = m_sides[static_cast<std::size_t>(side)];
    s.ep->handle_timeout(m_now);
    const auto next = s.ep->next_timeout();
    FUZZ_REQUIRE(!next || *next > m_now, "side %d: next_timeout() is not after the handle_timeout(now) just made (%lld ms before)",
                 side, static_cast<long long>(next ? std::chrono::duration_cast<ike::Duration>(m_now - *next).count() : 0));
}

void World::take(std::size_t k, Datagram& out) {
    out = std::move(m_pending[k]);
    m_pending.erase(m_pending.begin() + static_cast<std::ptrdiff_t>(k));
}

void World::deliver(Datagram d) {
    auto& s = m_sides[static_cast<std::size_t>(d.to)];
    if (trace) {
        const std::size_t off = d.local.port == 4500 ? 4 : 0;
        const auto h = ike::wire::decode_header(std::span(d.data).subspan(std::min(off, d.data.size())));
        std::fprintf(stderr, "  deliver to side %d %s <- %s, %zu octets, %s\n", d.to, d.local.to_string().c_str(),
                     d.remote.to_string().c_str(), d.data.size(),
                     h ? (std::string("exchange ") + std::to_string(int(h->header.exchange)) + (h->header.response ? " response" : " request") +
                          " mid " + std::to_string(h->header.message_id)).c_str() : "undecodable header");
    }
    s.ep->handle_datagram(d.data, d.local, d.remote, m_now);
    ++s.received;
    m_history.push_back(std::move(d));
    if (m_history.size() > max_history) m_history.pop_front();
}

void World::initiate(int side, std::uint8_t variant) {
    auto& s = m_sides[static_cast<std::size_t>(side)];
    const int peer = 1 - side;
    ike::InitiateRequest r;
    r.local = ike::SocketAddress{s.ip, 500};
    r.remote = (m_nat && peer == 0) ? ike::SocketAddress{nat_outside, 500 + nat_port_offset}
                                    : ike::SocketAddress{node_address(peer), 500};
    r.peer_id = node_id(peer);
    r.local_ts = {node_subnet(side)};
    r.remote_ts = {node_subnet(peer)};
    r.tag = variant;
    r.new_ike_sa = (variant & 8) != 0;  // a second IKE SA to the same peer instead of CREATE_CHILD_SA
    const auto host = [](int n, std::uint8_t h) {
        return ike::TrafficSelector::host(ike::IpAddress::v4(10, 0, static_cast<std::uint8_t>(n + 1), h));
    };
    switch (variant % 8) {
        case 0: break;
        case 1:  // the packet's selector first, as from a kernel ACQUIRE (RFC 7296 §2.9)
            r.local_ts.insert(r.local_ts.begin(), host(side, 5));
            r.remote_ts.insert(r.remote_ts.begin(), host(peer, 7));
            break;
        case 2:  // wider than the peer allows: narrowed
            r.remote_ts = {ike::TrafficSelector::subnet(ike::IpAddress::v4(10, 0, 0, 0), 16)};
            break;
        case 3:  // outside the certificate's blocks: TS_UNACCEPTABLE
            r.local_ts = {ike::TrafficSelector::subnet(ike::IpAddress::v4(10, 9, 0, 0), 24)};
            break;
        case 4:
            r.mode = ike::Mode::transport;
            r.local_ts = {host(side, 1)};
            r.remote_ts = {host(peer, 1)};
            break;
        case 5: r.peer_id.reset(); break;
        case 6: r.peer_id = ike::Identity::fqdn("someone-else.mesh"); break;
        case 7: r.local_ts.push_back(host(side, 9)); break;
    }
    if (const auto id = s.ep->initiate(r, m_now)) {
        ++s.initiated;
        s.log->on_initiated(*id);
    }
}

void World::update_policy(int side, std::uint8_t variant) {
    const int peer = 1 - side;
    ike::RevocationPolicy p;
    switch (variant % 7) {
        case 0: break;  // everything allowed again
        case 1: p.crls = {pki().crl_revoking[static_cast<std::size_t>(peer)]}; break;
        case 2: p.blocked_names = {peer == 0 ? "node0.mesh" : "node1.mesh"}; break;
        case 3: p.blocked_spki_sha256 = {pki().spki_sha256[static_cast<std::size_t>(peer)]}; break;
        case 4: p.blocked_serials = {{pki().ca.issuer_dn(), {static_cast<std::uint8_t>(0x10 + peer)}}}; break;
        case 5: p.crls = {pki().crl_unrelated}; break;
        case 6: p.crls = {{0x30, 0x03, 0x02, 0x01, 0x00}}; break;  // not a CRL at all
    }
    (void)m_sides[static_cast<std::size_t>(side)].ep->update_policy(std::move(p), m_now);
}

void World::inject(int side, std::uint8_t flags, Bytes data) {
    const auto& s = m_sides[static_cast<std::size_t>(side)];
    Datagram d;
    d.to = side;
    d.local = {s.ip, (flags & 1) ? std::uint16_t{4500} : std::uint16_t{500}};
    if (flags & 2) data.insert(data.begin(), 4, 0);  // a non-ESP marker
    switch ((flags >> 2) & 3) {
        case 0: d.remote = {m_nat && side == 1 ? nat_outside : node_address(1 - side), d.local.port}; break;
        case 1: d.remote = {ike::IpAddress::v4(203, 0, 113, static_cast<std::uint8_t>(flags >> 4)), 500}; break;
        case 2: d.remote = {ike::IpAddress::v4(203, 0, 113, 1), static_cast<std::uint16_t>(1024 + (flags >> 4))}; break;
        case 3: d.remote = {*ike::IpAddress::parse("2001:db8::1"), d.local.port}; break;
    }
    d.data = std::move(data);
    deliver(std::move(d));
}

void World::step(Op op, Reader& in) {
    if (trace) std::fprintf(stderr, "op %d (pending %zu)\n", int(op), m_pending.size());
    const auto pick = [&]() -> std::optional<std::size_t> {
        const auto k = in.u8();
        if (m_pending.empty()) return std::nullopt;
        return std::size_t{k} % m_pending.size();
    };
    const auto side_arg = [&] { return int(in.u8() & 1); };
    switch (op) {
        case Op::deliver:
            if (const auto k = pick()) {
                Datagram d;
                take(*k, d);
                deliver(std::move(d));
            }
            break;
        case Op::deliver_mutated:
        case Op::reencrypt: {
            const auto k = pick();
            const auto how = in.u8();
            const auto pos = in.u16();
            const auto value = in.u8();
            if (!k) break;
            Datagram d;
            take(*k, d);
            std::optional<Bytes> sealed;
            if (op == Op::reencrypt) sealed = reencrypt(d, how, pos, value);
            m_forged |= sealed.has_value();
            if (sealed) d.data = std::move(*sealed);
            else mutate_bytes(d.data, how, pos, value);  // not an SK message we hold keys for
            deliver(std::move(d));
            break;
        }
        case Op::duplicate:
            if (const auto k = pick(); k && m_pending.size() < max_pending) m_pending.push_back(m_pending[*k]);
            break;
        case Op::drop:
            if (const auto k = pick()) m_pending.erase(m_pending.begin() + static_cast<std::ptrdiff_t>(*k));
            break;
        case Op::reorder:
            if (const auto k = pick()) {
                Datagram d;
                take(*k, d);
                m_pending.push_back(std::move(d));
            }
            break;
        case Op::inject: {
            const int side = side_arg();
            const auto flags = in.u8();
            const auto len = in.u8();
            inject(side, flags, in.bytes(len));
            break;
        }
        case Op::advance: {
            const auto scale = in.u8();
            const auto amount = in.u16();
            static constexpr long long unit_ms[] = {1, 100, 1000, 60000};
            m_now += ike::Duration{amount * unit_ms[scale & 3]};
            timeout(0);
            timeout(1);
            break;
        }
        case Op::next_timer: {
            const int side = side_arg();
            if (const auto t = m_sides[static_cast<std::size_t>(side)].ep->next_timeout(); t && *t > m_now) m_now = *t;
            timeout(0);
            timeout(1);
            break;
        }
        case Op::initiate: {
            const int side = side_arg();
            initiate(side, in.u8());
            break;
        }
        case Op::delete_child:
        case Op::delete_ike:
        case Op::rekey_ike:
        case Op::rekey_child: {
            const int side = side_arg();
            const auto k = in.u8();
            auto& s = m_sides[static_cast<std::size_t>(side)];
            if (op == Op::delete_ike || op == Op::rekey_ike) {
                const auto& ids = s.log->ike_ids;
                const ike::IkeSaId id = ids.empty() ? ike::IkeSaId{k} : ids[k % ids.size()];
                if (op == Op::delete_ike) (void)s.ep->delete_ike(id, m_now);
                else (void)s.ep->rekey_ike(id, m_now);
            } else {
                const auto& ids = s.log->child_ids;
                const ike::ChildSaId id = ids.empty() ? ike::ChildSaId{k} : ids[k % ids.size()];
                if (op == Op::delete_child) (void)s.ep->delete_child(id, m_now);
                else (void)s.ep->rekey_child(id, m_now);
            }
            break;
        }
        case Op::update_policy: {
            const int side = side_arg();
            update_policy(side, in.u8());
            break;
        }
        case Op::replay:
            if (const auto k = in.u8(); !m_history.empty()) {
                auto d = m_history[k % m_history.size()];
                deliver(std::move(d));
            }
            break;
        case Op::deliver_all:
            for (std::size_t i = 0; i < deliver_all_cap && !m_pending.empty(); ++i) {
                Datagram d;
                take(0, d);
                deliver(std::move(d));
                drain(0);
                drain(1);
            }
            break;
        case Op::count_:
            break;
    }
    check(0);
    check(1);
}

void World::settle() {
    if (trace) std::fprintf(stderr, "settle\n");
    for (int round = 0; round < 400; ++round) {
        for (int i = 0; i < 2; ++i) {
            auto& s = m_sides[static_cast<std::size_t>(i)];
            for (const auto& [id, st] : s.log->ikes())
                if (st.up && !st.down) (void)s.ep->delete_ike(ike::IkeSaId{id}, m_now);
            check(i);
        }
        for (std::size_t n = 0; n < 1000 && !m_pending.empty(); ++n) {
            Datagram d;
            take(0, d);
            deliver(std::move(d));
            check(0);
            check(1);
        }
        const auto t0 = m_sides[0].ep->next_timeout();
        const auto t1 = m_sides[1].ep->next_timeout();
        // An SA that came up during this round (without liveness timers) is deleted in the next.
        const bool live = m_sides[0].log->live_ikes() + m_sides[1].log->live_ikes() > 0;
        if (!t0 && !t1 && m_pending.empty() && !live) break;
        std::optional<ike::Time> t = t0;
        if (t1 && (!t || *t1 < *t)) t = t1;
        if (t && *t > m_now) m_now = *t;
        timeout(0);
        timeout(1);
        check(0);
        check(1);
    }
    for (int i = 0; i < 2; ++i) {
        const auto& s = m_sides[static_cast<std::size_t>(i)];
        const auto sc = s.ep->state_counts();
        FUZZ_REQUIRE(m_pending.empty() && !s.ep->next_timeout(), "side %d never went idle", i);
        FUZZ_REQUIRE(sc.ike_sas == 0 && sc.child_sas == 0,
                     "side %d keeps %zu IKE SAs and %zu child SAs after everything was deleted and every timer fired", i,
                     sc.ike_sas, sc.child_sas);
        FUZZ_REQUIRE(s.spis.live.empty(), "side %d never released %zu SPIs (first 0x%x)", i, s.spis.live.size(),
                     *s.spis.live.begin());
        FUZZ_REQUIRE(s.log->live_children() == 0 && s.log->live_ikes() == 0,
                     "side %d reported %zu child SAs and %zu IKE SAs up that never went down", i,
                     s.log->live_children(), s.log->live_ikes());
    }
}

}  // namespace fuzz_engine
