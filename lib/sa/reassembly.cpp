// RFC 7383 reassembly memory: the endpoint's budget with its eviction, and each SA's slots.
#include "sa/reassembly.hpp"

namespace ike::sa {

// --- ReassemblyBudget ---

std::size_t ReassemblyBudget::used_by(const IpAddress& source) const {
    const auto it = m_by_source.find(source);
    return it == m_by_source.end() ? 0 : it->second;
}

void ReassemblyBudget::add(FragmentState* owner, bool response, PartialMessage& p, std::size_t n) {
    if (!p.held) p.held = m_holders.insert(m_holders.end(), BudgetHolder{owner, response, &p});
    m_used += n;
    m_by_source[p.source] += n;
}

void ReassemblyBudget::remove(PartialMessage& p) {
    if (!p.held) return;
    m_used -= std::min(m_used, p.bytes);
    auto& s = m_by_source[p.source];
    s -= std::min(s, p.bytes);
    if (s == 0) m_by_source.erase(p.source);
    m_holders.erase(*p.held);
    p.held.reset();
}

std::optional<std::size_t> ReassemblyBudget::make_room(const PartialMessage& p, std::size_t cost,
                                                       std::size_t per_source, std::size_t total) {
    // What `p` holds already stays with it: only the others can make room.
    const std::size_t own = p.bytes;
    if (own + cost > per_source || own + cost > total) return std::nullopt;
    std::size_t evicted = 0;
    const auto evict_oldest = [&](const IpAddress* of) {
        for (auto it = m_holders.begin(); it != m_holders.end(); ++it) {
            if (it->message == &p || (of && it->message->source != *of)) continue;
            const BudgetHolder h = *it;
            h.owner->discard(h.response);  // removes it (and invalidates `it`)
            ++evicted;
            return true;
        }
        return false;
    };
    while (used_by(p.source) + cost > per_source && evict_oldest(&p.source)) {}
    while (m_used + cost > total && evict_oldest(nullptr)) {}
    return evicted;
}

// --- FragmentState ---

FragmentState::FragmentState(FragmentState&& o) noexcept
    : m_request(std::move(o.m_request)), m_response(std::move(o.m_response)), m_budget(o.m_budget),
      m_peer_datagram(o.m_peer_datagram) {
    rebind();
}

FragmentState& FragmentState::operator=(FragmentState&& o) noexcept {
    if (this != &o) {
        release_all();
        m_request = std::move(o.m_request);
        m_response = std::move(o.m_response);
        m_budget = o.m_budget;
        m_peer_datagram = o.m_peer_datagram;
        rebind();
    }
    return *this;
}

FragmentState::~FragmentState() { release_all(); }

std::size_t FragmentState::bytes() const {
    return (m_request ? m_request->bytes : 0) + (m_response ? m_response->bytes : 0);
}

void FragmentState::discard(bool response) {
    auto& s = slot(response);
    if (!s) return;
    if (m_budget) m_budget->remove(*s);
    s.reset();
}

void FragmentState::account(bool response, std::size_t n) {
    auto& s = *slot(response);
    if (m_budget) m_budget->add(this, response, s, n);
    s.bytes += n;
}

std::optional<Time> FragmentState::quiet_since() const {
    std::optional<Time> t;
    for (const auto* p : {m_request.get(), m_response.get()})
        if (p && (!t || p->last < *t)) t = p->last;
    return t;
}

// After a move the budget's entries for our messages name us, not the moved-from object.
void FragmentState::rebind() {
    for (const bool response : {false, true})
        if (auto& s = slot(response); s && s->held) (*s->held)->owner = this;
}

void FragmentState::release_all() {
    discard(false);
    discard(true);
}

}  // namespace ike::sa
