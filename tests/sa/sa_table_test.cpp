// The Endpoint's SA table on its own: its indexes follow the SAs an input touched, including an
// IKE SA made by a task (the IKE SA rekey of RFC 7296 §1.3.2 / §2.18 adopts one and moves the
// child SAs over to it), and closed SAs leave every index.
#include <catch2/catch.hpp>

#include "sa/tasks.hpp"
#include "task_harness.hpp"

using namespace ike;
using namespace ike::test;

namespace {

struct Fixture : TaskHarness {
    Fixture() : TaskHarness("table-ca", 77, 5) { config.timers.liveness_after = Duration{30000}; }

    std::unique_ptr<sa::IkeSa> established(int peer, std::initializer_list<std::uint64_t> children, Time now) {
        auto sa = std::make_unique<sa::IkeSa>(sa::Birth::rekeyed);  // established
        sa->id = table.new_ike_id();
        sa->role = crypto::Role::Responder;
        sa->spi_i = 0x1000 + sa->id.value;
        sa->spi_r = table.new_ike_spi();
        sa->remote = SocketAddress{wan(peer), 500};
        sa->peer_id = Identity::fqdn("node" + std::to_string(peer) + ".mesh");
        sa->last_heard = now;
        for (const auto c : children) {
            sa::ChildSa child;
            child.id = ChildSaId{c};
            sa->children.push_back(child);
        }
        return sa;
    }
};

}  // namespace

TEST_CASE("RFC 7296 §2.18: child SAs moved to an IKE SA a task adopted are found under it and the old SA's removal leaves them") {
    Fixture f;
    const Time t0 = sim::start_time();
    auto& old_sa = f.table.adopt(f.established(2, {1, 2}, t0));
    f.table.settle(f.ctx(t0));
    REQUIRE(f.table.child_owner(ChildSaId{2}) == &old_sa);
    CHECK(f.table.counts().child_sas == 2);
    CHECK(f.table.next_deadline() == t0 + Duration{30000});  // liveness

    // What an IKE SA rekey does inside one input: a new SA, the children move, the old one closes.
    auto fresh = f.established(2, {}, t0 + Duration{1000});
    fresh->children = std::move(old_sa.children);
    old_sa.children.clear();
    auto& new_sa = f.table.adopt(std::move(fresh));
    REQUIRE(old_sa.transition(sa::State::closed));
    f.table.touch(old_sa);
    f.table.settle(f.ctx(t0 + Duration{1000}));

    CHECK(f.table.find(IkeSaId{1}) == nullptr);
    CHECK(f.table.child_owner(ChildSaId{1}) == &new_sa);
    CHECK(f.table.child_owner(ChildSaId{2}) == &new_sa);
    CHECK(f.table.by_spi(new_sa.spi_r) == &new_sa);
    CHECK(f.table.counts().ike_sas == 1);
    CHECK(f.table.counts().child_sas == 2);
    CHECK(f.table.with_identity(Identity::fqdn("node2.mesh")) == std::vector<sa::IkeSa*>{&new_sa});
    CHECK(f.table.next_deadline() == t0 + Duration{31000});  // the old SA's timer went with it
}

TEST_CASE("§2.6: half-open counts per source follow the responder SAs and a closed one is remembered by (peer and SPIi)") {
    Fixture f;
    const Time t0 = sim::start_time();
    auto half_open = [&](int peer, std::uint64_t spi_i) {
        auto sa = std::make_unique<sa::IkeSa>(sa::Birth::responder);
        sa->id = f.table.new_ike_id();
        sa->role = crypto::Role::Responder;
        sa->spi_i = spi_i;
        sa->spi_r = f.table.new_ike_spi();
        sa->remote = sa->init_remote = SocketAddress{wan(peer), 500};
        sa->half_open_deadline = t0 + Duration{30000};
        return &f.table.insert_responder(std::move(sa));
    };
    auto* a = half_open(7, 1);
    half_open(7, 2);
    half_open(8, 3);
    f.table.settle(f.ctx(t0));
    CHECK(f.table.half_open() == 3);
    CHECK(f.table.half_open_from(wan(7)) == 2);
    CHECK(f.table.by_init(SocketAddress{wan(7), 500}, 1) == a);
    CHECK(f.table.due(t0 + Duration{29999}).empty());
    CHECK(f.table.due(t0 + Duration{30000}).size() == 3);

    REQUIRE(a->transition(sa::State::closed));
    f.table.touch(*a);
    f.table.settle(f.ctx(t0 + Duration{10}));
    CHECK(f.table.half_open() == 2);
    CHECK(f.table.half_open_from(wan(7)) == 1);
    CHECK(f.table.by_init(SocketAddress{wan(7), 500}, 1) == nullptr);
    CHECK(f.table.recently_closed_init(SocketAddress{wan(7), 500}, 1));
    f.table.settle(f.ctx(t0 + Duration{10} + Duration{32000}));  // remembered as long as late copies may come
    CHECK_FALSE(f.table.recently_closed_init(SocketAddress{wan(7), 500}, 1));
}
