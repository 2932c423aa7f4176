// The long-running simulation (issue 7 acceptance; RFC 7296 §2.8, §2.18): three endpoints in a
// full mesh run a virtual week with lifetimes of minutes on a lossy network, through hundreds of
// rekeys. A model of each node's kernel (the SAs installed, from the events) is checked after
// every simulated delivery: a tunnel never has a moment with no SA pair installed on both ends.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <map>

#include "ike_rekey_helpers.hpp"

using namespace ike;
using namespace ike::test;

namespace {

struct Tunnel {
    int from, to;
};
constexpr Tunnel tunnels[] = {{1, 2}, {2, 3}, {3, 1}};

// Child SAs rekey on time too once CREATE_CHILD_SA for children is in (task_child_sa.cpp).
constexpr bool child_rekeys = true;

// What a node's kernel holds, as the daemon would install it from the events: the child SA
// pairs by inbound SPI (each until its hard lifetime, as XFRM would expire it), and the IKE SAs up.
struct Kernel {
    std::map<std::uint32_t, ChildSaUp> installed;
    std::map<std::uint32_t, Time> expires;
    std::set<std::uint64_t> ike_up;
    std::size_t seen = 0;  // events applied so far
    std::size_t child_ups = 0, ike_rekeys = 0, child_rekeys_seen = 0;
    std::string error;

    void apply(const sim::Network::Node& n, Time now) {
        for (; seen < n.events.size(); ++seen) {
            const auto& e = n.events[seen];
            if (const auto* u = std::get_if<ChildSaUp>(&e)) {
                installed[u->inbound.spi] = *u;
                if (u->hard_lifetime.count() > 0) expires[u->inbound.spi] = now + u->hard_lifetime;
                ++child_ups;
                child_rekeys_seen += u->replaces.has_value();
            } else if (const auto* d = std::get_if<ChildSaDown>(&e)) {
                expires.erase(d->inbound_spi);
                if (installed.erase(d->inbound_spi) == 0) error = "ChildSaDown of an SA not installed (hard-expired?)";
            } else if (const auto* i = std::get_if<IkeSaUp>(&e)) {
                if (i->replaces && !ike_up.contains(i->replaces->value)) error = "IkeSaUp replaces an SA not up";
                ike_up.insert(i->ike.value);
                ike_rekeys += i->replaces.has_value();
            } else if (const auto* x = std::get_if<IkeSaDown>(&e)) {
                if (x->reason != DownReason::rekeyed) error = "IKE SA down: " + x->detail;
                ike_up.erase(x->ike.value);
            }
        }
        for (auto it = expires.begin(); it != expires.end();)
            if (it->second <= now) {  // the kernel's hard expiry: the rekey came too late
                installed.erase(it->first);
                it = expires.erase(it);
            } else {
                ++it;
            }
    }
    // An SA pair of the tunnel to `peer` installed here whose other half is installed there.
    bool carries(const Kernel& peer, int self_n, int peer_n) const {
        for (const auto& [spi, up] : installed)
            if (up.remote_ts == TrafficSelectors{subnet(peer_n)} && up.local_ts == TrafficSelectors{subnet(self_n)})
                if (const auto it = peer.installed.find(up.outbound.spi); it != peer.installed.end() && pair_matches(up, it->second))
                    return true;
        return false;
    }
};

void minutes(Config& c) {
    c.lifetimes.ike_rekey = std::chrono::seconds{5 * 60};
    if (child_rekeys) {
        c.lifetimes.child_soft = std::chrono::seconds{3 * 60};
        c.lifetimes.child_hard = std::chrono::seconds{4 * 60};
    } else {
        c.lifetimes.child_hard = std::chrono::seconds{0};  // (no child rekey yet: no expiry either)
    }
    c.lifetimes.jitter_percent = 20;
    c.timers.retransmit_tries = 12;
}

}  // namespace

TEST_CASE("issue 7 acceptance (RFC 7296 §2.8, §2.18): a virtual week of rekeys with no gap in any tunnel", "[long]") {
    const auto wall = std::chrono::steady_clock::now();
    sim::Conditions cond;
    cond.loss = 0.05;
    cond.reorder = 0.1;
    cond.duplicate = 0.02;
    Mesh m(77, cond);
    for (int n = 1; n <= 3; ++n) m.add(n, minutes);
    for (const auto& t : tunnels) m.initiate(t.from, t.to, static_cast<std::uint64_t>(t.from * 10 + t.to));
    std::map<int, Kernel> kernel;
    const auto up_everywhere = [&] {
        for (int n = 1; n <= 3; ++n) kernel[n].apply(m.node(n), m.net.now());
        for (const auto& t : tunnels)
            if (!kernel[t.from].carries(kernel[t.to], t.from, t.to)) return false;
        return true;
    };
    REQUIRE(m.net.run_until(up_everywhere, Duration{600000}));

    std::size_t checks = 0;
    std::string gap;
    const auto watch = [&] {
        ++checks;
        if (!up_everywhere() && gap.empty())
            gap = "a tunnel has no SA pair at " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(m.net.now() - sim::start_time()).count()) + " s";
        for (int n = 1; n <= 3; ++n)
            if (!kernel[n].error.empty() && gap.empty()) gap = m.node(n).name + ": " + kernel[n].error;
        return !gap.empty();
    };
    const bool stopped = m.net.run_until(watch, Duration{7LL * 24 * 3600 * 1000});
    INFO(gap);
    CHECK_FALSE(stopped);
    CHECK(gap.empty());

    std::size_t ike_rekeys = 0, child_ups = 0, child_rekeys_seen = 0;
    for (int n = 1; n <= 3; ++n) {
        ike_rekeys += kernel[n].ike_rekeys;
        child_ups += kernel[n].child_ups;
        child_rekeys_seen += kernel[n].child_rekeys_seen;
        const auto s = m.node(n).endpoint->state_counts();
        CHECK(kernel[n].ike_up.size() == 2);  // one IKE SA per peer
        CHECK(s.child_sas >= 2);
    }
    const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
    std::printf("long run: a week in %.1f s: %zu checks, %zu IKE SA rekeys, %zu ChildSaUp of which %zu rekeys, over 3 nodes\n",
                secs, checks, ike_rekeys, child_ups, child_rekeys_seen);
    if (child_rekeys) CHECK(child_rekeys_seen >= 2 * 3 * 1000);  // every ~2.7 minutes per tunnel, seen on both ends
    CHECK(ike_rekeys >= 2 * 3 * 1000);  // each tunnel's IKE SA rekeys about every 4.5 minutes, seen on both ends
}
