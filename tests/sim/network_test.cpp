// The simulated network itself: delivery, loss, duplication, NAT rewriting and the virtual clock.
#include <catch2/catch.hpp>

#include "network.hpp"
#include "test_pki.hpp"

using namespace ike;

TEST_CASE("sim: addresses, selectors and identities format and parse") {
    const auto a = IpAddress::parse("10.0.1.7");
    REQUIRE(a);
    CHECK(a->to_string() == "10.0.1.7");
    CHECK(!IpAddress::parse("10.0.1"));
    CHECK(!IpAddress::parse("10.0.1.256"));
    const auto v6 = IpAddress::parse("2001:db8::1");
    REQUIRE(v6);
    CHECK(v6->family == IpAddress::Family::v6);
    CHECK(v6->bytes[15] == 1);
    const auto net = TrafficSelector::subnet(*a, 24);
    CHECK(net.start == IpAddress::v4(10, 0, 1, 0));
    CHECK(net.end == IpAddress::v4(10, 0, 1, 255));
    CHECK(net.contains(TrafficSelector::host(*a)));
    CHECK_FALSE(net.contains(TrafficSelector::host(IpAddress::v4(10, 0, 2, 1))));
    CHECK(SocketAddress{*a, 500}.to_string() == "10.0.1.7:500");
}

TEST_CASE("sim: the test PKI verifies its own certificates and refuses another CA's") {
    sim::TestCa ca("ca", 1), other("other", 2);
    const auto n = sim::make_node(ca, "a.mesh", IpAddress::v4(192, 0, 2, 1),
                                  TrafficSelector::subnet(IpAddress::v4(10, 0, 1, 0), 24), 3);
    const std::vector<std::vector<std::uint8_t>> chain{n.certificate};
    auto ok = ca.verifier()->verify(chain, {}, sim::start_time());
    REQUIRE(ok);
    CHECK(ok->dns_names == std::vector<std::string>{"a.mesh"});
    auto bad = other.verifier()->verify(chain, {}, sim::start_time());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().reason == AuthFailure::unknown_ca);
    RevocationPolicy rev;
    rev.crls.push_back(ca.crl({{1}}));
    auto revoked = ca.verifier()->verify(chain, rev, sim::start_time());
    REQUIRE_FALSE(revoked);
    CHECK(revoked.error().reason == AuthFailure::revoked);
}
