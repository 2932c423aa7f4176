// IKE SA rekey meeting child SA exchanges (RFC 7296 §2.25.1, §2.25.2): a CREATE_CHILD_SA for a
// child while the IKE SA is being rekeyed gets TEMPORARY_FAILURE and is retried on the new SA;
// children made or rekeyed after an IKE SA rekey use the new SA.
#include <catch2/catch.hpp>

#include "child_helpers.hpp"
#include "ike_rekey_helpers.hpp"

using namespace ike;
using namespace ike::test;

namespace {

constexpr Duration settle{300000};

}  // namespace

TEST_CASE("RFC 7296 §2.25.1: a child rekey during an IKE SA rekey gets TEMPORARY_FAILURE, then goes over the new SA") {
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
        Mesh m(seed);
        auto& a = m.add(1, [](Config& c) { c.export_keys = true; });
        auto& b = m.add(2, [](Config& c) { c.export_keys = true; });
        m.initiate(1, 2);
        REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, settle));
        const auto now = m.net.now();
        const auto child = events_of<ChildSaUp>(b).front().child;
        // The two requests cross: each side is busy with its own when the other's arrives.
        REQUIRE(a.endpoint->rekey_ike(*current_ike(a), now));
        REQUIRE(b.endpoint->rekey_child(child, now));
        REQUIRE(m.net.run_until(
            [&] { return count<IkeSaDown>(a) == 1 && count<IkeSaDown>(b) == 1 && count<ChildSaDown>(a) == 1 && count<ChildSaDown>(b) == 1; },
            settle));
        INFO(describe(a) + " | " + describe(b));
        CHECK(check_pairs(a, b, 1).empty());
        CHECK(events_of<IkeSaDown>(a).front().reason == DownReason::rekeyed);
        CHECK(events_of<ChildSaDown>(a).front().reason == DownReason::rekeyed);
        // Whatever order they ended up in, the new child is keyed and carried by the new IKE SA.
        const auto new_child = events_of<ChildSaUp>(b).back();
        CHECK(new_child.replaces == child);
        CHECK(settled_pair(a, b));
        CHECK(same_ike_keys(a, *current_ike(a), b, *current_ike(b)));
        // And it deletes over that SA.
        REQUIRE(a.endpoint->delete_ike(*current_ike(a), m.net.now()));
        REQUIRE(m.net.run_until([&] { return no_state(a) && no_state(b); }, settle));
    }
}

TEST_CASE("RFC 7296 §1.3.1, §2.18: an additional child SA on a rekeyed IKE SA") {
    Mesh m;
    auto& a = m.add(1, [](Config& c) { c.export_keys = true; });
    auto& b = m.add(2, [](Config& c) { c.export_keys = true; });
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, settle));
    REQUIRE(b.endpoint->rekey_ike(*current_ike(b), m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<IkeSaDown>(a) == 1 && count<IkeSaDown>(b) == 1; }, settle));
    const auto ike_a = *current_ike(a);
    auto r = Mesh::request(1, 2);
    r.local_ts = {TrafficSelector::subnet(IpAddress::v4(10, 0, 1, 128), 25)};
    r.remote_ts = {TrafficSelector::subnet(IpAddress::v4(10, 0, 2, 128), 25)};
    REQUIRE(a.endpoint->initiate(r, m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 2 && count<ChildSaUp>(b) == 2; }, settle));
    CHECK(events_of<ChildSaUp>(a).back().ike == ike_a);  // no new IKE SA: the rekeyed one carries it
    CHECK(a.endpoint->state_counts().ike_sas == 1);
    CHECK(check_pairs(a, b, 2).empty());
}
