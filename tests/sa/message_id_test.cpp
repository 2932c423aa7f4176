// RFC 7296 §2.2: Message IDs are 32 bits and never wrap. The peer's requests past 0xffffffff
// are not accepted; before ours run out the IKE SA is rekeyed (its new SA counts from 0), or,
// if that cannot happen, closed with the last ID. One IKE SA driven directly, its window
// started near the end of the space (4 billion exchanges are not simulated).
#include <catch2/catch.hpp>

#include <algorithm>

#include "sa/convert.hpp"
#include "sa/protect.hpp"
#include "sa/tasks.hpp"
#include "task_harness.hpp"
#include "wire/message.hpp"

using namespace ike;
using namespace ike::test;

namespace {

constexpr std::uint64_t last_id = 0xffffffff;

struct Fixture : TaskHarness {
    sa::IkeSa* sa = nullptr;

    explicit Fixture(std::uint64_t next_request_id) : TaskHarness("ids-ca", 78, 6) {
        auto s = std::make_unique<sa::IkeSa>(sa::Birth::rekeyed);  // established
        s->id = table.new_ike_id();
        s->role = crypto::Role::Initiator;
        s->spi_i = table.new_ike_spi();
        s->spi_r = 0x2222;
        s->suite = config.proposals.ike.front();
        s->local = SocketAddress{wan(1), 500};
        s->remote = SocketAddress{wan(2), 500};
        s->peer_id = Identity::fqdn("node2.mesh");
        const std::vector<std::uint8_t> key(36, 0x42);  // AES-256-GCM key and salt, both directions
        s->protector.emplace(std::move(*crypto::SkProtector::create(s->suite.sk, key, {}, *rng)));
        s->unprotector.emplace(std::move(*crypto::SkUnprotector::create(s->suite.sk, key, {})));
        s->window = sa::MessageWindow::starting_at(next_request_id, 5);
        sa = &table.adopt(std::move(s));
    }
    // Asks for a liveness check and returns what went out: header and decrypted payloads.
    std::optional<std::pair<wire::Header, std::vector<wire::Payload>>> pump() {
        transmits.clear();
        sa->window.enqueue({sa::RequestKind::liveness, {}});
        auto c = ctx(sim::start_time());
        sa::pump_requests(c, *sa);
        if (transmits.empty()) return std::nullopt;
        REQUIRE(transmits.size() == 1);
        const auto& d = transmits.front().data;
        auto m = wire::decode(d);
        REQUIRE(m);
        auto inner = sa::open(*sa, d, *m);
        REQUIRE(inner);
        return std::pair{m->header, *inner};
    }
};

}  // namespace

TEST_CASE("RFC 7296 §2.2: the peer's requests past Message ID 0xffffffff are not accepted (no wrap to 0)") {
    auto w = sa::MessageWindow::starting_at(0, last_id);
    const std::vector<std::uint8_t> request{1, 2, 3}, other{4, 5, 6};
    CHECK(w.check_request(last_id, request) == sa::RequestCheck::process);
    w.answered(request, sa::Bytes{9});
    CHECK(w.expected_request_id() == std::uint64_t{1} << 32);
    CHECK(w.check_request(0, other) == sa::RequestCheck::drop);
    CHECK(w.check_request(1, other) == sa::RequestCheck::drop);
    CHECK(w.check_request(last_id, request) == sa::RequestCheck::retransmission);  // still answered from the cache
    CHECK(w.check_request(last_id, other) == sa::RequestCheck::drop);
}

TEST_CASE("RFC 7296 §2.2: our Message IDs run out at 0xffffffff and are never reused") {
    auto w = sa::MessageWindow::starting_at(last_id - 1, 0);
    const Timers t;
    CHECK(w.ids_left() == 2);
    w.sent({sa::RequestKind::liveness, {}}, sa::Bytes{1}, t, sim::start_time());
    CHECK(w.outstanding()->message_id == last_id - 1);
    w.response_received();
    w.sent({sa::RequestKind::liveness, {}}, sa::Bytes{1}, t, sim::start_time());
    CHECK(w.outstanding()->message_id == last_id);
    CHECK(w.ids_left() == 0);
}

TEST_CASE("RFC 7296 §2.2: near the end of the Message IDs the IKE SA is rekeyed before anything else") {
    Fixture f(last_id - 10);
    const auto sent = f.pump();
    REQUIRE(sent);
    CHECK(sent->first.exchange == wire::ExchangeType::create_child_sa);
    CHECK(sent->first.message_id == last_id - 10);
    const auto* proposal = sa::find_payload<wire::SecurityAssociation>(sent->second);
    REQUIRE(proposal != nullptr);
    CHECK(proposal->proposals.front().protocol == wire::ProtocolId::ike);  // §1.3.2: a rekey of the IKE SA
    CHECK(f.sa->window.queued(sa::RequestKind::liveness));                 // the liveness check waits for it
    // Far from the end: nothing of the kind.
    Fixture g(1000);
    const auto plain = g.pump();
    REQUIRE(plain);
    CHECK(plain->first.exchange == wire::ExchangeType::informational);
    CHECK(plain->second.empty());
}

TEST_CASE("RFC 7296 §2.2: with one Message ID left the IKE SA is closed with a DELETE, with none without a word") {
    Fixture f(last_id);
    const auto sent = f.pump();
    REQUIRE(sent);
    CHECK(sent->first.message_id == last_id);
    CHECK(sent->first.exchange == wire::ExchangeType::informational);
    REQUIRE(sent->second.size() == 1);
    CHECK(std::get<wire::Delete>(sent->second.front()).protocol == wire::ProtocolId::ike);
    REQUIRE(std::count_if(f.events.begin(), f.events.end(), [](const Event& e) { return std::holds_alternative<IkeSaDown>(e); }) == 1);
    CHECK(f.sa->state() == sa::State::deleting);

    Fixture g(std::uint64_t{1} << 32);
    CHECK_FALSE(g.pump());
    CHECK(g.sa->state() == sa::State::closed);
    const auto* down = std::get_if<IkeSaDown>(&g.events.back());
    REQUIRE(down != nullptr);
    CHECK(down->detail.find("Message IDs") != std::string::npos);
}
