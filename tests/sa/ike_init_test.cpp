// IKE_SA_INIT details: proposal preference, INVALID_KE_PAYLOAD (RFC 7296 §1.3, §2.7), COOKIE
// (§2.6), NAT detection (§2.23) and the move to port 4500 with the non-ESP marker (RFC 3948).
#include <catch2/catch.hpp>

#include "scenario.hpp"

using namespace ike;
using namespace ike::test;

namespace {

constexpr Duration settle{60000};

bool both_up(sim::Network::Node& a, sim::Network::Node& b) {
    return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1;
}

crypto::IkeSuite suite(crypto::KeId ke) {
    return {crypto::PrfId::HmacSha2_256, {crypto::EncrId::AesGcm16, 256, crypto::IntegId::None}, ke};
}

}  // namespace

TEST_CASE("§2.7: the responder picks by its own preference among what was offered") {
    Mesh m;
    auto& a = m.add(1, [](Config& c) {
        c.proposals.esp = {{crypto::EncrId::AesGcm16, 256, crypto::IntegId::None},
                           {crypto::EncrId::ChaCha20Poly1305, 0, crypto::IntegId::None}};
    });
    auto& b = m.add(2, [](Config& c) {
        c.proposals.esp = {{crypto::EncrId::ChaCha20Poly1305, 0, crypto::IntegId::None},
                           {crypto::EncrId::AesGcm16, 256, crypto::IntegId::None}};
    });
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, settle));
    const auto up = events_of<ChildSaUp>(a).front();
    CHECK(up.outbound.keys.suite.encr == crypto::EncrId::ChaCha20Poly1305);
    CHECK(up.esn);
    CHECK(pair_matches(up, events_of<ChildSaUp>(b).front()));
}

TEST_CASE("§1.3 / §2.7: INVALID_KE_PAYLOAD makes the initiator retry with the requested group") {
    Mesh m;
    auto& a = m.add(1, [](Config& c) { c.proposals.ike = {suite(crypto::KeId::Curve25519), suite(crypto::KeId::Ecp256)}; });
    auto& b = m.add(2, [](Config& c) { c.proposals.ike = {suite(crypto::KeId::Ecp256)}; });
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, settle));
    CHECK(events_of<IkeSaUp>(a).front().suite.ke == crypto::KeId::Ecp256);
    CHECK(events_of<IkeSaUp>(b).front().suite.ke == crypto::KeId::Ecp256);
    CHECK(pair_matches(events_of<ChildSaUp>(a).front(), events_of<ChildSaUp>(b).front()));
    CHECK(b.endpoint->state_counts().ike_sas == 1);  // the first request left no state behind
}

TEST_CASE("§2.7: a group the initiator did not offer ends the attempt (bounded retries)") {
    Mesh m;
    auto& a = m.add(1, [](Config& c) { c.proposals.ike = {suite(crypto::KeId::Curve25519)}; });
    auto& b = m.add(2, [](Config& c) { c.proposals.ike = {suite(crypto::KeId::Ecp256)}; });
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<IkeSaDown>(a) == 1; }, settle));
    CHECK(events_of<IkeSaDown>(a).front().reason == DownReason::negotiation_failed);
    CHECK(no_state(a));
    CHECK(no_state(b));
}

TEST_CASE("§2.6: an initiator asked for a COOKIE retries with it — the responder keeps no state before") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2, [](Config& c) { c.limits.cookie_threshold = 0; });  // always demand cookies
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, settle));
    CHECK(b.endpoint->counters().cookies_sent == 1);
    CHECK(b.endpoint->state_counts().ike_sas == 1);
    CHECK(pair_matches(events_of<ChildSaUp>(a).front(), events_of<ChildSaUp>(b).front()));
}

TEST_CASE("§2.23: no NAT between the peers: both stay on port 500 without encapsulation") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, settle));
    CHECK_FALSE(events_of<IkeSaUp>(a).front().nat.any());
    CHECK_FALSE(events_of<IkeSaUp>(b).front().nat.any());
    CHECK(events_of<IkeSaUp>(b).front().remote.port == 500);
}

TEST_CASE("§2.23: an initiator behind a NAT is detected by both sides — IKE and ESP move to UDP 4500") {
    Mesh m;
    const auto inside = IpAddress::v4(172, 16, 0, 1);
    const auto outside = IpAddress::v4(198, 51, 100, 1);
    auto& a = m.add(1, {}, {}, nullptr, inside);
    auto& b = m.add(2);
    m.net.add_nat(inside, outside);
    auto req = Mesh::request(1, 2);
    req.local = SocketAddress{inside, 500};
    REQUIRE(a.endpoint->initiate(req, m.net.now()));
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, settle));
    const auto ia = events_of<IkeSaUp>(a).front();
    const auto ib = events_of<IkeSaUp>(b).front();
    CHECK(ia.nat.local_behind_nat);
    CHECK_FALSE(ia.nat.peer_behind_nat);
    CHECK(ib.nat.peer_behind_nat);
    CHECK_FALSE(ib.nat.local_behind_nat);
    CHECK(ia.local.port == 4500);
    CHECK(ia.remote == (SocketAddress{wan(2), 4500}));
    CHECK(ib.local.port == 4500);
    CHECK(ib.remote.ip == outside);  // the NAT's mapping of our port 4500
    const auto ca = events_of<ChildSaUp>(a).front();
    const auto cb = events_of<ChildSaUp>(b).front();
    CHECK(ca.udp_encapsulation);
    CHECK(cb.udp_encapsulation);
    CHECK(cb.outbound.destination == ib.remote);
    CHECK(pair_matches(ca, cb));
}
