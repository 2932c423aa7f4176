// Traffic selector narrowing (RFC 7296 §2.9): the responder narrows to its policy and to the
// initiator's certificate blocks; with a triggering packet's selector first (a kernel ACQUIRE)
// the result must cover that packet. Plus unit checks of lib/policy's narrowing.
#include <catch2/catch.hpp>

#include "policy/traffic_selectors.hpp"
#include "scenario.hpp"

using namespace ike;
using namespace ike::test;

namespace {

TrafficSelector host(int net, int h) {
    return TrafficSelector::host(IpAddress::v4(10, 0, static_cast<std::uint8_t>(net), static_cast<std::uint8_t>(h)));
}
TrafficSelector half(int net, bool upper) {
    return TrafficSelector::subnet(IpAddress::v4(10, 0, static_cast<std::uint8_t>(net), upper ? 128 : 0), 25);
}

}  // namespace

TEST_CASE("§2.9 narrowing: intersections, no selector covered by another") {
    using policy::narrow;
    CHECK(narrow({subnet(1)}, {subnet(1)}) == TrafficSelectors{subnet(1)});
    CHECK(narrow({subnet(1)}, {half(1, false)}) == TrafficSelectors{half(1, false)});
    CHECK(narrow({subnet(1)}, {subnet(2)}).empty());
    CHECK(narrow({half(1, false), subnet(1)}, {TrafficSelector::subnet(IpAddress::v4(10, 0, 0, 0), 16)}) ==
          TrafficSelectors{subnet(1)});
    TrafficSelector tcp = subnet(1);
    tcp.ip_protocol = 6;
    tcp.start_port = tcp.end_port = 443;
    const auto x = policy::intersect(tcp, subnet(1));
    REQUIRE(x);
    CHECK(x->ip_protocol == 6);
    CHECK(x->start_port == 443);
    CHECK(policy::covered({half(1, true)}, {subnet(1)}));
    CHECK_FALSE(policy::covered({subnet(1)}, {half(1, true)}));
}

TEST_CASE("§2.9 narrowing: the packet's selector first must stay covered") {
    using policy::narrow;
    // Packet 10.0.2.9 inside the allowed lower half: the lower half comes back.
    CHECK(narrow({host(2, 9), subnet(2)}, {half(2, false)}) == TrafficSelectors{half(2, false)});
    // Packet 10.0.2.200 outside what is allowed: nothing (TS_UNACCEPTABLE), not an unrelated SA.
    CHECK(narrow({host(2, 200), subnet(2)}, {half(2, false)}).empty());
    // Several allowed pieces: the one covering the packet comes first.
    const auto r = narrow({host(2, 200), subnet(2)}, {half(2, false), half(2, true)});
    REQUIRE(r.size() == 2);
    CHECK(r.front() == half(2, true));
}

TEST_CASE("§2.9: an ACQUIRE-triggered initiation is narrowed around the packet by the responder") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2, [](Config& c) { c.local_traffic = {TrafficSelector::subnet(IpAddress::v4(10, 0, 2, 0), 25)}; });
    auto req = Mesh::request(1, 2);
    req.local_ts = {host(1, 5), subnet(1)};
    req.remote_ts = {host(2, 9), subnet(2)};
    REQUIRE(a.endpoint->initiate(req, m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, Duration{60000}));
    const auto up = events_of<ChildSaUp>(a).front();
    CHECK(up.local_ts == TrafficSelectors{subnet(1)});
    CHECK(up.remote_ts == TrafficSelectors{half(2, false)});
    CHECK(events_of<ChildSaUp>(b).front().local_ts == TrafficSelectors{half(2, false)});
}

TEST_CASE("§2.9: a packet outside the responder's policy gets TS_UNACCEPTABLE") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2, [](Config& c) { c.local_traffic = {TrafficSelector::subnet(IpAddress::v4(10, 0, 2, 0), 25)}; });
    auto req = Mesh::request(1, 2);
    req.local_ts = {host(1, 5), subnet(1)};
    req.remote_ts = {host(2, 200), subnet(2)};
    REQUIRE(a.endpoint->initiate(req, m.net.now()));
    REQUIRE(m.net.run_until([&] { return no_state(a) && no_state(b) && count<IkeSaDown>(a) == 1; }, Duration{60000}));
    CHECK(events_of<IkeSaDown>(a).front().detail.find("TS_UNACCEPTABLE") != std::string::npos);
    CHECK(count<ChildSaUp>(a) + count<ChildSaUp>(b) == 0);
}

TEST_CASE("RFC 3779: the initiator's TSi is narrowed to its certificate's blocks") {
    Mesh m;
    sim::CertSpec spec;
    spec.allowed = {half(1, true)};
    auto& a = m.add(1, {}, spec);
    auto& b = m.add(2);
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, Duration{60000}));
    CHECK(events_of<ChildSaUp>(a).front().local_ts == TrafficSelectors{half(1, true)});
    CHECK(events_of<ChildSaUp>(b).front().remote_ts == TrafficSelectors{half(1, true)});
}

TEST_CASE("RFC 3779: transport mode for addresses outside the certificate's blocks is refused") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    auto req = Mesh::request(1, 2);
    req.mode = Mode::transport;
    req.local_ts = {TrafficSelector::host(wan(1))};
    req.remote_ts = {TrafficSelector::host(wan(2))};
    REQUIRE(a.endpoint->initiate(req, m.net.now()));
    // The certificates only allow the site subnets, not the endpoints' own addresses.
    REQUIRE(m.net.run_until([&] { return count<IkeSaDown>(a) > 0 && no_state(a) && no_state(b); }, Duration{60000}));
    CHECK(count<ChildSaUp>(a) + count<ChildSaUp>(b) == 0);
    CHECK(events_of<AuthFailed>(b).at(0).reason == AuthFailure::subnet_not_allowed);
}

TEST_CASE("RFC 7296 §1.3.1: transport mode between endpoints whose certificates allow their addresses") {
    Mesh m;
    sim::CertSpec s1, s2;
    s1.allowed = {subnet(1), TrafficSelector::host(wan(1))};
    s2.allowed = {subnet(2), TrafficSelector::host(wan(2))};
    auto& a = m.add(1, {}, s1);
    auto& b = m.add(2, [](Config& c) { c.local_traffic.push_back(TrafficSelector::host(wan(2))); }, s2);
    auto req = Mesh::request(1, 2);
    req.mode = Mode::transport;
    req.local_ts = {TrafficSelector::host(wan(1))};
    req.remote_ts = {TrafficSelector::host(wan(2))};
    REQUIRE(a.endpoint->initiate(req, m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, Duration{60000}));
    CHECK(events_of<ChildSaUp>(a).front().mode == Mode::transport);
    CHECK(events_of<ChildSaUp>(b).front().mode == Mode::transport);
}
