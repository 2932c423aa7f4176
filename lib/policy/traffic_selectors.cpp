// Traffic selector arithmetic on address ranges, protocols and port ranges.
#include "policy/traffic_selectors.hpp"

#include <algorithm>

namespace ike::policy {
namespace {

bool covered_by_any(const TrafficSelector& ts, const TrafficSelectors& set) {
    return std::any_of(set.begin(), set.end(), [&](const TrafficSelector& s) { return s.contains(ts); });
}

// The packet hint of §2.9: a first selector that a later one contains.
bool has_packet_hint(const TrafficSelectors& offered) {
    if (offered.size() < 2) return false;
    return std::any_of(offered.begin() + 1, offered.end(),
                       [&](const TrafficSelector& s) { return s.contains(offered.front()); });
}

void add_unique(TrafficSelectors& out, const TrafficSelector& ts) {
    if (covered_by_any(ts, out)) return;
    out.erase(std::remove_if(out.begin(), out.end(), [&](const TrafficSelector& s) { return ts.contains(s); }),
              out.end());
    out.push_back(ts);
}

}  // namespace

std::optional<TrafficSelector> intersect(const TrafficSelector& a, const TrafficSelector& b) {
    if (a.start.family != b.start.family) return std::nullopt;
    if (a.ip_protocol != 0 && b.ip_protocol != 0 && a.ip_protocol != b.ip_protocol) return std::nullopt;
    TrafficSelector r;
    r.start = std::max(a.start, b.start);
    r.end = std::min(a.end, b.end);
    r.ip_protocol = a.ip_protocol != 0 ? a.ip_protocol : b.ip_protocol;
    r.start_port = std::max(a.start_port, b.start_port);
    r.end_port = std::min(a.end_port, b.end_port);
    if (r.end.bytes < r.start.bytes || r.end_port < r.start_port) return std::nullopt;
    return r;
}

TrafficSelectors narrow(const TrafficSelectors& offered, const TrafficSelectors& allowed) {
    const bool hint = has_packet_hint(offered);
    TrafficSelectors out;
    for (std::size_t i = hint ? 1 : 0; i < offered.size(); ++i)
        for (const auto& a : allowed)
            if (auto x = intersect(offered[i], a)) add_unique(out, *x);
    if (!hint) return out;
    const auto& packet = offered.front();
    auto it = std::find_if(out.begin(), out.end(), [&](const TrafficSelector& s) { return s.contains(packet); });
    if (it == out.end()) return {};
    std::rotate(out.begin(), it, it + 1);
    return out;
}

bool covered(const TrafficSelectors& inner, const TrafficSelectors& outer) {
    return std::all_of(inner.begin(), inner.end(), [&](const TrafficSelector& ts) { return covered_by_any(ts, outer); });
}

}  // namespace ike::policy
