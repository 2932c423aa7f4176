// Establishing tunnels: IKE_SA_INIT + IKE_AUTH with certificate mutual authentication and the
// first child SA (RFC 7296 §1.2, §2.14-§2.17, RFC 7427).
#include <catch2/catch.hpp>

#include "scenario.hpp"

using namespace ike;
using namespace ike::test;

TEST_CASE("RFC 7296 §1.2: IKE_SA_INIT + IKE_AUTH set up one child SA pair with equal keys") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    const auto child = m.initiate(1, 2, 77);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, Duration{10000}));
    const auto ua = events_of<ChildSaUp>(a).front();
    const auto ub = events_of<ChildSaUp>(b).front();
    CHECK(ua.child == child);
    CHECK(ua.tag == 77);
    CHECK(pair_matches(ua, ub));
    CHECK(ua.local_ts == TrafficSelectors{subnet(1)});
    CHECK(ua.remote_ts == TrafficSelectors{subnet(2)});
    CHECK(ub.local_ts == TrafficSelectors{subnet(2)});
    CHECK(ub.remote_ts == TrafficSelectors{subnet(1)});
    CHECK(ua.mode == Mode::tunnel);
    CHECK_FALSE(ua.udp_encapsulation);
    CHECK(ua.outbound.destination == SocketAddress{wan(2), 500});
    CHECK(ua.outbound.keys.encr_alg == std::string_view("rfc4106(gcm(aes))"));
    REQUIRE(count<IkeSaUp>(a) == 1);
    REQUIRE(count<IkeSaUp>(b) == 1);
    CHECK(events_of<IkeSaUp>(a).front().peer_id == Identity::fqdn("node2.mesh"));
    CHECK(events_of<IkeSaUp>(b).front().peer_id == Identity::fqdn("node1.mesh"));
    CHECK(events_of<IkeSaUp>(a).front().initiator);
    CHECK_FALSE(events_of<IkeSaUp>(b).front().initiator);
    CHECK(a.endpoint->state_counts().child_sas == 1);
    CHECK(b.endpoint->state_counts().child_sas == 1);
    CHECK(count<AuthFailed>(a) + count<AuthFailed>(b) == 0);
}
