// INFORMATIONAL exchanges (RFC 7296 §1.4): DELETE of child SAs and IKE SAs in both directions,
// liveness and dead-peer detection (§2.4), INVALID_IKE_SPI for unknown SPIs (§2.21.4).
#include <catch2/catch.hpp>

#include "scenario.hpp"
#include "wire/message.hpp"

using namespace ike;
using namespace ike::test;

namespace {

constexpr Duration settle{120000};

void establish(Mesh& m, sim::Network::Node& a, sim::Network::Node& b) {
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, settle));
}

}  // namespace

TEST_CASE("§1.4.1: the initiator deletes the child SA pair — the IKE SA stays") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    establish(m, a, b);
    const auto up = events_of<ChildSaUp>(a).front();
    REQUIRE(a.endpoint->delete_child(up.child, m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<ChildSaDown>(a) == 1 && count<ChildSaDown>(b) == 1; }, settle));
    const auto da = events_of<ChildSaDown>(a).front();
    const auto db = events_of<ChildSaDown>(b).front();
    CHECK(da.reason == DownReason::deleted_locally);
    CHECK(db.reason == DownReason::deleted_by_peer);
    CHECK(da.inbound_spi == db.outbound_spi);
    CHECK(da.outbound_spi == db.inbound_spi);
    CHECK(a.endpoint->state_counts().ike_sas == 1);
    CHECK(a.endpoint->state_counts().child_sas == 0);
    CHECK(b.endpoint->state_counts().child_sas == 0);
    CHECK(a.spis->live.empty());
    CHECK(b.spis->live.empty());
    CHECK(count<IkeSaDown>(a) + count<IkeSaDown>(b) == 0);
    CHECK_FALSE(a.endpoint->delete_child(up.child, m.net.now()));
}

TEST_CASE("§1.4.1: the responder deletes the child SA pair") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    establish(m, a, b);
    REQUIRE(b.endpoint->delete_child(events_of<ChildSaUp>(b).front().child, m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<ChildSaDown>(a) == 1 && count<ChildSaDown>(b) == 1; }, settle));
    CHECK(events_of<ChildSaDown>(a).front().reason == DownReason::deleted_by_peer);
    CHECK(events_of<ChildSaDown>(b).front().reason == DownReason::deleted_locally);
}

TEST_CASE("§1.4.1: deleting the IKE SA takes its child SAs along, from either side") {
    for (const int deleter : {1, 2}) {
        Mesh m;
        auto& a = m.add(1);
        auto& b = m.add(2);
        establish(m, a, b);
        auto& d = deleter == 1 ? a : b;
        auto& other = deleter == 1 ? b : a;
        REQUIRE(d.endpoint->delete_ike(events_of<IkeSaUp>(d).front().ike, m.net.now()));
        REQUIRE(m.net.run_until([&] { return no_state(a) && no_state(b); }, settle));
        CHECK(events_of<IkeSaDown>(d).front().reason == DownReason::deleted_locally);
        CHECK(events_of<IkeSaDown>(other).front().reason == DownReason::deleted_by_peer);
        CHECK(events_of<ChildSaDown>(d).front().reason == DownReason::deleted_locally);
        CHECK(events_of<ChildSaDown>(other).front().reason == DownReason::deleted_by_peer);
    }
}

TEST_CASE("§2.4: liveness checks keep a quiet SA — a silent peer is declared dead") {
    Mesh m;
    const auto live = [](Config& c) { c.timers.liveness_after = Duration{10000}; };
    auto& a = m.add(1, live);
    auto& b = m.add(2, live);
    establish(m, a, b);
    // A minute of silence: liveness exchanges succeed, nothing goes down.
    m.net.run_until([] { return false; }, Duration{60000});
    CHECK(count<IkeSaDown>(a) + count<IkeSaDown>(b) == 0);
    CHECK(b.endpoint->counters().datagrams_in > 4);
    // The peer vanishes.
    m.net.conditions().loss = 1.0;
    REQUIRE(m.net.run_until([&] { return count<IkeSaDown>(a) == 1; }, Duration{600000}));
    CHECK(events_of<IkeSaDown>(a).front().reason == DownReason::dead_peer);
    CHECK(events_of<ChildSaDown>(a).front().reason == DownReason::dead_peer);
    CHECK(no_state(a));
}

TEST_CASE("§2.21.4: a request for an unknown IKE SPI gets a rate-limited INVALID_IKE_SPI and creates no state") {
    Mesh m;
    auto& b = m.add(2);
    auto& sender = m.add(9);  // receives the answers (and ignores them: they are unauthenticated)
    wire::Message msg;
    msg.header.spi_i = 0x1122334455667788;
    msg.header.spi_r = 0x99aabbccddeeff00;
    msg.header.exchange = wire::ExchangeType::informational;
    msg.header.initiator = true;
    msg.header.message_id = 5;
    msg.payloads.emplace_back(wire::Encrypted{wire::PayloadType::none, std::vector<std::uint8_t>(40, 0xab), false});
    const auto bytes = wire::encode(msg);
    std::vector<std::vector<std::uint8_t>> answers;
    m.net.tap = [&](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t> d) {
        if (from.ip == wan(2)) answers.emplace_back(d.begin(), d.end());
    };
    for (int i = 0; i < 50; ++i) m.net.inject(SocketAddress{wan(9), 500}, SocketAddress{wan(2), 500}, bytes);
    m.net.run_until([] { return false; }, Duration{100});
    CHECK(b.endpoint->counters().invalid_spi == 50);
    CHECK(b.endpoint->counters().invalid_spi_notifies == 10);  // the default limit per second
    CHECK(no_state(b));
    CHECK(no_state(sender));
    REQUIRE(answers.size() == 10);
    const auto reply = wire::decode(answers.front());
    REQUIRE(reply);
    CHECK(reply->header.response);
    CHECK(reply->header.spi_i == msg.header.spi_i);
    CHECK(reply->header.message_id == 5);
    const auto* n = std::get_if<wire::Notify>(&reply->payloads.at(0));
    REQUIRE(n);
    CHECK(n->type == wire::NotifyType::invalid_ike_spi);
}

TEST_CASE("§2.2: requests queue behind the outstanding one and go out in order") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    establish(m, a, b);
    REQUIRE(a.endpoint->delete_child(events_of<ChildSaUp>(a).front().child, m.net.now()));
    REQUIRE(a.endpoint->delete_ike(events_of<IkeSaUp>(a).front().ike, m.net.now()));
    REQUIRE(m.net.run_until([&] { return no_state(a) && no_state(b); }, settle));
    // The child went first, on its own (deleted_locally, not as part of the IKE SA).
    CHECK(events_of<ChildSaDown>(a).front().reason == DownReason::deleted_locally);
    CHECK(events_of<ChildSaDown>(b).front().reason == DownReason::deleted_by_peer);
    CHECK(events_of<IkeSaDown>(b).front().reason == DownReason::deleted_by_peer);
    CHECK(b.endpoint->counters().dropped_out_of_window == 0);
}

TEST_CASE("§2.4: INITIAL_CONTACT from a restarted peer closes the SAs it forgot") {
    Mesh m;
    m.add(1);
    auto& b = m.add(2);
    establish(m, m.node(1), b);
    // node1 restarts: a fresh endpoint on the same address and identity.
    auto& nodes = m.net.nodes();
    nodes.erase(nodes.begin());
    m.rng_salt = 1;
    auto& a2 = m.add(1);
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a2) == 1 && count<ChildSaUp>(b) == 2; }, settle));
    m.net.run_until([] { return false; }, Duration{100});
    REQUIRE(count<IkeSaDown>(b) == 1);
    CHECK(events_of<IkeSaDown>(b).front().reason == DownReason::peer_restarted);
    CHECK(b.endpoint->state_counts().ike_sas == 1);
    CHECK(b.endpoint->state_counts().child_sas == 1);
}

TEST_CASE("§2.4: both ends initiate at once, each with INITIAL_CONTACT: neither closes the SA the other answered") {
    // Each side sends INITIAL_CONTACT (neither had an SA when it started). node2's IKE_AUTH is
    // lost once, so node1's own SA is up before node2's retransmission (with INITIAL_CONTACT)
    // arrives: node1 must not take it for a restart of node2, since node2 answered that SA.
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    bool dropped = false;
    m.net.drop = [&](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t> d) {
        const auto h = wire::decode_header(d);
        if (dropped || from.ip != wan(2) || !h || h->header.exchange != wire::ExchangeType::ike_auth || h->header.response)
            return false;
        return dropped = true;
    };
    m.initiate(1, 2, 1);
    m.initiate(2, 1, 2);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 2 && count<ChildSaUp>(b) == 2; }, settle));
    m.net.run_until([] { return false; }, Duration{5000});
    CHECK(dropped);
    CHECK(count<IkeSaDown>(a) == 0);
    CHECK(count<IkeSaDown>(b) == 0);
    CHECK(a.endpoint->state_counts().ike_sas == 2);
    CHECK(b.endpoint->state_counts().ike_sas == 2);
}
