// RFC 7296 §2.5 (unknown payloads, the critical bit) and §2.21 (error handling): what an
// endpoint answers to authentic requests it cannot use. A forger holding the initiator's keys
// (exported with Config::export_keys) sends hand-made protected requests to the responder.
#include <catch2/catch.hpp>

#include "sa/convert.hpp"
#include "sa/protect.hpp"
#include "scenario.hpp"
#include "wire/message.hpp"

using namespace ike;
using namespace ike::test;

namespace {

constexpr Duration settle{60000};

std::uint64_t spi_of(const std::array<std::uint8_t, 8>& b) {
    std::uint64_t v = 0;
    for (const auto x : b) v = v << 8 | x;
    return v;
}

struct Established {
    Mesh m;
    sim::Network::Node& a = m.add(1, [](Config& c) { c.export_keys = true; });
    sim::Network::Node& b = m.add(2);
    std::unique_ptr<crypto::Rng> rng = crypto::make_seeded_rng(99);
    sa::IkeSa forger;  // the initiator's side of the IKE SA: its keys, its SPIs
    std::vector<std::vector<std::uint8_t>> answers;  // what b sent to a since the last request

    Established() {
        m.initiate(1, 2);
        REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, settle));
        const auto keys = events_of<IkeKeysExported>(a).front();
        forger.role = crypto::Role::Initiator;
        forger.spi_i = spi_of(keys.spi_i);
        forger.spi_r = spi_of(keys.spi_r);
        forger.protector.emplace(std::move(*crypto::SkProtector::create(keys.suite.sk, keys.sk_ei, keys.sk_ai, *rng)));
        forger.unprotector.emplace(std::move(*crypto::SkUnprotector::create(keys.suite.sk, keys.sk_er, keys.sk_ar)));
        m.net.tap = [&](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t> d) {
            if (from.ip == wan(2)) answers.emplace_back(d.begin(), d.end());
        };
    }

    std::vector<std::uint8_t> request(std::uint32_t id, const std::vector<wire::Payload>& inner,
                                      wire::ExchangeType x = wire::ExchangeType::informational) {
        auto d = sa::seal(forger, sa::header_for(forger, x, false, id), inner);
        REQUIRE(d);
        return *d;
    }
    void send(const std::vector<std::uint8_t>& d) {
        answers.clear();
        m.net.inject(SocketAddress{wan(1), 500}, SocketAddress{wan(2), 500}, d);
        m.net.run_until([] { return false; }, Duration{200});
    }
    // The one answer b sent, decrypted.
    std::vector<wire::Payload> answer(std::uint32_t id) {
        REQUIRE(answers.size() == 1);
        const auto msg = wire::decode(answers.front());
        REQUIRE(msg);
        CHECK(msg->header.response);
        CHECK(msg->header.message_id == id);
        auto inner = sa::open(forger, answers.front(), *msg);
        REQUIRE(inner);
        return *inner;
    }
};

const wire::Notify& only_notify(const std::vector<wire::Payload>& inner) {
    REQUIRE(inner.size() == 1);
    const auto* n = std::get_if<wire::Notify>(&inner.front());
    REQUIRE(n != nullptr);
    return *n;
}

}  // namespace

TEST_CASE("RFC 7296 §2.5: an unknown critical payload in a protected request is answered UNSUPPORTED_CRITICAL_PAYLOAD with its type") {
    Established e;
    const auto before = e.b.endpoint->counters();
    e.send(e.request(2, {wire::UnknownPayload{static_cast<wire::PayloadType>(200), {1, 2, 3}, true}}));
    const auto inner = e.answer(2);  // kept: only_notify returns a reference into it
    const auto& n = only_notify(inner);
    CHECK(n.type == wire::NotifyType::unsupported_critical_payload);
    CHECK(n.data == wire::Bytes{200});
    const auto& after = e.b.endpoint->counters();
    CHECK(after.protected_decode_errors == before.protected_decode_errors + 1);
    CHECK(after.integrity_failures == before.integrity_failures);
    CHECK(count<IkeSaDown>(e.b) == 0);
    // The request was answered and used its Message ID: another request with ID 2 (sealed anew,
    // so not a byte-exact retransmission) is out of the window (§2.3).
    e.send(e.request(2, {wire::UnknownPayload{static_cast<wire::PayloadType>(200), {1, 2, 3}, true}}));
    CHECK(e.answers.empty());
}

TEST_CASE("RFC 7296 §2.21.3: an authentic request that does not decode, or breaks the exchange rules, gets INVALID_SYNTAX") {
    Established e;
    const auto before = e.b.endpoint->counters();
    // A Nonce of 3 octets (§3.9: at least 16).
    const auto bad_nonce = e.request(2, {wire::UnknownPayload{wire::PayloadType::nonce, {1, 2, 3}, false}});
    e.send(bad_nonce);
    CHECK(only_notify(e.answer(2)).type == wire::NotifyType::invalid_syntax);
    // A retransmission of it is answered from the cache, not processed again.
    e.send(bad_nonce);
    CHECK(only_notify(e.answer(2)).type == wire::NotifyType::invalid_syntax);
    // A KE payload has no place in an INFORMATIONAL (§1.4).
    e.send(e.request(3, {wire::KeyExchange{wire::KeGroup::curve25519, wire::Bytes(32, 9), false}}));
    CHECK(only_notify(e.answer(3)).type == wire::NotifyType::invalid_syntax);
    const auto& after = e.b.endpoint->counters();
    CHECK(after.protected_decode_errors == before.protected_decode_errors + 2);
    CHECK(after.duplicate_requests == before.duplicate_requests + 1);
    CHECK(after.integrity_failures == before.integrity_failures);
    CHECK(count<IkeSaDown>(e.b) == 0);
}

TEST_CASE("RFC 7296 §2.5: an unknown payload without the critical bit is skipped and the request processed") {
    Established e;
    const auto before = e.b.endpoint->counters();
    // An INFORMATIONAL carrying only a non-critical unknown payload: a liveness check (§1.4).
    e.send(e.request(2, {wire::UnknownPayload{static_cast<wire::PayloadType>(200), {7, 7}, false}}));
    CHECK(e.answer(2).empty());
    CHECK(e.b.endpoint->counters().protected_decode_errors == before.protected_decode_errors);
    CHECK(e.b.endpoint->counters().decode_errors == before.decode_errors);
}

TEST_CASE("RFC 7296 §2.21: a request whose ICV fails is an integrity failure, dropped silently") {
    Established e;
    const auto before = e.b.endpoint->counters();
    auto d = e.request(2, {wire::UnknownPayload{static_cast<wire::PayloadType>(200), {}, true}});
    d.back() ^= 1;
    e.send(d);
    CHECK(e.answers.empty());
    CHECK(e.b.endpoint->counters().integrity_failures == before.integrity_failures + 1);
    CHECK(e.b.endpoint->counters().protected_decode_errors == before.protected_decode_errors);
}

TEST_CASE("RFC 7296 §2.5, §2.21.1: an IKE_SA_INIT request with an unknown critical payload gets an unprotected UNSUPPORTED_CRITICAL_PAYLOAD") {
    Mesh m;
    m.add(1);
    auto& b = m.add(2);
    std::vector<std::uint8_t> init;
    std::vector<std::vector<std::uint8_t>> answers;
    m.net.drop = [&](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t> d) {
        if (from.ip == wan(1) && init.empty()) init.assign(d.begin(), d.end());
        return from.ip == wan(1);  // b sees only the altered copy
    };
    m.initiate(1, 2);
    m.net.run_until([&] { return !init.empty(); }, Duration{1000});
    REQUIRE_FALSE(init.empty());
    auto msg = wire::decode(init);
    REQUIRE(msg);
    msg->payloads.emplace_back(wire::UnknownPayload{static_cast<wire::PayloadType>(201), {5}, true});
    m.net.drop = {};
    m.net.tap = [&](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t> d) {
        if (from.ip == wan(2)) answers.emplace_back(d.begin(), d.end());
    };
    m.net.inject(SocketAddress{wan(1), 500}, SocketAddress{wan(2), 500}, wire::encode(*msg));
    m.net.run_until([&] { return !answers.empty(); }, Duration{200});
    REQUIRE(answers.size() == 1);
    const auto r = wire::decode(answers.front());
    REQUIRE(r);
    CHECK(r->header.response);
    CHECK(r->header.spi_r == 0);
    REQUIRE(r->payloads.size() == 1);
    const auto& n = std::get<wire::Notify>(r->payloads.front());
    CHECK(n.type == wire::NotifyType::unsupported_critical_payload);
    CHECK(n.data == wire::Bytes{201});
    CHECK(b.endpoint->state_counts().ike_sas == 0);  // no state for it
}
