// The IKE SA table and its indexes (see sa_table.hpp): each input re-reads only the SAs it
// touched, so nothing here walks the whole table except ids() (update_policy).
#include "sa/sa_table.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "sa/tasks.hpp"

namespace ike::sa {
namespace {

std::string identity_key(const Identity& id) {
    std::string k(1, static_cast<char>(wire::raw(id.type)));
    k.append(id.data.begin(), id.data.end());
    return k;
}

// The identity an SA is (or will be) with: RFC 7296 §2.4 speaks of the authenticated identities.
// Before IKE_AUTH completes, an initiator's SA counts under the identity it asked for (IDr).
std::optional<std::string> identity_of(const IkeSa& sa) {
    if (sa.peer_id) return identity_key(*sa.peer_id);
    if (sa.expected_peer_id) return identity_key(*sa.expected_peer_id);
    return std::nullopt;
}

template <typename Map, typename Key>
void decrement(Map& m, const Key& k) {
    const auto it = m.find(k);
    if (it != m.end() && --it->second == 0) m.erase(it);
}

}  // namespace

SaTable::SaTable(crypto::Rng& rng, Duration recent_hold) : m_rng(rng), m_recent_hold(recent_hold) {}

IkeSaId SaTable::new_ike_id() { return IkeSaId{++m_last_id}; }

std::uint64_t SaTable::new_ike_spi() {
    for (;;) {
        std::array<std::uint8_t, 8> b{};
        m_rng.fill(b);
        std::uint64_t v = 0;
        for (const auto x : b) v = v << 8 | x;
        if (v != 0 && !m_by_spi.contains(v)) return v;
    }
}

IkeSa& SaTable::adopt(std::unique_ptr<IkeSa> sa) { return insert(std::move(sa), false); }

IkeSa& SaTable::insert_responder(std::unique_ptr<IkeSa> sa) { return insert(std::move(sa), true); }

IkeSa& SaTable::insert(std::unique_ptr<IkeSa> sa, bool by_init) {
    const std::uint64_t id = sa->id.value;
    m_last_id = std::max(m_last_id, id);
    auto& e = m_sas[id];
    e.sa = std::move(sa);
    m_by_spi[e.sa->our_spi()] = id;
    if (by_init) {
        m_by_init[{e.sa->init_remote, e.sa->spi_i}] = id;
        e.by_init = true;
    }
    mark(e);
    return *e.sa;
}

void SaTable::touch(IkeSa& sa) {
    if (auto* e = entry(sa.id.value); e != nullptr && e->sa.get() == &sa) mark(*e);
}

void SaTable::mark(Entry& e) {
    if (e.dirty) return;
    e.dirty = true;
    m_dirty.push_back(e.sa->id.value);
}

SaTable::Entry* SaTable::entry(std::uint64_t id) {
    const auto it = m_sas.find(id);
    return it == m_sas.end() ? nullptr : &it->second;
}

IkeSa* SaTable::find(IkeSaId id) {
    auto* e = entry(id.value);
    return e == nullptr || e->sa->state() == State::closed ? nullptr : e->sa.get();
}

IkeSa* SaTable::by_spi(std::uint64_t our_spi) {
    const auto it = m_by_spi.find(our_spi);
    return it == m_by_spi.end() ? nullptr : find(IkeSaId{it->second});
}

IkeSa* SaTable::by_init(const SocketAddress& peer, std::uint64_t spi_i) {
    const auto it = m_by_init.find({peer, spi_i});
    return it == m_by_init.end() ? nullptr : m_sas.at(it->second).sa.get();
}

bool SaTable::recently_closed_init(const SocketAddress& peer, std::uint64_t spi_i) const {
    return m_recent_init.contains({peer, spi_i});
}

IkeSa* SaTable::child_owner(ChildSaId child) {
    const auto it = m_children.find(child.value);
    return it == m_children.end() ? nullptr : find(IkeSaId{it->second});
}

std::vector<IkeSa*> SaTable::with_identity(const Identity& id) {
    std::vector<IkeSa*> out;
    const auto it = m_by_identity.find(identity_key(id));
    if (it == m_by_identity.end()) return out;
    for (const auto sa_id : it->second)
        if (auto* sa = find(IkeSaId{sa_id})) out.push_back(sa);
    return out;
}

bool SaTable::any_with_identity(const Identity& id) const { return m_by_identity.contains(identity_key(id)); }

bool SaTable::any_with_address(const IpAddress& peer) const { return m_by_address.contains(peer); }

std::size_t SaTable::half_open_from(const IpAddress& source) const {
    const auto it = m_half_open_by_source.find(source);
    return it == m_half_open_by_source.end() ? 0 : it->second;
}

std::vector<IkeSaId> SaTable::due(Time now) const {
    std::vector<IkeSaId> out;
    for (auto it = m_deadlines.begin(); it != m_deadlines.end() && it->first <= now; ++it)
        out.push_back(IkeSaId{it->second});
    return out;
}

std::optional<Time> SaTable::next_deadline() const {
    if (m_deadlines.empty()) return std::nullopt;
    return m_deadlines.begin()->first;
}

std::vector<IkeSaId> SaTable::ids() const {
    std::vector<IkeSaId> out;
    out.reserve(m_sas.size());
    for (const auto& [id, e] : m_sas) out.push_back(IkeSaId{id});
    std::sort(out.begin(), out.end());  // a stable order for the events a recheck emits
    return out;
}

void SaTable::settle(const Context& ctx) {
    // refresh() may not mark again (it only reads), so the list cannot grow under us.
    const auto dirty = std::exchange(m_dirty, {});
    for (const auto id : dirty)
        if (auto* e = entry(id)) refresh(*e, ctx);
    while (!m_recent_expiry.empty() && m_recent_expiry.front().first <= ctx.now) {
        const auto& [until, key] = m_recent_expiry.front();
        if (const auto it = m_recent_init.find(key); it != m_recent_init.end() && it->second == until)
            m_recent_init.erase(it);
        m_recent_expiry.pop_front();
    }
}

void SaTable::refresh(Entry& e, const Context& ctx) {
    e.dirty = false;
    IkeSa& sa = *e.sa;
    if (sa.state() == State::closed) {
        const std::uint64_t id = sa.id.value;  // not a reference into the entry being erased
        unindex(e);
        if (e.by_init) remember_init({sa.init_remote, sa.spi_i}, ctx.now + m_recent_hold);
        if (const auto it = m_by_spi.find(sa.our_spi()); it != m_by_spi.end() && it->second == id) m_by_spi.erase(it);
        m_sas.erase(id);
        return;
    }
    if (const auto d = sa_deadline(ctx, sa); d != e.deadline) {
        if (e.deadline) m_deadlines.erase({*e.deadline, sa.id.value});
        if (d) m_deadlines.insert({*d, sa.id.value});
        e.deadline = d;
    }
    if (auto k = identity_of(sa); k != e.identity) {
        if (e.identity) {
            auto it = m_by_identity.find(*e.identity);
            it->second.erase(sa.id.value);
            if (it->second.empty()) m_by_identity.erase(it);
        }
        if (k) m_by_identity[*k].insert(sa.id.value);
        e.identity = std::move(k);
    }
    if (e.address != sa.remote.ip) {
        if (e.address) decrement(m_by_address, *e.address);
        ++m_by_address[sa.remote.ip];
        e.address = sa.remote.ip;
    }
    const std::optional<IpAddress> source =
        sa.state() == State::init_answered ? std::optional{sa.init_remote.ip} : std::nullopt;
    if (source != e.half_open_source) {
        if (e.half_open_source) {
            decrement(m_half_open_by_source, *e.half_open_source);
            --m_half_open;
        }
        if (source) {
            ++m_half_open_by_source[*source];
            ++m_half_open;
        }
        e.half_open_source = source;
    }
    if (const bool u = !sa.authenticated(); u != e.unauthenticated) {
        e.unauthenticated = u;
        if (u) ++m_unauthenticated;
        else --m_unauthenticated;
    }
    std::vector<ChildSaId> held;
    held.reserve(sa.children.size());
    for (const auto& c : sa.children) held.push_back(c.id);
    if (held != e.children) set_children(e, std::move(held));
}

void SaTable::set_children(Entry& e, std::vector<ChildSaId> now_held) {
    const std::uint64_t id = e.sa->id.value;
    for (const auto c : e.children)
        if (const auto it = m_children.find(c.value); it != m_children.end() && it->second == id) m_children.erase(it);
    // A child that moved here from another SA (IKE SA rekey, §2.18) now points here, whichever
    // of the two SAs is re-read first.
    for (const auto c : now_held) m_children[c.value] = id;
    m_child_sas = m_child_sas - e.children.size() + now_held.size();
    e.children = std::move(now_held);
}

void SaTable::unindex(Entry& e) {
    const std::uint64_t id = e.sa->id.value;
    if (e.deadline) m_deadlines.erase({*e.deadline, id});
    if (e.identity) {
        auto it = m_by_identity.find(*e.identity);
        it->second.erase(id);
        if (it->second.empty()) m_by_identity.erase(it);
    }
    if (e.address) decrement(m_by_address, *e.address);
    if (e.half_open_source) {
        decrement(m_half_open_by_source, *e.half_open_source);
        --m_half_open;
    }
    if (e.unauthenticated) --m_unauthenticated;
    set_children(e, {});
    if (e.by_init) {
        const auto it = m_by_init.find({e.sa->init_remote, e.sa->spi_i});
        if (it != m_by_init.end() && it->second == id) m_by_init.erase(it);
    }
}

void SaTable::remember_init(const InitKey& key, Time until) {
    m_recent_init[key] = until;
    m_recent_expiry.emplace_back(until, key);
}

StateCounts SaTable::counts() const {
    StateCounts c;
    c.ike_sas = m_sas.size();
    c.half_open = m_unauthenticated;
    c.child_sas = m_child_sas;
    return c;
}

}  // namespace ike::sa
