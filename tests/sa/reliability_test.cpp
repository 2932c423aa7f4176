// Reliability (RFC 7296 §2.1-§2.3): retransmission with back-off and give-up, the response
// cache for retransmitted requests, message-ID windows, replays and duplicates ignored.
#include <catch2/catch.hpp>

#include "scenario.hpp"

using namespace ike;
using namespace ike::test;

namespace {

constexpr Duration settle{300000};

bool both_up(sim::Network::Node& a, sim::Network::Node& b) {
    return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1;
}

}  // namespace

TEST_CASE("§2.1: every datagram duplicated: exactly one SA pair, duplicates answered from the cache") {
    sim::Conditions c;
    c.duplicate = 1.0;
    Mesh m(3, c);
    auto& a = m.add(1);
    auto& b = m.add(2);
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, settle));
    m.net.run_until([] { return false; }, Duration{5000});
    CHECK(count<ChildSaUp>(a) == 1);
    CHECK(count<ChildSaUp>(b) == 1);
    CHECK(b.endpoint->state_counts().ike_sas == 1);
    CHECK(b.endpoint->counters().duplicate_requests >= 2);  // IKE_SA_INIT and IKE_AUTH
    CHECK(pair_matches(events_of<ChildSaUp>(a).front(), events_of<ChildSaUp>(b).front()));
}

TEST_CASE("§2.1: a lost response is recovered by retransmitting the request") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    // Drop the first IKE_AUTH response (exchange type 35 at offset 18, R flag 0x20 at 19).
    int dropped = 0;
    m.net.drop = [&](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t> d) {
        const bool auth_response = from.ip == wan(2) && d.size() > 28 && d[18] == 35 && (d[19] & 0x20);
        return auth_response && dropped++ == 0;
    };
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, settle));
    CHECK(dropped == 2);
    CHECK(a.endpoint->counters().retransmits >= 1);
    CHECK(b.endpoint->counters().duplicate_requests >= 1);
    CHECK(count<ChildSaUp>(b) == 1);
    CHECK(pair_matches(events_of<ChildSaUp>(a).front(), events_of<ChildSaUp>(b).front()));
}

TEST_CASE("§2.1 / §2.4: an unanswered handshake is retransmitted with back-off, then given up") {
    Mesh m;
    auto& a = m.add(1);
    std::vector<Time> sent;
    m.initiate(1, 7);  // nobody at 192.0.2.7
    const Time start = m.net.now();
    REQUIRE(m.net.run_until([&] { return count<IkeSaDown>(a) == 1; }, Duration{3600000}));
    CHECK(events_of<IkeSaDown>(a).front().reason == DownReason::retransmit_timeout);
    CHECK(a.endpoint->counters().retransmits == 6);
    // 1 + 2 + 4 + 8 + 16 + 16 + 16 seconds with the default timers.
    CHECK(m.net.now() - start == Duration{63000});
    CHECK(no_state(a));
}

TEST_CASE("§2.2: an old request replayed after the window moved on is ignored") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    std::vector<std::vector<std::uint8_t>> to_b;
    m.net.tap = [&](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t> d) {
        if (from.ip == wan(1)) to_b.emplace_back(d.begin(), d.end());
    };
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, settle));
    REQUIRE(to_b.size() == 2);
    // A child delete moves b's window on; then replay IKE_SA_INIT and IKE_AUTH.
    REQUIRE(a.endpoint->delete_child(events_of<ChildSaUp>(a).front().child, m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<ChildSaDown>(b) == 1; }, settle));
    const auto before = b.endpoint->counters();
    const auto events_before = b.events.size();
    for (const auto& d : to_b) m.net.inject(SocketAddress{wan(1), 500}, SocketAddress{wan(2), 500}, d);
    m.net.run_until([] { return false; }, Duration{1000});
    CHECK(b.events.size() == events_before);
    CHECK(b.endpoint->state_counts().ike_sas == 1);
    CHECK(b.endpoint->counters().dropped_out_of_window == before.dropped_out_of_window + 2);
}

TEST_CASE("commit on success: a forged message with a valid header changes nothing") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    std::vector<std::uint8_t> auth_request;
    m.net.tap = [&](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t> d) {
        if (from.ip == wan(1) && auth_request.empty() && d.size() > 28 && d[18] == 35) auth_request.assign(d.begin(), d.end());
    };
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return both_up(a, b); }, settle));
    REQUIRE_FALSE(auth_request.empty());
    // Same header with the next message ID, corrupted ciphertext.
    auto forged = auth_request;
    forged[23] = 2;
    forged.back() ^= 1;
    const auto before = b.endpoint->counters();
    m.net.inject(SocketAddress{wan(1), 500}, SocketAddress{wan(2), 500}, forged);
    m.net.run_until([] { return false; }, Duration{100});
    CHECK(b.endpoint->counters().integrity_failures == before.integrity_failures + 1);
    // The window did not move: a real request with ID 2 is still processed.
    REQUIRE(a.endpoint->delete_child(events_of<ChildSaUp>(a).front().child, m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<ChildSaDown>(a) == 1 && count<ChildSaDown>(b) == 1; }, settle));
}
