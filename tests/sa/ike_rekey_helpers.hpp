// Queries over a node's events for the IKE SA rekey tests: which IKE SA is current, whether a
// pair of nodes settled on one IKE SA with the same keys, and event order.
#pragma once

#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "scenario.hpp"

namespace ike::test {

// The IKE SA a node reported Up last and not Down since.
inline std::optional<IkeSaId> current_ike(const sim::Network::Node& n) {
    std::set<std::uint64_t> down;
    for (const auto& d : events_of<IkeSaDown>(n)) down.insert(d.ike.value);
    std::optional<IkeSaId> cur;
    for (const auto& u : events_of<IkeSaUp>(n))
        if (!down.contains(u.ike.value)) cur = u.ike;
    return cur;
}

inline std::optional<IkeKeysExported> ike_keys(const sim::Network::Node& n, IkeSaId id) {
    std::optional<IkeKeysExported> k;
    for (const auto& e : events_of<IkeKeysExported>(n))
        if (e.ike == id) k = e;
    return k;
}

// Both ends hold the same IKE SA (SPIs and keys; needs Config::export_keys).
inline bool same_ike_keys(const sim::Network::Node& a, IkeSaId ia, const sim::Network::Node& b, IkeSaId ib) {
    const auto ka = ike_keys(a, ia);
    const auto kb = ike_keys(b, ib);
    return ka && kb && ka->spi_i == kb->spi_i && ka->spi_r == kb->spi_r && ka->sk_ei == kb->sk_ei && ka->sk_er == kb->sk_er &&
           ka->sk_ai == kb->sk_ai && ka->sk_ar == kb->sk_ar;
}

// Exactly one IKE SA on each side, reported Up and not Down, and the same children count.
inline bool settled_pair(const sim::Network::Node& a, const sim::Network::Node& b) {
    const auto sa = a.endpoint->state_counts();
    const auto sb = b.endpoint->state_counts();
    return sa.ike_sas == 1 && sb.ike_sas == 1 && sa.half_open == 0 && sb.half_open == 0 && sa.child_sas == sb.child_sas &&
           current_ike(a) && current_ike(b);
}

// The new SA's Up came before the old one's Down (make-before-break).
inline bool up_before_down(const sim::Network::Node& n, IkeSaId up, IkeSaId down) {
    std::optional<std::size_t> u, d;
    for (std::size_t i = 0; i < n.events.size(); ++i) {
        if (const auto* e = std::get_if<IkeSaUp>(&n.events[i]); e && e->ike == up) u = i;
        if (const auto* e = std::get_if<IkeSaDown>(&n.events[i]); e && e->ike == down) d = i;
    }
    return u && d && *u < *d;
}

// ChildSaDown events for any reason but a rekey (child SAs rekey on their own time too).
inline std::size_t downs_not_rekeyed(const sim::Network::Node& n) {
    std::size_t k = 0;
    for (const auto& d : events_of<ChildSaDown>(n)) k += d.reason != DownReason::rekeyed;
    return k;
}

// One line of a node's IKE events and state, for failure messages.
inline std::string describe(const sim::Network::Node& n) {
    std::string s = n.name + ":";
    for (const auto& e : n.events) {
        if (const auto* u = std::get_if<IkeSaUp>(&e))
            s += " Up(" + std::to_string(u->ike.value) + (u->replaces ? "<" + std::to_string(u->replaces->value) : "") + ")";
        if (const auto* d = std::get_if<IkeSaDown>(&e))
            s += " Down(" + std::to_string(d->ike.value) + "," + std::to_string(int(d->reason)) + ")";
        if (const auto* d = std::get_if<ChildSaDown>(&e)) s += " ChildDown(" + std::to_string(d->ike.value) + ")";
    }
    const auto c = n.endpoint->state_counts();
    return s + " [ike " + std::to_string(c.ike_sas) + ", child " + std::to_string(c.child_sas) + "]";
}

}  // namespace ike::test
