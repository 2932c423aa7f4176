// CREATE_CHILD_SA for child SAs (RFC 7296 §1.3.1 additional child SAs, §1.3.3 and §2.8
// rekeying them, §2.17 KEYMAT with the exchange's nonces and optional PFS): scenario tests on
// the simulated network, both roles, the refusals, and rekeying on time with jitter.
#include <catch2/catch.hpp>

#include "child_helpers.hpp"

using namespace ike;
using namespace ike::test;

namespace {

constexpr Duration settle{120000};

void establish(Mesh& m, sim::Network::Node& a, sim::Network::Node& b) {
    m.initiate(1, 2, 12);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, settle));
}

void no_pfs(Config& c) { c.proposals.child_ke.clear(); }

}  // namespace

TEST_CASE("§1.3.1: a second initiate to the same peer adds a child SA on the existing IKE SA") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    establish(m, a, b);
    const auto first = events_of<ChildSaUp>(a).front();
    auto id = a.endpoint->initiate(host_request(1, 2, 9, 77), m.net.now());
    REQUIRE(id);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 2 && count<ChildSaUp>(b) == 2; }, settle));
    CHECK(count<IkeSaUp>(a) == 1);
    CHECK(count<IkeSaUp>(b) == 1);
    CHECK(a.endpoint->state_counts().ike_sas == 1);
    const auto x = events_of<ChildSaUp>(a).back();
    const auto y = events_of<ChildSaUp>(b).back();
    CHECK(x.child == *id);
    CHECK(x.tag == 77);
    CHECK(x.ike == first.ike);
    CHECK_FALSE(x.replaces);
    CHECK(pair_matches(x, y));
    CHECK(x.local_ts == TrafficSelectors{TrafficSelector::host(IpAddress::v4(10, 0, 1, 9))});
    CHECK(y.remote_ts == x.local_ts);
    CHECK_FALSE(same_keys(x.outbound.keys, first.outbound.keys));  // §2.17: new nonces, new KEYMAT
    CHECK(check_pairs(a, b, 2).empty());
}

TEST_CASE("§1.3.1: children asked for while the IKE SA is being set up wait for it, on one IKE SA") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    m.initiate(1, 2, 1);
    REQUIRE(a.endpoint->initiate(host_request(1, 2, 5, 2), m.net.now()));
    REQUIRE(a.endpoint->initiate(host_request(1, 2, 6, 3), m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 3 && count<ChildSaUp>(b) == 3; }, settle));
    CHECK(a.endpoint->state_counts().ike_sas == 1);
    CHECK(b.endpoint->state_counts().ike_sas == 1);
    CHECK(check_pairs(a, b, 3).empty());
}

TEST_CASE("§1.3.1: asking again for a child that is not up yet (a repeated ACQUIRE) gives the same child, and the queue is bounded") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    const auto first = m.initiate(1, 2, 1);
    const auto again = a.endpoint->initiate(Mesh::request(1, 2, 1), m.net.now());
    REQUIRE(again);
    CHECK(*again == first);  // the IKE SA's own first child, still being set up
    const auto extra = a.endpoint->initiate(host_request(1, 2, 5, 2), m.net.now());
    REQUIRE(extra);
    const auto extra_again = a.endpoint->initiate(host_request(1, 2, 5, 2), m.net.now());
    REQUIRE(extra_again);
    CHECK(*extra_again == *extra);  // queued behind the IKE SA
    // 63 more distinct children fill the queue (64 with `extra`); the next one is refused
    for (std::uint8_t h = 10; h < 73; ++h) REQUIRE(a.endpoint->initiate(host_request(1, 2, h, h), m.net.now()));
    const auto over = a.endpoint->initiate(host_request(1, 2, 73, 73), m.net.now());
    REQUIRE_FALSE(over);
    CHECK(over.error() == CommandError::limit_reached);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 65 && count<ChildSaUp>(b) == 65; }, settle));
    CHECK(check_pairs(a, b, 65).empty());  // one child per distinct request, no SPI held for the repeats
}

TEST_CASE("§1.3.1: the responder of the IKE SA can add a child SA on it too") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    establish(m, a, b);
    REQUIRE(b.endpoint->initiate(host_request(2, 1, 4, 5), m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 2 && count<ChildSaUp>(b) == 2; }, settle));
    CHECK(b.endpoint->state_counts().ike_sas == 1);
    CHECK(events_of<ChildSaUp>(b).back().tag == 5);
    CHECK(check_pairs(a, b, 2).empty());
}

TEST_CASE("§1.3.1, §2.9: an additional child outside the peer certificate's RFC 3779 blocks gets TS_UNACCEPTABLE") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    establish(m, a, b);
    auto r = Mesh::request(1, 2, 8);
    r.local_ts = {subnet(3)};  // node 1 may not speak for 10.0.3.0/24
    const auto id = a.endpoint->initiate(r, m.net.now());
    REQUIRE(id);
    REQUIRE(m.net.run_until([&] { return down_of(a, *id) != nullptr; }, settle));
    const auto* d = down_of(a, *id);
    CHECK(d->reason == DownReason::negotiation_failed);
    CHECK(d->detail.find("TS_UNACCEPTABLE") != std::string::npos);
    REQUIRE(count<AuthFailed>(b) == 1);
    CHECK(events_of<AuthFailed>(b).front().reason == AuthFailure::subnet_not_allowed);
    CHECK(count<ChildSaUp>(a) == 1);
    CHECK(count<ChildSaUp>(b) == 1);
    CHECK(count<IkeSaDown>(a) + count<IkeSaDown>(b) == 0);
    CHECK(check_pairs(a, b, 1).empty());  // no half-made child, no SPI left behind
}

TEST_CASE("§1.3.1, §2.9, §3.11: an answer the initiator refuses (TSr outside the responder's certificate) is DELETEd at the responder") {
    // b is misconfigured: it answers for 10.0.0.0/16, but its certificate holds only 10.0.2.0/24.
    // b installs the child it answered with; a refuses that answer, reports the child down and
    // DELETEs it, so b does not keep a child SA a never installed.
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2, [](Config& c) { c.local_traffic = {TrafficSelector::subnet(IpAddress::v4(10, 0, 0, 0), 16)}; });
    establish(m, a, b);
    auto r = Mesh::request(1, 2, 8);
    r.remote_ts = {TrafficSelector::subnet(IpAddress::v4(10, 0, 0, 0), 16)};
    const auto id = a.endpoint->initiate(r, m.net.now());
    REQUIRE(id);
    REQUIRE(m.net.run_until([&] { return down_of(a, *id) != nullptr && count<ChildSaDown>(b) == 1; }, settle));
    CHECK(down_of(a, *id)->reason == DownReason::negotiation_failed);
    REQUIRE(count<AuthFailed>(a) == 1);
    CHECK(events_of<AuthFailed>(a).front().reason == AuthFailure::subnet_not_allowed);
    REQUIRE(count<ChildSaUp>(b) == 2);  // b made it ...
    const auto made = events_of<ChildSaUp>(b).back();
    const auto gone = events_of<ChildSaDown>(b).front();  // ... and removed it on a's DELETE
    CHECK(gone.child == made.child);
    CHECK(gone.reason == DownReason::deleted_by_peer);
    CHECK(count<ChildSaUp>(a) == 1);
    CHECK(count<IkeSaDown>(a) + count<IkeSaDown>(b) == 0);
    // a holds its SPI until b answers the DELETE; then only the first child is left
    CHECK(m.net.run_until([&] { return check_pairs(a, b, 1).empty(); }, settle));
}

TEST_CASE("§1.3.1, §3.3: a PFS group the responder does not accept gives NO_PROPOSAL_CHOSEN") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2, [](Config& c) { c.proposals.child_ke = {crypto::KeId::Modp2048}; });
    establish(m, a, b);
    const auto id = a.endpoint->initiate(host_request(1, 2, 9, 1), m.net.now());
    REQUIRE(id);
    REQUIRE(m.net.run_until([&] { return down_of(a, *id) != nullptr; }, settle));
    CHECK(down_of(a, *id)->detail.find("NO_PROPOSAL_CHOSEN") != std::string::npos);
    CHECK(check_pairs(a, b, 1).empty());
}

TEST_CASE("§1.3.1, §1.2: a responder out of SPIs answers NO_ADDITIONAL_SAS") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    establish(m, a, b);
    b.spis->exhausted = true;
    const auto id = a.endpoint->initiate(host_request(1, 2, 9, 1), m.net.now());
    REQUIRE(id);
    REQUIRE(m.net.run_until([&] { return down_of(a, *id) != nullptr; }, settle));
    CHECK(down_of(a, *id)->detail.find("NO_ADDITIONAL_SAS") != std::string::npos);
    CHECK(check_pairs(a, b, 1).empty());
}

TEST_CASE("§1.3.1, §1.2: INVALID_KE_PAYLOAD: the initiator retries once with the group asked for") {
    Mesh m;
    auto& a = m.add(1);  // offers Curve25519 first
    auto& b = m.add(2, [](Config& c) { c.proposals.child_ke = {crypto::KeId::Ecp256, crypto::KeId::Curve25519}; });
    establish(m, a, b);
    unsigned requests = 0;
    m.net.tap = [&](const SocketAddress&, const SocketAddress&, std::span<const std::uint8_t> d) {
        requests += is_create_child_request(d);
    };
    REQUIRE(a.endpoint->initiate(host_request(1, 2, 9, 1), m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 2 && count<ChildSaUp>(b) == 2; }, settle));
    CHECK(requests == 2);
    CHECK(check_pairs(a, b, 2).empty());
}

TEST_CASE("§1.3.3: rekeying a child SA, by either side, with and without PFS: make-before-break") {
    for (const bool pfs : {true, false})
        for (const int rekeyer : {1, 2}) {
            INFO("PFS " << pfs << ", rekeyed by node " << rekeyer);
            Mesh m;
            auto& a = m.add(1, pfs ? std::function<void(Config&)>{} : no_pfs);
            auto& b = m.add(2, pfs ? std::function<void(Config&)>{} : no_pfs);
            establish(m, a, b);
            auto& r = rekeyer == 1 ? a : b;
            auto& other = rekeyer == 1 ? b : a;
            const auto old_r = events_of<ChildSaUp>(r).front();
            const auto old_o = events_of<ChildSaUp>(other).front();
            REQUIRE(r.endpoint->rekey_child(old_r.child, m.net.now()));
            REQUIRE(r.endpoint->rekey_child(old_r.child, m.net.now()));  // already under way: nothing more
            REQUIRE(m.net.run_until([&] { return count<ChildSaDown>(a) == 1 && count<ChildSaDown>(b) == 1; }, settle));
            for (auto* n : {&r, &other}) {
                const auto& old = n == &r ? old_r : old_o;
                const auto ups = events_of<ChildSaUp>(*n);
                REQUIRE(ups.size() == 2);
                CHECK(ups.back().replaces == old.child);
                CHECK(ups.back().tag == old.tag);
                CHECK(ups.back().local_ts == old.local_ts);
                const auto down = events_of<ChildSaDown>(*n).front();
                CHECK(down.child == old.child);
                CHECK(down.reason == DownReason::rekeyed);
                // The new SA is up before anything of the old one goes.
                CHECK(index_of<ChildSaUp>(*n, [&](const ChildSaUp& u) { return u.replaces == old.child; }) <
                      index_of<ChildSaDown>(*n, [&](const ChildSaDown& d) { return d.child == old.child; }));
                CHECK(ups.back().inbound.spi != old.inbound.spi);
                CHECK_FALSE(same_keys(ups.back().inbound.keys, old.inbound.keys));
            }
            CHECK(check_pairs(a, b, 1).empty());
            CHECK(count<IkeSaDown>(a) + count<IkeSaDown>(b) == 0);
        }
}

TEST_CASE("§2.8: children are rekeyed on time, soft lifetime minus jitter, over many generations") {
    const auto short_lives = [](Config& c) {
        c.lifetimes.child_soft = std::chrono::seconds{60};
        c.lifetimes.child_hard = std::chrono::seconds{90};
        c.lifetimes.jitter_percent = 20;
    };
    Mesh m;
    auto& a = m.add(1, short_lives);
    auto& b = m.add(2, short_lives);
    establish(m, a, b);
    for (const auto& u : events_of<ChildSaUp>(a)) {
        CHECK(u.soft_lifetime <= std::chrono::seconds{60});
        CHECK(u.soft_lifetime >= std::chrono::seconds{47});
        CHECK(u.hard_lifetime == std::chrono::seconds{90});
    }
    // Half an hour: about 35 rekeys. At every moment some child pair is up on both sides.
    std::size_t least = 1;
    const Time end = m.net.now() + std::chrono::minutes{30};
    while (m.net.now() < end) {
        m.net.run_until([] { return false; }, Duration{500});
        least = std::min({least, live_children(a).size(), live_children(b).size()});
    }
    CHECK(least == 1);
    CHECK(count<ChildSaUp>(a) >= 25);
    CHECK(count<ChildSaDown>(a) == count<ChildSaUp>(a) - 1);
    for (const auto& d : events_of<ChildSaDown>(a)) CHECK(d.reason == DownReason::rekeyed);
    REQUIRE(m.net.run_until([&] { return check_pairs(a, b, 1).empty(); }, settle));
    CHECK(count<IkeSaDown>(a) + count<IkeSaDown>(b) == 0);
}

TEST_CASE("§1.3.3: rekey_child of an unknown child is refused") {
    Mesh m;
    auto& a = m.add(1);
    m.add(2);
    CHECK(a.endpoint->rekey_child(ChildSaId{99}, m.net.now()).error() == CommandError::unknown_sa);
}

TEST_CASE("§1.3.3: a refused rekey keeps the old child SA and is not repeated in a loop") {
    const auto short_lives = [](Config& c) {
        c.lifetimes.child_soft = std::chrono::seconds{60};
        c.lifetimes.child_hard = std::chrono::seconds{600};
    };
    Mesh m;
    auto& a = m.add(1, short_lives);
    auto& b = m.add(2, [&](Config& c) {
        short_lives(c);
        c.proposals.child_ke = {crypto::KeId::Modp2048};  // no PFS group in common
    });
    establish(m, a, b);
    unsigned requests = 0;
    m.net.tap = [&](const SocketAddress&, const SocketAddress&, std::span<const std::uint8_t> d) {
        requests += is_create_child_request(d);
    };
    m.net.run_until([] { return false; }, Duration{300000});
    CHECK(requests >= 1);
    // Each side tried its on-time rekey once; node1's refused one once more with only the IKE
    // SA's KE group (node2 does not allow that one for children, so it does not retry).
    CHECK(requests <= 3);
    const auto failed = events_of<RekeyFailed>(a);
    REQUIRE(failed.size() == 2);
    CHECK(failed[0].retrying);
    CHECK_FALSE(failed[1].retrying);
    CHECK(failed[1].reason == RekeyFailure::no_proposal_chosen);
    CHECK(check_pairs(a, b, 1).empty());
    CHECK(count<ChildSaDown>(a) == 0);
}

TEST_CASE("§1.3.3: a rekey without an SPI to spare waits and retries, then goes through") {
    Mesh m;
    auto& a = m.add(1);
    auto& b = m.add(2);
    establish(m, a, b);
    const auto old = events_of<ChildSaUp>(a).front();
    a.spis->exhausted = true;
    REQUIRE(a.endpoint->rekey_child(old.child, m.net.now()));
    m.net.run_until([] { return false; }, Duration{10000});
    CHECK(count<ChildSaUp>(a) == 1);
    a.spis->exhausted = false;
    REQUIRE(m.net.run_until([&] { return count<ChildSaDown>(a) == 1 && count<ChildSaDown>(b) == 1; }, settle));
    CHECK(events_of<ChildSaUp>(a).back().replaces == old.child);
    CHECK(check_pairs(a, b, 1).empty());
}
