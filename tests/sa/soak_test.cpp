// The lossy-network soak (issue 6 acceptance; RFC 7296 §2.1-§2.4): for each of 1,000 seeds, a
// mesh of four endpoints on a network with 20 % loss, reordering and duplication sets up one
// tunnel per requested pair, the keys agree, and after the deletes no state is left anywhere.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>

#include "scenario.hpp"

using namespace ike;
using namespace ike::test;

namespace {

struct Tunnel {
    int from, to;
};
constexpr Tunnel tunnels[] = {{1, 2}, {3, 1}, {2, 4}, {4, 3}};

void tolerant(Config& c) {
    c.timers.retransmit_tries = 12;  // 20 % loss each way: a request/response pair fails 36 % of the time
    c.timers.half_open_timeout = Duration{600000};
}

// One seed; returns an empty string on success, else what went wrong.
std::string run_seed(std::uint64_t seed) {
    sim::Conditions c;
    c.loss = 0.2;
    c.duplicate = 0.1;
    c.reorder = 0.3;
    Mesh m(seed, c);
    for (int n = 1; n <= 4; ++n) m.add(n, tolerant);
    for (const auto& t : tunnels) m.initiate(t.from, t.to, static_cast<std::uint64_t>(t.from * 10 + t.to));
    const auto ups = [&] {
        std::size_t n = 0;
        for (auto& node : m.net.nodes()) n += count<ChildSaUp>(*node);
        return n;
    };
    if (!m.net.run_until([&] { return ups() == 2 * std::size(tunnels); }, Duration{3600000}))
        return "not all tunnels came up (" + std::to_string(ups()) + " ChildSaUp)";
    for (const auto& t : tunnels) {
        const auto ia = events_of<ChildSaUp>(m.node(t.from));
        const auto ib = events_of<ChildSaUp>(m.node(t.to));
        std::size_t matched = 0;
        for (const auto& x : ia)
            for (const auto& y : ib)
                if (x.remote_ts == TrafficSelectors{subnet(t.to)} && y.remote_ts == TrafficSelectors{subnet(t.from)} &&
                    pair_matches(x, y))
                    ++matched;
        if (matched != 1) return "tunnel " + std::to_string(t.from) + "-" + std::to_string(t.to) + " matched " + std::to_string(matched);
    }
    for (auto& node : m.net.nodes())
        if (node->endpoint->state_counts().child_sas != 2 || count<IkeSaDown>(*node) != 0)
            return node->name + " holds the wrong state";
    // Delete every IKE SA from the side that did not initiate it, half of them child-first.
    for (auto& node : m.net.nodes())
        for (const auto& up : events_of<IkeSaUp>(*node))
            if (!up.initiator) {
                if (up.ike.value % 2 == 0)
                    for (const auto& ch : events_of<ChildSaUp>(*node))
                        if (ch.ike == up.ike) (void)node->endpoint->delete_child(ch.child, m.net.now());
                if (!node->endpoint->delete_ike(up.ike, m.net.now())) return "delete_ike refused";
            }
    const auto clean = [&] {
        for (auto& node : m.net.nodes())
            if (!no_state(*node)) return false;
        return true;
    };
    if (!m.net.run_until(clean, Duration{3600000})) return "state left after the deletes";
    for (auto& node : m.net.nodes())
        if (count<ChildSaDown>(*node) != 2 || count<IkeSaDown>(*node) != 2) {
            std::string why = node->name + " events do not balance:";
            for (const auto& e : node->events) {
                if (const auto* d = std::get_if<IkeSaDown>(&e))
                    why += " IkeSaDown(" + std::to_string(d->ike.value) + "," + std::to_string(int(d->reason)) + "," + d->detail + ")";
                if (const auto* d = std::get_if<ChildSaDown>(&e))
                    why += " ChildSaDown(" + std::to_string(d->ike.value) + "," + std::to_string(int(d->reason)) + ")";
                if (const auto* d = std::get_if<IkeSaUp>(&e)) why += " IkeSaUp(" + std::to_string(d->ike.value) + ")";
            }
            return why;
        }
    return {};
}

}  // namespace

TEST_CASE("issue 6 acceptance: 1,000 seeds of 20 % loss, reordering and duplication", "[soak]") {
    const auto start = std::chrono::steady_clock::now();
    std::size_t failures = 0;
    for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
        const auto why = run_seed(seed);
        if (!why.empty()) {
            ++failures;
            std::printf("soak: seed %llu: %s\n", static_cast<unsigned long long>(seed), why.c_str());
        }
    }
    const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("soak: 1000 seeds in %.2f s\n", secs);
    CHECK(failures == 0);
}
