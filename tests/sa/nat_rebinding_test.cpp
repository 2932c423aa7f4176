// NAT rebinding (RFC 7296 §2.23): the NAT in front of the initiator forgets its mapping and the
// peer's next datagrams come from another port. The responder follows authenticated requests
// only (PeerAddressChanged), and sends its own requests (rekeys, liveness) to the new mapping.
#include <catch2/catch.hpp>

#include "child_helpers.hpp"
#include "scenario.hpp"

using namespace ike;
using namespace ike::test;

namespace {

constexpr Duration settle{120000};
const IpAddress inside = IpAddress::v4(172, 16, 0, 1);
const IpAddress outside = IpAddress::v4(198, 51, 100, 1);

// node1 behind a NAT, node2 in the open; the SA is up with one child.
struct NatMesh {
    Mesh m;
    sim::Network::Node* a = nullptr;
    sim::Network::Node* b = nullptr;

    explicit NatMesh(const std::function<void(Config&)>& tweak = {}) {
        a = &m.add(1, tweak, {}, nullptr, inside);
        b = &m.add(2, tweak);
        m.net.add_nat(inside, outside);
        auto req = Mesh::request(1, 2);
        req.local = SocketAddress{inside, 500};
        REQUIRE(a->endpoint->initiate(req, m.net.now()));
        REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(*a) == 1 && count<ChildSaUp>(*b) == 1; }, settle));
    }
    IkeSaId b_ike() const { return events_of<IkeSaUp>(*b).front().ike; }
    ChildSaId b_child() const { return events_of<ChildSaUp>(*b).front().child; }
    ChildSaId a_child() const { return events_of<ChildSaUp>(*a).front().child; }
};

}  // namespace

TEST_CASE("§2.23: after a NAT rebinding the responder follows the peer's authenticated request and its own rekey reaches the peer") {
    NatMesh n;
    const auto before = events_of<IkeSaUp>(*n.b).front().remote;
    REQUIRE(before.ip == outside);
    n.m.net.rebind_nat(inside);
    // The peer speaks first after the rebinding: an authenticated request (a child rekey).
    REQUIRE(n.a->endpoint->rekey_child(n.a_child(), n.m.net.now()));
    REQUIRE(n.m.net.run_until([&] { return count<ChildSaUp>(*n.b) == 2 && count<ChildSaUp>(*n.a) == 2; }, settle));
    REQUIRE(count<PeerAddressChanged>(*n.b) == 1);
    const auto moved = events_of<PeerAddressChanged>(*n.b).front();
    CHECK(moved.ike == n.b_ike());
    CHECK(moved.old_remote == before);
    CHECK(moved.remote.ip == outside);
    CHECK(moved.remote.port != before.port);
    CHECK(moved.local == moved.old_local);
    CHECK(moved.udp_encapsulation);
    CHECK(count<PeerAddressChanged>(*n.a) == 0);  // the initiator saw nothing move
    // The new child's outer addresses are the new mapping's.
    CHECK(events_of<ChildSaUp>(*n.b).back().outbound.destination == moved.remote);
    // Now the responder rekeys: its request must reach the peer through the new mapping.
    const auto newest = events_of<ChildSaUp>(*n.b).back().child;
    REQUIRE(n.b->endpoint->rekey_child(newest, n.m.net.now()));
    REQUIRE(n.m.net.run_until([&] { return count<ChildSaUp>(*n.b) == 3; }, settle));
    CHECK(count<ChildSaUp>(*n.a) == 3);
    CHECK(count<IkeSaDown>(*n.a) + count<IkeSaDown>(*n.b) == 0);
    CHECK(count<RekeyFailed>(*n.a) + count<RekeyFailed>(*n.b) == 0);
}

TEST_CASE("§2.23: liveness checks go to the rebound address once the peer's request came from it") {
    NatMesh n([](Config& c) { c.timers.liveness_after = Duration{10000}; });
    n.m.net.rebind_nat(inside);
    // node1's liveness check (an authenticated INFORMATIONAL request) comes from a new port.
    REQUIRE(n.m.net.run_until([&] { return count<PeerAddressChanged>(*n.b) == 1; }, settle));
    // A few minutes of liveness both ways on the new mapping: nobody is declared dead.
    n.m.net.run_until([] { return false; }, Duration{180000});
    CHECK(count<IkeSaDown>(*n.a) + count<IkeSaDown>(*n.b) == 0);
    CHECK(count<PeerAddressChanged>(*n.b) == 1);
}

TEST_CASE("§2.23: a response or an unauthenticated message from another address does not move the SA") {
    NatMesh n;
    const auto before = events_of<IkeSaUp>(*n.b).front().remote;
    const auto ike_message = [](const SocketAddress& to, std::span<const std::uint8_t> d) {
        return to.port == 4500 ? d.subspan(4) : d;  // without the non-ESP marker
    };
    // Our own request answered from a new mapping (the NAT rebinds while the peer handles it):
    // the answer is accepted, but responses never move the SA.
    bool rebound = false;
    n.m.net.tap = [&](const SocketAddress&, const SocketAddress& to, std::span<const std::uint8_t> d) {
        if (!rebound && to.ip == inside && is_create_child_request(ike_message(to, d))) {
            n.m.net.rebind_nat(inside);
            rebound = true;
        }
    };
    REQUIRE(n.b->endpoint->rekey_child(n.b_child(), n.m.net.now()));
    REQUIRE(n.m.net.run_until([&] { return count<ChildSaUp>(*n.b) == 2; }, settle));
    REQUIRE(rebound);
    CHECK(count<PeerAddressChanged>(*n.b) == 0);
    // The peer's next request comes from the new mapping and moves it; a replayed
    // (byte-identical) or forged copy of that request from elsewhere does not.
    std::vector<std::uint8_t> captured;
    n.m.net.tap = [&](const SocketAddress&, const SocketAddress& to, std::span<const std::uint8_t> d) {
        if (to.ip == wan(2) && is_create_child_request(ike_message(to, d))) captured.assign(d.begin(), d.end());
    };
    const auto a_newest = events_of<ChildSaUp>(*n.a).back().child;
    REQUIRE(n.a->endpoint->rekey_child(a_newest, n.m.net.now()));
    REQUIRE(n.m.net.run_until([&] { return count<PeerAddressChanged>(*n.b) == 1; }, settle));
    REQUIRE_FALSE(captured.empty());
    const auto after = events_of<PeerAddressChanged>(*n.b).front().remote;
    CHECK(after != before);
    const SocketAddress attacker{IpAddress::v4(203, 0, 113, 66), 4500};
    n.m.net.inject(attacker, SocketAddress{wan(2), 4500}, captured);  // a retransmission: answered, not processed
    auto forged = captured;
    ++forged.at(4 + 23);  // the next Message ID (after the non-ESP marker): processed, fails the ICV
    n.m.net.inject(attacker, SocketAddress{wan(2), 4500}, forged);
    n.m.net.run_until([] { return false; }, Duration{3000});
    CHECK(count<PeerAddressChanged>(*n.b) == 1);
    CHECK(n.b->endpoint->counters().integrity_failures >= 1);
    // The SA still talks to the peer's real mapping.
    const auto newest = events_of<ChildSaUp>(*n.b).back().child;
    REQUIRE(n.b->endpoint->rekey_child(newest, n.m.net.now()));
    const auto ups = count<ChildSaUp>(*n.b);
    REQUIRE(n.m.net.run_until([&] { return count<ChildSaUp>(*n.b) == ups + 1; }, settle));
    CHECK(events_of<ChildSaUp>(*n.b).back().outbound.destination == after);
}
