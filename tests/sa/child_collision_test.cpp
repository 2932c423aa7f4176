// Child SA collisions (RFC 7296 §2.8.1 simultaneous rekeys and the nonce rule, §2.25
// TEMPORARY_FAILURE and CHILD_SA_NOT_FOUND, §2.25.1 rekey versus delete): each case once on a
// clean network with its exact outcome, then each over 1,000 seeds of 20 % loss and reordering
// (issue 7 acceptance): exactly one child SA pair per tunnel, keys equal, no SA or SPI left over.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <set>

#include "child_helpers.hpp"

using namespace ike;
using namespace ike::test;

namespace {

constexpr Duration settle{120000};

// Node 1 and node 2 with one tunnel; `extra` adds a second child SA on the same IKE SA.
struct Pair {
    Mesh m;
    sim::Network::Node* a = nullptr;
    sim::Network::Node* b = nullptr;
    ChildSaUp first_a, first_b;  // the first child as each side saw it
    ChildSaUp extra_a, extra_b;  // the additional one (when asked for)

    explicit Pair(std::uint64_t seed = 1, sim::Conditions c = {}, const std::function<void(Config&)>& tweak = {},
                  std::uint64_t salt = 0)
        : m(seed, c) {
        m.rng_salt = salt;
        a = &m.add(1, tweak);
        b = &m.add(2, tweak);
    }

    bool establish(bool extra) {
        m.initiate(1, 2, 12);
        if (!m.net.run_until([&] { return count<ChildSaUp>(*a) == 1 && count<ChildSaUp>(*b) == 1; }, Duration{3600000}))
            return false;
        first_a = events_of<ChildSaUp>(*a).front();
        first_b = events_of<ChildSaUp>(*b).front();
        if (!extra) return true;
        auto r = Mesh::request(1, 2, 13);
        r.local_ts = {TrafficSelector::host(IpAddress::v4(10, 0, 1, 7))};
        r.remote_ts = {TrafficSelector::host(IpAddress::v4(10, 0, 2, 7))};
        if (!a->endpoint->initiate(r, m.net.now())) return false;
        if (!m.net.run_until([&] { return count<ChildSaUp>(*a) == 2 && count<ChildSaUp>(*b) == 2; }, Duration{3600000}))
            return false;
        extra_a = events_of<ChildSaUp>(*a).back();
        extra_b = events_of<ChildSaUp>(*b).back();
        return true;
    }

    // Runs until the pairs check out (`pairs`, or `or_pairs` when set), then two more minutes to
    // be sure nothing else moves.
    std::string settle_on(std::size_t pairs, std::optional<std::size_t> or_pairs = std::nullopt) {
        const auto ok = [&] {
            return check_pairs(*a, *b, pairs).empty() || (or_pairs && check_pairs(*a, *b, *or_pairs).empty());
        };
        m.net.run_until(ok, Duration{3600000});
        m.net.run_until([] { return false; }, settle);
        if (!ok()) return check_pairs(*a, *b, pairs);
        if (count<IkeSaDown>(*a) + count<IkeSaDown>(*b) != 0) return "the IKE SA went down";
        return {};
    }
};

// Datagrams from `from` to `to` that are CREATE_CHILD_SA requests, by message ID and first time seen.
struct RequestLog {
    std::map<std::uint32_t, Time> first_seen;
    void attach(sim::Network& net, const IpAddress& from) {
        net.tap = [this, &net, from](const SocketAddress& f, const SocketAddress&, std::span<const std::uint8_t> d) {
            if (f.ip != from || !is_create_child_request(d)) return;
            first_seen.emplace(wire::decode_header(d)->header.message_id, net.now());
        };
    }
};

}  // namespace

TEST_CASE("§2.8.1: both ends rekey the same child SA at once: the nonce rule keeps exactly one pair") {
    std::set<std::uint32_t> survivors_by_creator;  // 1: node 1's rekey survived, 2: node 2's
    for (std::uint64_t salt = 0; salt < 16; ++salt) {
        INFO("salt " << salt);
        Pair p(1, {}, {}, salt);
        REQUIRE(p.establish(false));
        REQUIRE(p.a->endpoint->rekey_child(p.first_a.child, p.m.net.now()));
        REQUIRE(p.b->endpoint->rekey_child(p.first_b.child, p.m.net.now()));
        CHECK(p.settle_on(1).empty());
        // Both exchanges completed: each side saw two new SAs, kept one, and both agree on it.
        for (auto* n : {p.a, p.b}) {
            CHECK(count<ChildSaUp>(*n) == 3);
            for (const auto& d : events_of<ChildSaDown>(*n)) CHECK(d.reason == DownReason::rekeyed);
            CHECK(count<ChildSaDown>(*n) == 2);
        }
        const auto survivor = live_children(*p.a).front();
        CHECK(survivor.replaces == p.first_a.child);
        // Node 1 numbered its own rekey's child when it sent the request, before it answered node 2's.
        const auto ups = events_of<ChildSaUp>(*p.a);
        REQUIRE(ups.size() == 3);
        const auto own = std::min(ups[1].child, ups[2].child);
        survivors_by_creator.insert(survivor.child == own ? 1u : 2u);
    }
    CHECK(survivors_by_creator.size() == 2);  // both outcomes of the nonce rule occur
}

TEST_CASE("§2.25, §2.25.1: a rekey request for a child SA whose rekey just completed gets TEMPORARY_FAILURE, and no retry") {
    Pair p;
    REQUIRE(p.establish(false));
    // Node 2's rekey request is lost once, so node 1's rekey completes before its retransmission.
    bool dropped = false;
    p.m.net.drop = [&](const SocketAddress& f, const SocketAddress&, std::span<const std::uint8_t> d) {
        if (dropped || f.ip != wan(2) || !is_create_child_request(d)) return false;
        return dropped = true;
    };
    RequestLog log;
    log.attach(p.m.net, wan(2));
    REQUIRE(p.a->endpoint->rekey_child(p.first_a.child, p.m.net.now()));
    REQUIRE(p.b->endpoint->rekey_child(p.first_b.child, p.m.net.now()));
    CHECK(p.settle_on(1).empty());
    CHECK(dropped);
    CHECK(count<ChildSaUp>(*p.a) == 2);  // only node 1's rekey made an SA
    CHECK(count<ChildSaUp>(*p.b) == 2);
    CHECK(log.first_seen.size() == 1);   // node 2 did not try again: its child was replaced
    CHECK(events_of<ChildSaDown>(*p.b).front().reason == DownReason::rekeyed);
    // Nothing failed: node 1's rekey replaced the SA. A final RekeyFailed here made an embedder
    // (meshd) set up a redundant child SA; bench_scale counted it as a failure.
    for (const auto& f : events_of<RekeyFailed>(*p.b)) UNSCOPED_INFO("node 2: RekeyFailed " << f.detail << (f.retrying ? " (retrying)" : ""));
    CHECK(count<RekeyFailed>(*p.b) == 0);
    CHECK(count<RekeyFailed>(*p.a) == 0);
}

TEST_CASE("§2.25.1: the peer deletes the child SA we are rekeying: it goes, and nothing of the rekey stays") {
    Pair p;
    REQUIRE(p.establish(true));
    REQUIRE(p.a->endpoint->rekey_child(p.extra_a.child, p.m.net.now()));
    REQUIRE(p.b->endpoint->delete_child(p.extra_b.child, p.m.net.now()));
    CHECK(p.settle_on(1).empty());
    CHECK(down_of(*p.a, p.extra_a.child)->reason == DownReason::deleted_by_peer);
    CHECK(down_of(*p.b, p.extra_b.child)->reason == DownReason::deleted_locally);
    CHECK(live_children(*p.a).front().child == p.first_a.child);
    CHECK(count<ChildSaUp>(*p.a) == 2);
    CHECK(count<ChildSaUp>(*p.b) == 2);
}

TEST_CASE("§2.25: CHILD_SA_NOT_FOUND: the rekey of a child SA the peer has already deleted is dropped") {
    Pair p;
    REQUIRE(p.establish(true));
    // Node 1's rekey request is lost once: node 2's delete completes before the retransmission.
    bool dropped = false;
    p.m.net.drop = [&](const SocketAddress& f, const SocketAddress&, std::span<const std::uint8_t> d) {
        if (dropped || f.ip != wan(1) || !is_create_child_request(d)) return false;
        return dropped = true;
    };
    REQUIRE(p.a->endpoint->rekey_child(p.extra_a.child, p.m.net.now()));
    REQUIRE(p.b->endpoint->delete_child(p.extra_b.child, p.m.net.now()));
    CHECK(p.settle_on(1).empty());
    CHECK(dropped);
    CHECK(down_of(*p.a, p.extra_a.child)->reason == DownReason::deleted_by_peer);
    CHECK(count<ChildSaUp>(*p.a) == 2);
    CHECK(count<ChildSaUp>(*p.b) == 2);
}

TEST_CASE("§2.25: after TEMPORARY_FAILURE the initiator waits before it retries") {
    Pair p;
    REQUIRE(p.establish(true));
    // Node 2 deletes the child, but its DELETE is lost three times: for seven seconds node 2 is
    // "currently trying to close" it and answers node 1's rekey with TEMPORARY_FAILURE.
    unsigned lost = 0;
    p.m.net.drop = [&](const SocketAddress& f, const SocketAddress&, std::span<const std::uint8_t> d) {
        const auto h = wire::decode_header(d);
        if (lost >= 3 || f.ip != wan(2) || !h || h->header.exchange != wire::ExchangeType::informational ||
            h->header.response)
            return false;
        ++lost;
        return true;
    };
    RequestLog log;
    log.attach(p.m.net, wan(1));
    REQUIRE(p.b->endpoint->delete_child(p.extra_b.child, p.m.net.now()));
    p.m.net.run_until([] { return false; }, Duration{50});
    REQUIRE(p.a->endpoint->rekey_child(p.extra_a.child, p.m.net.now()));
    CHECK(p.settle_on(1).empty());
    REQUIRE(log.first_seen.size() >= 2);  // the first try and at least one retry
    Time prev{};
    for (const auto& [id, at] : log.first_seen) {
        if (prev != Time{}) CHECK(at - prev >= Duration{2000});
        prev = at;
    }
    CHECK(count<ChildSaUp>(*p.a) == 2);  // the rekey never made an SA: the child was going
}

// --- issue 7 acceptance: every collision case under loss and reordering, 1,000 seeds each ---

namespace {

enum class Case { simultaneous_rekey, rekey_vs_delete };

void tolerant(Config& c) {
    c.timers.retransmit_tries = 12;  // 20 % loss each way: a request/response pair fails 36 % of the time
    c.timers.half_open_timeout = Duration{600000};
}

// How each seed played out, to show the runs really cover the collision paths.
struct Outcomes {
    std::size_t both_made = 0;  // both rekeys made an SA: the nonce rule chose (§2.8.1)
    std::size_t one_made = 0;   // one rekey made an SA, the other was refused (§2.25)
    std::size_t none_made = 0;  // no rekey made an SA (rekey vs delete: the delete won)
    void note(const sim::Network::Node& a, const sim::Network::Node& b, std::size_t before) {
        const auto made = count<ChildSaUp>(a) - before;
        if (made >= 2) ++both_made;
        else if (made == 1) ++one_made;
        else ++none_made;
        (void)b;
    }
};

std::string run_seed(Case k, std::uint64_t seed, Outcomes& out) {
    sim::Conditions c;
    c.loss = 0.2;
    c.reorder = 0.3;
    c.duplicate = 0.05;
    // Odd seeds without PFS, even seeds with it.
    Pair p(seed, c, [&](Config& cfg) {
        tolerant(cfg);
        if (seed % 2 == 1) cfg.proposals.child_ke.clear();
    }, seed);
    if (!p.establish(k == Case::rekey_vs_delete)) return "could not establish";
    const auto now = p.m.net.now();
    switch (k) {
        case Case::simultaneous_rekey:
            if (!p.a->endpoint->rekey_child(p.first_a.child, now) || !p.b->endpoint->rekey_child(p.first_b.child, now))
                return "rekey_child refused";
            if (auto why = p.settle_on(1); !why.empty()) return why;
            out.note(*p.a, *p.b, 1);
            return {};
        case Case::rekey_vs_delete: {
            // The delete comes 0 to 30 ms after the rekey: at 0 the peer is closing the child
            // when the rekey arrives; later it may have answered the rekey first, and then its
            // DELETE removes only the replaced SA while the new one lives on.
            if (!p.a->endpoint->rekey_child(p.extra_a.child, now)) return "rekey_child refused";
            p.m.net.run_until([] { return false; }, Duration{static_cast<Duration::rep>(seed % 4 * 10)});
            if (auto d = p.b->endpoint->delete_child(p.extra_b.child, p.m.net.now());
                !d && d.error() != CommandError::unknown_sa)  // unknown: the rekey was already over
                return "delete_child refused";
            if (auto why = p.settle_on(1, 2); !why.empty()) return why;
            const auto live = live_children(*p.a);
            if (std::none_of(live.begin(), live.end(), [&](const ChildSaUp& u) { return u.child == p.first_a.child; }))
                return "the untouched child went";
            if (live.size() == 2 && std::none_of(live.begin(), live.end(), [&](const ChildSaUp& u) {
                    return u.replaces == p.extra_a.child;
                }))
                return "a second pair that is not the rekeyed child";
            out.note(*p.a, *p.b, 2);
            return {};
        }
    }
    return "?";
}

void soak(Case k, const char* name) {
    const auto start = std::chrono::steady_clock::now();
    const auto cpu0 = std::clock();
    std::size_t failures = 0;
    Outcomes out;
    for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
        const auto why = run_seed(k, seed, out);
        if (!why.empty()) {
            ++failures;
            std::printf("%s: seed %llu: %s\n", name, static_cast<unsigned long long>(seed), why.c_str());
        }
    }
    const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s: 1000 seeds in %.2f s (%.2f s CPU), %zu failures; new SAs made by the rekeys: "
                "two %zu, one %zu, none %zu\n",
                name, secs, static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC, failures, out.both_made,
                out.one_made, out.none_made);
    CHECK(failures == 0);
}

}  // namespace

TEST_CASE("§2.8.1, §2.25: simultaneous child rekeys over 1,000 seeds of 20 % loss and reordering", "[soak]") {
    soak(Case::simultaneous_rekey, "simultaneous rekey");
}

TEST_CASE("§2.25.1, §2.25: rekey versus delete over 1,000 seeds of 20 % loss and reordering", "[soak]") {
    soak(Case::rekey_vs_delete, "rekey vs delete");
}
