// Helpers for the CREATE_CHILD_SA scenario tests: the child SAs a node holds according to its
// events, and the check that two nodes hold exactly matching pairs and nothing else.
#pragma once

#include <algorithm>
#include <string>

#include "scenario.hpp"
#include "wire/header.hpp"

namespace ike::test {

// Every ChildSaUp not followed by a ChildSaDown of the same child.
inline std::vector<ChildSaUp> live_children(const sim::Network::Node& n) {
    std::vector<ChildSaUp> live;
    for (const auto& e : n.events) {
        if (const auto* u = std::get_if<ChildSaUp>(&e)) live.push_back(*u);
        if (const auto* d = std::get_if<ChildSaDown>(&e))
            std::erase_if(live, [&](const ChildSaUp& u) { return u.child == d->child; });
    }
    return live;
}

// Empty when a and b hold exactly `pairs` child SA pairs between them, each with the same SPIs
// and keys on both sides, the engine agrees with the events, and every inbound SPI still
// allocated belongs to one of them; else what is wrong.
inline std::string check_pairs(const sim::Network::Node& a, const sim::Network::Node& b, std::size_t pairs) {
    const auto la = live_children(a);
    const auto lb = live_children(b);
    if (la.size() != pairs || lb.size() != pairs)
        return "live children " + std::to_string(la.size()) + "/" + std::to_string(lb.size());
    if (a.endpoint->state_counts().child_sas != pairs || b.endpoint->state_counts().child_sas != pairs)
        return "engine holds " + std::to_string(a.endpoint->state_counts().child_sas) + "/" +
               std::to_string(b.endpoint->state_counts().child_sas) + " children";
    for (const auto& x : la)
        if (std::none_of(lb.begin(), lb.end(), [&](const ChildSaUp& y) { return pair_matches(x, y); }))
            return "a child without its matching pair (SPIs or keys differ)";
    for (const auto* n : {&a, &b}) {
        const auto live = live_children(*n);
        if (n->spis->live.size() != live.size()) return n->name + " leaks inbound SPIs";
        for (const auto& c : live)
            if (!n->spis->live.contains(c.inbound.spi)) return n->name + " released a live SPI";
    }
    return {};
}

// A request for a child SA between two hosts of the nodes' subnets (a distinct child per host).
inline InitiateRequest host_request(int from, int to, std::uint8_t host, std::uint64_t tag) {
    auto r = Mesh::request(from, to, tag);
    r.local_ts = {TrafficSelector::host(IpAddress::v4(10, 0, static_cast<std::uint8_t>(from), host))};
    r.remote_ts = {TrafficSelector::host(IpAddress::v4(10, 0, static_cast<std::uint8_t>(to), host))};
    return r;
}

// The ChildSaDown of `id`, or null.
inline const ChildSaDown* down_of(const sim::Network::Node& n, ChildSaId id) {
    for (const auto& e : n.events)
        if (const auto* d = std::get_if<ChildSaDown>(&e); d && d->child == id) return d;
    return nullptr;
}

// Index of the first event matching `pred`, or the number of events.
template <typename E, typename P>
std::size_t index_of(const sim::Network::Node& n, P pred) {
    for (std::size_t i = 0; i < n.events.size(); ++i)
        if (const auto* e = std::get_if<E>(&n.events[i]); e && pred(*e)) return i;
    return n.events.size();
}

// Whether a datagram is a CREATE_CHILD_SA request (for taps and targeted drops).
inline bool is_create_child_request(std::span<const std::uint8_t> data) {
    const auto h = wire::decode_header(data);
    return h && h->header.exchange == wire::ExchangeType::create_child_sa && !h->header.response;
}

}  // namespace ike::test
