// Limits an authenticated peer cannot exceed (issue 13 item 3): child SAs per IKE SA (RFC 7296
// §1.3.1, §3.10.1 NO_ADDITIONAL_SAS) and the RFC 7383 reassembly timeout, driven by
// handle_timeout/next_timeout on the simulated network.
#include <catch2/catch.hpp>

#include "child_helpers.hpp"

using namespace ike;
using namespace ike::test;

namespace {

constexpr Duration settle{120000};

}  // namespace

TEST_CASE("RFC 7296 §1.3.1, §3.10.1: beyond Limits::max_child_sas the peer's CREATE_CHILD_SA gets NO_ADDITIONAL_SAS and no SPI") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2, [](Config& c) { c.limits.max_child_sas = 3; });
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, settle));
    std::vector<ChildSaId> ids;
    for (std::uint8_t host = 10; host < 14; ++host) {
        auto id = a.endpoint->initiate(host_request(1, 2, host, host), m.net.now());
        REQUIRE(id);
        ids.push_back(*id);
    }
    REQUIRE(m.net.run_until([&] { return down_of(a, ids[2]) != nullptr && down_of(a, ids[3]) != nullptr; }, settle));
    CHECK(down_of(a, ids[0]) == nullptr);
    CHECK(down_of(a, ids[1]) == nullptr);
    CHECK(down_of(a, ids[2])->detail.find("NO_ADDITIONAL_SAS") != std::string::npos);
    CHECK(down_of(a, ids[3])->detail.find("NO_ADDITIONAL_SAS") != std::string::npos);
    CHECK(check_pairs(a, b, 3).empty());  // b took no SPI for the refused ones
    CHECK(b.spis->live.size() == 3);

    // A rekey replaces a child: it is not refused at the cap (§1.3.3).
    const auto before = count<ChildSaUp>(b);
    REQUIRE(a.endpoint->rekey_child(events_of<ChildSaUp>(a).front().child, m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(b) == before + 1 && count<ChildSaDown>(b) >= 1; }, settle));
    REQUIRE(m.net.run_until([&] { return check_pairs(a, b, 3).empty(); }, settle));

    // Once one goes, a new one fits again.
    REQUIRE(a.endpoint->delete_child(events_of<ChildSaUp>(a).back().child, m.net.now()));
    REQUIRE(m.net.run_until([&] { return check_pairs(a, b, 2).empty(); }, settle));
    REQUIRE(a.endpoint->initiate(host_request(1, 2, 20, 20), m.net.now()));
    REQUIRE(m.net.run_until([&] { return check_pairs(a, b, 3).empty(); }, settle));
}

TEST_CASE("RFC 7383 §2.6: an incomplete fragmented IKE_AUTH is dropped after Timers::reassembly_timeout, by handle_timeout") {
    Mesh m;
    const auto frag = [](Config& c) {
        c.limits.fragment_size = 200;               // IKE_AUTH goes in several fragments
        c.timers.retransmit_initial = Duration{120000};  // no retransmission within the test
        c.timers.retransmit_max = Duration{120000};
        c.timers.half_open_timeout = Duration{600000};   // only the reassembly timeout can free it
        c.timers.reassembly_timeout = Duration{30000};
    };
    auto& a = m.add(1, frag);
    auto& b = m.add(2, frag);
    std::size_t skf = 0;
    m.net.drop = [&](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t> d) {
        if (from.ip != wan(1) || d.size() < 36 || d[16] != wire::raw(wire::PayloadType::skf)) return false;
        ++skf;
        const auto number = d[wire::header_size + 4] << 8 | d[wire::header_size + 5];
        const auto total = d[wire::header_size + 6] << 8 | d[wire::header_size + 7];
        return number == total;  // the last fragment never arrives
    };
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return b.endpoint->state_counts().reassembly_bytes > 0; }, Duration{5000}));
    REQUIRE(skf > 1);
    const Time held_at = m.net.now();
    m.net.run_until([] { return false; }, Duration{29000});
    CHECK(b.endpoint->state_counts().reassembly_bytes > 0);
    CHECK(b.endpoint->counters().reassembly_timeouts == 0);
    REQUIRE(m.net.run_until([&] { return b.endpoint->state_counts().reassembly_bytes == 0; }, Duration{5000}));
    CHECK(m.net.now() - held_at >= Duration{30000});
    CHECK(b.endpoint->counters().reassembly_timeouts == 1);
    CHECK(b.endpoint->state_counts().half_open == 1);  // the SA itself waits on
    CHECK(count<ChildSaUp>(a) == 0);
}

TEST_CASE("RFC 7383 §2.6, RFC 7296 §2.6: half-open SAs holding incomplete IKE_AUTH fragments cannot block an honest fragmented IKE_AUTH") {
    Mesh m;
    const auto small_budget = [](Config& c) {
        c.limits.fragment_size = 200;
        c.limits.max_reassembly_bytes = 8 * 1024;
        c.limits.max_reassembly_per_source = 16 * 1024;
        c.limits.max_reassembly_total = 48 * 1024;   // scaled down from 16 MiB
        c.timers.half_open_timeout = Duration{600000};
        c.timers.reassembly_timeout = Duration{600000};  // only eviction can help within the test
    };
    const auto attacker = [](Config& c) {
        c.limits.fragment_size = 200;
        c.timers.retransmit_initial = Duration{600000};  // it never completes, never retransmits
        c.timers.retransmit_max = Duration{600000};
    };
    auto& honest = m.add(1, [](Config& c) { c.limits.fragment_size = 200; });
    auto& b = m.add(2, small_budget);
    m.net.drop = [&](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t> d) {
        if (from.ip == wan(1) || from.ip == wan(2) || d.size() < 36 || d[16] != wire::raw(wire::PayloadType::skf))
            return false;
        return (d[wire::header_size + 4] << 8 | d[wire::header_size + 5]) ==
               (d[wire::header_size + 6] << 8 | d[wire::header_size + 7]);  // attackers' last fragments
    };
    for (int n = 3; n <= 10; ++n) {
        m.add(n, attacker);
        for (int i = 0; i < 10; ++i) {
            auto r = Mesh::request(n, 2);
            r.new_ike_sa = true;
            REQUIRE(m.node(n).endpoint->initiate(r, m.net.now()));
        }
    }
    m.net.run_until([] { return false; }, Duration{3000});
    const auto held = b.endpoint->state_counts().reassembly_bytes;
    CHECK(held + 2048 > 48 * 1024);  // the budget is (nearly) full of messages that never complete
    CHECK(b.endpoint->state_counts().half_open == 80);
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(honest) == 1 && count<ChildSaUp>(b) == 1; }, Duration{5000}));
    CHECK(honest.endpoint->counters().retransmits == 0);
    CHECK(b.endpoint->counters().reassembly_evictions > 0);
    CHECK(b.endpoint->state_counts().reassembly_bytes <= 48 * 1024);
}
