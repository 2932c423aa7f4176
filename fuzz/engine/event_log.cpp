// The event invariants of fuzz_engine (see event_log.hpp).
#include "event_log.hpp"

#include "crypto/esp_keys.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace fuzz_engine {

void fail(const char* format, ...) {
    std::fputs("fuzz_engine invariant violated: ", stderr);
    va_list args;
    va_start(args, format);
    std::vfprintf(stderr, format, args);
    va_end(args);
    std::fputc('\n', stderr);
    std::abort();
}

namespace {

class Allocator final : public ike::SpiAllocator {
public:
    explicit Allocator(SpiPool& pool) : m_pool(pool) {}
    std::optional<std::uint32_t> allocate(const ike::SocketAddress&, const ike::SocketAddress&) override {
        const auto spi = m_pool.next++;
        m_pool.live.insert(spi);
        return spi;
    }
    void release(std::uint32_t spi) override {
        FUZZ_REQUIRE(m_pool.live.erase(spi) == 1, "side %d released SPI 0x%x that is not live (double release?)",
                     m_pool.side, spi);
    }

private:
    SpiPool& m_pool;
};

bool same_esp_suite(const ike::crypto::EspSuite& a, const ike::crypto::EspSuite& b) {
    return a.encr == b.encr && a.key_bits == b.key_bits && a.integ == b.integ;
}

bool same_keys(const ike::crypto::EspKeys& a, const ike::crypto::EspKeys& b) {
    return same_esp_suite(a.suite, b.suite) && a.aead == b.aead && a.encr_alg == b.encr_alg &&
           a.encr_key == b.encr_key && a.icv_bits == b.icv_bits && a.integ_alg == b.integ_alg &&
           a.integ_key == b.integ_key && a.integ_trunc_bits == b.integ_trunc_bits;
}

bool esp_suite_offered(const ike::Config& c, const ike::crypto::EspSuite& s) {
    for (const auto& p : c.proposals.esp)
        if (same_esp_suite(p, s)) return true;
    return false;
}

bool ike_suite_offered(const ike::Config& c, const ike::crypto::IkeSuite& s) {
    for (const auto& p : c.proposals.ike)
        if (p.prf == s.prf && p.ke == s.ke && p.sk.encr == s.sk.encr && p.sk.key_bits == s.sk.key_bits &&
            p.sk.integ == s.sk.integ)
            return true;
    return false;
}

void check_keys(int side, const ike::crypto::EspKeys& k, const char* dir) {
    FUZZ_REQUIRE(!k.encr_key.empty(), "side %d ChildSaUp %s: empty encryption key", side, dir);
    FUZZ_REQUIRE(k.aead == k.integ_key.empty(), "side %d ChildSaUp %s: AEAD %d with integrity key of %zu octets", side,
                 dir, int(k.aead), k.integ_key.size());
    const auto len = ike::crypto::esp_keymat_length(k.suite);
    FUZZ_REQUIRE(len && *len == k.encr_key.size() + k.integ_key.size(),
                 "side %d ChildSaUp %s: key material of %zu octets does not fit the suite", side, dir,
                 k.encr_key.size() + k.integ_key.size());
}

}  // namespace

std::unique_ptr<ike::SpiAllocator> make_allocator(SpiPool& pool) { return std::make_unique<Allocator>(pool); }

void EventLog::on(const ike::Event& e) {
    std::visit(
        [&](const auto& ev) {
            using T = std::decay_t<decltype(ev)>;
            if constexpr (std::is_same_v<T, ike::IkeSaUp>) on_ike_up(ev);
            else if constexpr (std::is_same_v<T, ike::IkeSaDown>) on_ike_down(ev);
            else if constexpr (std::is_same_v<T, ike::ChildSaUp>) on_child_up(ev);
            else if constexpr (std::is_same_v<T, ike::ChildSaDown>) on_child_down(ev);
            else if constexpr (std::is_same_v<T, ike::IkeKeysExported>) {
                FUZZ_REQUIRE(!ev.sk_ei.empty() && !ev.sk_er.empty(), "side %d IkeKeysExported without keys", m_side);
                new_keys.push_back(ev);
            } else if constexpr (std::is_same_v<T, ike::PeerAddressChanged>) on_peer_moved(ev);
            else if constexpr (std::is_same_v<T, ike::RekeyFailed>) on_rekey_failed(ev);
            // AuthFailed: informational, may name an IKE SA never reported up. CrlExpired: a
            // warning about the policy, no SA.
        },
        e);
}

void EventLog::on_ike_up(const ike::IkeSaUp& e) {
    FUZZ_REQUIRE(e.ike.value != 0, "side %d IkeSaUp with IkeSaId 0", m_side);
    auto& s = m_ikes[e.ike.value];
    FUZZ_REQUIRE(!s.up && !s.down, "side %d IkeSaUp for IKE SA %llu that was already reported (up %d, down %d)",
                 m_side, static_cast<unsigned long long>(e.ike.value), int(s.up), int(s.down));
    FUZZ_REQUIRE(ike_suite_offered(m_config, e.suite), "side %d IkeSaUp with a suite it never offered", m_side);
    FUZZ_REQUIRE(e.peer_id.data.size() > 0, "side %d IkeSaUp with an empty peer identity", m_side);
    s.up = true;
    ++m_live_ikes;
    ike_ids.push_back(e.ike);
    if (e.replaces) {  // IKE SA rekey: the old one's children are this one's from now on
        const auto old = m_ikes.find(e.replaces->value);
        FUZZ_REQUIRE(old != m_ikes.end() && old->second.up && !old->second.down,
                     "side %d IkeSaUp %llu replaces IKE SA %llu that is not up", m_side,
                     static_cast<unsigned long long>(e.ike.value), static_cast<unsigned long long>(e.replaces->value));
        for (auto& [id, c] : m_children)
            if (!c.down && c.ike == e.replaces->value) c.ike = e.ike.value;
    }
}

// RFC 7296 §2.23: only an SA the caller knows moves, and only to somewhere else.
void EventLog::on_peer_moved(const ike::PeerAddressChanged& e) {
    const auto s = m_ikes.find(e.ike.value);
    FUZZ_REQUIRE(s != m_ikes.end() && s->second.up && !s->second.down,
                 "side %d PeerAddressChanged for IKE SA %llu that is not up", m_side,
                 static_cast<unsigned long long>(e.ike.value));
    FUZZ_REQUIRE(e.local != e.old_local || e.remote != e.old_remote,
                 "side %d PeerAddressChanged for IKE SA %llu without a change", m_side,
                 static_cast<unsigned long long>(e.ike.value));
}

// A failed rekey names an SA that is up, and a child SA that was reported; only a child
// rekey is retried.
void EventLog::on_rekey_failed(const ike::RekeyFailed& e) {
    const auto s = m_ikes.find(e.ike.value);
    FUZZ_REQUIRE(s != m_ikes.end() && s->second.up && !s->second.down, "side %d RekeyFailed for IKE SA %llu that is not up",
                 m_side, static_cast<unsigned long long>(e.ike.value));
    FUZZ_REQUIRE(!e.child || m_children.contains(e.child->value), "side %d RekeyFailed for child SA %llu never reported up",
                 m_side, static_cast<unsigned long long>(e.child ? e.child->value : 0));
    FUZZ_REQUIRE(!e.retrying || e.child, "side %d RekeyFailed retrying an IKE SA rekey", m_side);
    FUZZ_REQUIRE(!e.detail.empty(), "side %d RekeyFailed without a reason", m_side);
}

void EventLog::on_ike_down(const ike::IkeSaDown& e) {
    auto& s = m_ikes[e.ike.value];
    FUZZ_REQUIRE(!s.down, "side %d IkeSaDown twice for IKE SA %llu", m_side, static_cast<unsigned long long>(e.ike.value));
    if (!s.up) ike_ids.push_back(e.ike);
    for (auto& [id, c] : m_children) {
        if (c.down || c.moved || c.ike != e.ike.value) continue;
        FUZZ_REQUIRE(e.reason == ike::DownReason::rekeyed,
                     "side %d IkeSaDown (reason %d) for IKE SA %llu while its child SA %llu is still up", m_side,
                     int(e.reason), static_cast<unsigned long long>(e.ike.value), static_cast<unsigned long long>(id));
        c.moved = true;  // IKE SA rekey: the children move over to the new IKE SA (RFC 7296 §2.18)
    }
    if (s.up) --m_live_ikes;
    s.down = true;
}

void EventLog::on_child_up(const ike::ChildSaUp& e) {
    const auto id = e.child.value;
    FUZZ_REQUIRE(id != 0, "side %d ChildSaUp with ChildSaId 0", m_side);
    FUZZ_REQUIRE(!m_children.contains(id) && !m_failed.contains(id), "side %d ChildSaUp reuses ChildSaId %llu", m_side,
                 static_cast<unsigned long long>(id));
    m_initiated.erase(id);
    const auto ike = m_ikes.find(e.ike.value);
    FUZZ_REQUIRE(ike != m_ikes.end() && ike->second.up && !ike->second.down,
                 "side %d ChildSaUp %llu on IKE SA %llu that is not up", m_side, static_cast<unsigned long long>(id),
                 static_cast<unsigned long long>(e.ike.value));
    FUZZ_REQUIRE(e.inbound.spi != 0 && e.outbound.spi != 0, "side %d ChildSaUp %llu with a zero SPI", m_side,
                 static_cast<unsigned long long>(id));
    FUZZ_REQUIRE(m_spis.live.contains(e.inbound.spi), "side %d ChildSaUp %llu: inbound SPI 0x%x is not one the allocator holds",
                 m_side, static_cast<unsigned long long>(id), e.inbound.spi);
    FUZZ_REQUIRE(esp_suite_offered(m_config, e.inbound.keys.suite) && esp_suite_offered(m_config, e.outbound.keys.suite),
                 "side %d ChildSaUp %llu with an ESP suite it never offered", m_side, static_cast<unsigned long long>(id));
    check_keys(m_side, e.inbound.keys, "inbound");
    check_keys(m_side, e.outbound.keys, "outbound");
    FUZZ_REQUIRE(!e.local_ts.empty() && !e.remote_ts.empty(), "side %d ChildSaUp %llu with empty selectors", m_side,
                 static_cast<unsigned long long>(id));
    FUZZ_REQUIRE(e.soft_lifetime <= e.hard_lifetime, "side %d ChildSaUp %llu: soft lifetime after the hard one", m_side,
                 static_cast<unsigned long long>(id));
    for (const auto& [other_id, c] : m_children)
        FUZZ_REQUIRE(c.down || c.up.inbound.spi != e.inbound.spi,
                     "side %d ChildSaUp %llu: inbound SPI 0x%x already used by live child %llu", m_side,
                     static_cast<unsigned long long>(id), e.inbound.spi, static_cast<unsigned long long>(other_id));
    if (e.replaces) {
        const auto old = m_children.find(e.replaces->value);
        FUZZ_REQUIRE(old != m_children.end() && !old->second.down,
                     "side %d ChildSaUp %llu replaces child %llu that is not up", m_side,
                     static_cast<unsigned long long>(id), static_cast<unsigned long long>(e.replaces->value));
    }
    m_children[id] = Child{e, e.ike.value, false, false};
    ++m_live_children;
    child_ids.push_back(e.child);
}

void EventLog::on_child_down(const ike::ChildSaDown& e) {
    const auto it = m_children.find(e.child.value);
    if (it == m_children.end() && m_initiated.erase(e.child.value) > 0) {  // an initiation the peer refused
        FUZZ_REQUIRE(e.reason == ike::DownReason::negotiation_failed && e.inbound_spi == 0 && e.outbound_spi == 0,
                     "side %d ChildSaDown for child %llu that never came up: reason %d, SPIs 0x%x/0x%x", m_side,
                     static_cast<unsigned long long>(e.child.value), int(e.reason), e.inbound_spi, e.outbound_spi);
        m_failed.insert(e.child.value);
        return;
    }
    FUZZ_REQUIRE(it != m_children.end(), "side %d ChildSaDown for child %llu that never came up", m_side,
                 static_cast<unsigned long long>(e.child.value));
    auto& c = it->second;
    FUZZ_REQUIRE(!c.down, "side %d ChildSaDown twice for child %llu", m_side, static_cast<unsigned long long>(e.child.value));
    FUZZ_REQUIRE(c.moved || c.ike == e.ike.value, "side %d ChildSaDown for child %llu names IKE SA %llu, its Up named %llu",
                 m_side, static_cast<unsigned long long>(e.child.value), static_cast<unsigned long long>(e.ike.value),
                 static_cast<unsigned long long>(c.ike));
    FUZZ_REQUIRE(e.inbound_spi == c.up.inbound.spi && e.outbound_spi == c.up.outbound.spi,
                 "side %d ChildSaDown for child %llu with SPIs 0x%x/0x%x, its Up had 0x%x/0x%x", m_side,
                 static_cast<unsigned long long>(e.child.value), e.inbound_spi, e.outbound_spi, c.up.inbound.spi,
                 c.up.outbound.spi);
    c.down = true;
    --m_live_children;
}

void check_pair(const ike::ChildSaUp& a, const ike::ChildSaUp& b) {
    FUZZ_REQUIRE(same_keys(a.outbound.keys, b.inbound.keys) && same_keys(a.inbound.keys, b.outbound.keys),
                 "child SA pair 0x%x/0x%x: the two ends hold different keys or algorithms", a.inbound.spi, a.outbound.spi);
    FUZZ_REQUIRE(a.mode == b.mode && a.esn == b.esn, "child SA pair 0x%x/0x%x: mode or ESN differ", a.inbound.spi,
                 a.outbound.spi);
    FUZZ_REQUIRE(a.local_ts == b.remote_ts && a.remote_ts == b.local_ts,
                 "child SA pair 0x%x/0x%x: the two ends agreed on different traffic selectors", a.inbound.spi,
                 a.outbound.spi);
}

}  // namespace fuzz_engine
