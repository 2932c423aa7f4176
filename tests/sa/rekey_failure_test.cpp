// Refused rekeys are reported (RekeyFailed), and a child rekey refused with an error notify is
// retried once offering only the IKE SA's KE group: a widely deployed implementation answers
// INVALID_SYNTAX, where RFC 7296 §1.3 requires INVALID_KE_PAYLOAD, to a CREATE_CHILD_SA whose KE
// group it did not choose. The refusing peer is emulated here: node1's CREATE_CHILD_SA requests
// are intercepted, read with the IKE SA's keys, and answered with a forged, correctly protected
// error response (RFC 7296 §1.3.3, §2.8, §3.10.1).
#include <catch2/catch.hpp>

#include <set>

#include "child_helpers.hpp"
#include "sa/convert.hpp"
#include "sa/protect.hpp"
#include "scenario.hpp"
#include "wire/message.hpp"

using namespace ike;
using namespace ike::test;

namespace {

constexpr Duration settle{120000};

// Both sides of the IKE SA, rebuilt from node2's exported keys: opens node1's requests, and
// seals messages in either's name.
struct SaKeys {
    sa::IkeSa node1{sa::Birth::rekeyed}, node2{sa::Birth::rekeyed};  // established
    std::unique_ptr<crypto::Rng> rng = crypto::make_seeded_rng(99);

    explicit SaKeys(const IkeKeysExported& k) {
        const auto u64 = [](const std::array<std::uint8_t, 8>& b) {
            std::uint64_t v = 0;
            for (const auto x : b) v = v << 8 | x;
            return v;
        };
        for (auto* sa : {&node1, &node2}) {
            sa->spi_i = u64(k.spi_i);
            sa->spi_r = u64(k.spi_r);
        }
        node1.role = crypto::Role::Initiator;
        node2.role = crypto::Role::Responder;
        // Far from the counter values the nodes use themselves, so no AEAD IV is used twice.
        node1.protector.emplace(std::move(*crypto::SkProtector::create(k.suite.sk, k.sk_ei, k.sk_ai, *rng, 1ull << 40)));
        node2.protector.emplace(std::move(*crypto::SkProtector::create(k.suite.sk, k.sk_er, k.sk_ar, *rng, 1ull << 40)));
        node2.unprotector.emplace(std::move(*crypto::SkUnprotector::create(k.suite.sk, k.sk_ei, k.sk_ai)));
    }
    std::optional<std::vector<wire::Payload>> open(std::span<const std::uint8_t> d) {
        const auto m = wire::decode(d);
        if (!m) return std::nullopt;
        auto inner = sa::open(node2, d, *m);
        if (!inner) return std::nullopt;
        return std::move(*inner);
    }
    // `from`'s message with this Message ID: a request or a response of `exchange`.
    std::vector<std::uint8_t> seal(sa::IkeSa& from, wire::ExchangeType exchange, bool response, std::uint32_t id,
                                   const std::vector<wire::Payload>& inner) {
        auto out = sa::seal(from, sa::header_for(from, exchange, response, id), inner);
        REQUIRE(out.has_value());
        return *out;
    }
};

// The KE groups of a CREATE_CHILD_SA request's first proposal, and its KE payload's group.
struct KeOffer {
    std::vector<std::uint16_t> groups;
    std::uint16_t payload = 0;
};
KeOffer ke_offer(const std::vector<wire::Payload>& inner) {
    KeOffer o;
    for (const auto& p : inner) {
        if (const auto* sa = std::get_if<wire::SecurityAssociation>(&p))
            for (const auto& t : sa->proposals.front().transforms)
                if (t.type == wire::TransformType::ke) o.groups.push_back(t.id);
        if (const auto* ke = std::get_if<wire::KeyExchange>(&p)) o.payload = wire::raw(ke->group);
    }
    return o;
}

constexpr std::uint16_t x25519 = static_cast<std::uint16_t>(crypto::KeId::Curve25519);
constexpr std::uint16_t p256 = static_cast<std::uint16_t>(crypto::KeId::Ecp256);

// node1 and node2 with one child SA; node2 exports its IKE keys for the forger. `refuse` says
// which of node1's CREATE_CHILD_SA requests (1st, 2nd, ...) node2 refuses, as an implementation
// with that bug does: node2 gets an empty INFORMATIONAL instead (so that its Message IDs stay
// in step and it makes no child SA), and its answer is replaced by the error response.
struct Refusing {
    Mesh m;
    sim::Network::Node* a = nullptr;
    sim::Network::Node* b = nullptr;
    std::optional<SaKeys> keys;
    std::vector<KeOffer> offers;  // of every CREATE_CHILD_SA request node1 sent
    std::set<std::uint32_t> refused;  // their Message IDs
    std::function<bool(std::size_t)> refuse = [](std::size_t) { return false; };
    wire::NotifyType error = wire::NotifyType::invalid_syntax;

    explicit Refusing(const std::function<void(Config&)>& tweak_a = {}) {
        a = &m.add(1, tweak_a);
        b = &m.add(2, [](Config& c) { c.export_keys = true; });
        m.initiate(1, 2);
        REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(*a) == 1 && count<ChildSaUp>(*b) == 1; }, settle));
        keys.emplace(events_of<IkeKeysExported>(*b).front());
        m.net.drop = [this](const SocketAddress& from, const SocketAddress& to, std::span<const std::uint8_t> d) {
            const auto h = wire::decode_header(d);
            if (!h) return false;
            const auto id = h->header.message_id;
            const bool request = !h->header.response;
            if (from.ip == wan(1) && request && h->header.exchange == wire::ExchangeType::create_child_sa) {
                const auto inner = keys->open(d);
                REQUIRE(inner.has_value());
                offers.push_back(ke_offer(*inner));
                if (!refuse(offers.size())) return false;
                refused.insert(id);
                m.net.inject(from, to, keys->seal(keys->node1, wire::ExchangeType::informational, false, id, {}));
                return true;
            }
            if (from.ip != wan(2) || request || !refused.contains(id)) return false;
            refused.erase(id);
            m.net.inject(from, to, keys->seal(keys->node2, wire::ExchangeType::create_child_sa, true, id, {sa::notify(error)}));
            return true;
        };
    }
    ChildSaId first_child() const { return events_of<ChildSaUp>(*a).front().child; }
};

}  // namespace

TEST_CASE("§1.3.3: a child rekey refused with INVALID_SYNTAX is reported and retried once with only the IKE SA's KE group") {
    Refusing r;
    r.refuse = [](std::size_t n) { return n == 1; };
    REQUIRE(r.a->endpoint->rekey_child(r.first_child(), r.m.net.now()));
    REQUIRE(r.m.net.run_until([&] { return count<ChildSaUp>(*r.a) == 2; }, settle));
    REQUIRE(r.offers.size() == 2);
    CHECK(r.offers[0].groups == std::vector<std::uint16_t>{x25519, p256});
    CHECK(r.offers[1].groups == std::vector<std::uint16_t>{x25519});  // the IKE SA's group only
    CHECK(r.offers[1].payload == x25519);
    REQUIRE(count<RekeyFailed>(*r.a) == 1);
    const auto f = events_of<RekeyFailed>(*r.a).front();
    CHECK(f.child == r.first_child());
    CHECK(f.reason == RekeyFailure::refused);
    CHECK(f.retrying);
    CHECK(f.detail.find("INVALID_SYNTAX") != std::string::npos);
    CHECK(events_of<ChildSaUp>(*r.a).back().replaces == r.first_child());
}

TEST_CASE("§2.25: a child rekey answered CHILD_SA_NOT_FOUND is reported not final, and libike makes a new child SA") {
    Refusing r;
    r.error = wire::NotifyType::child_sa_not_found;
    r.refuse = [](std::size_t n) { return n == 1; };
    const auto old = r.first_child();
    REQUIRE(r.a->endpoint->rekey_child(old, r.m.net.now()));
    REQUIRE(r.m.net.run_until([&] { return count<ChildSaUp>(*r.a) == 2; }, settle));
    // Not final: an embedder that re-creates tunnels on a final RekeyFailed (meshd) would make a
    // second child SA beside libike's own.
    REQUIRE(count<RekeyFailed>(*r.a) == 1);
    const auto f = events_of<RekeyFailed>(*r.a).front();
    CHECK(f.child == old);
    CHECK(f.retrying);
    CHECK(f.detail.find("CHILD_SA_NOT_FOUND") != std::string::npos);
    CHECK(down_of(*r.a, old)->reason == DownReason::deleted_by_peer);
    CHECK(r.offers.size() == 2);
}

TEST_CASE("§1.3.3: a child rekey refused twice gives a final RekeyFailed and the old child lives on") {
    Refusing r;
    r.error = wire::NotifyType::no_proposal_chosen;
    r.refuse = [](std::size_t) { return true; };
    REQUIRE(r.a->endpoint->rekey_child(r.first_child(), r.m.net.now()));
    REQUIRE(r.m.net.run_until([&] { return count<RekeyFailed>(*r.a) == 2; }, settle));
    r.m.net.run_until([] { return false; }, Duration{5000});
    const auto f = events_of<RekeyFailed>(*r.a);
    REQUIRE(f.size() == 2);
    CHECK(f[0].retrying);
    CHECK_FALSE(f[1].retrying);
    CHECK(f[1].reason == RekeyFailure::no_proposal_chosen);
    CHECK(f[1].child == r.first_child());
    CHECK(r.offers.size() == 2);
    CHECK(count<ChildSaDown>(*r.a) == 0);  // it runs on until its hard lifetime
    CHECK(count<IkeSaDown>(*r.a) == 0);
}

TEST_CASE("§1.3.1: CREATE_CHILD_SA offers the IKE SA's KE group first") {
    // The IKE SA uses ECP-256 while Curve25519 is first among the configured child groups.
    Refusing r([](Config& c) { c.proposals.ike = {c.proposals.ike.at(1)}; });
    REQUIRE(r.a->endpoint->rekey_child(r.first_child(), r.m.net.now()));
    REQUIRE(r.m.net.run_until([&] { return count<ChildSaUp>(*r.a) == 2; }, settle));
    REQUIRE_FALSE(r.offers.empty());
    CHECK(r.offers[0].groups == std::vector<std::uint16_t>{p256, x25519});
    CHECK(r.offers[0].payload == p256);
    CHECK(count<RekeyFailed>(*r.a) == 0);
}

TEST_CASE("§1.3.2: a refused IKE SA rekey is reported - the IKE SA runs on") {
    Refusing r;
    r.error = wire::NotifyType::no_proposal_chosen;
    r.refuse = [](std::size_t) { return true; };
    const auto ike = events_of<IkeSaUp>(*r.a).front().ike;
    REQUIRE(r.a->endpoint->rekey_ike(ike, r.m.net.now()));
    REQUIRE(r.m.net.run_until([&] { return count<RekeyFailed>(*r.a) == 1; }, settle));
    const auto f = events_of<RekeyFailed>(*r.a).front();
    CHECK(f.ike == ike);
    CHECK_FALSE(f.child);
    CHECK(f.reason == RekeyFailure::no_proposal_chosen);
    CHECK_FALSE(f.retrying);
    CHECK(count<IkeSaDown>(*r.a) == 0);
}

TEST_CASE("§2.4: a rekey nobody answers is reported (timeout) before the IKE SA goes down") {
    Refusing r;
    r.m.net.drop = [](const SocketAddress& from, const SocketAddress&, std::span<const std::uint8_t>) {
        return from.ip == wan(2);  // node2 falls silent
    };
    REQUIRE(r.a->endpoint->rekey_child(r.first_child(), r.m.net.now()));
    REQUIRE(r.m.net.run_until([&] { return count<IkeSaDown>(*r.a) == 1; }, Duration{600000}));
    REQUIRE(count<RekeyFailed>(*r.a) == 1);
    const auto f = events_of<RekeyFailed>(*r.a).front();
    CHECK(f.reason == RekeyFailure::timeout);
    CHECK(f.child == r.first_child());
    CHECK(index_of<RekeyFailed>(*r.a, [](const RekeyFailed&) { return true; }) <
          index_of<IkeSaDown>(*r.a, [](const IkeSaDown&) { return true; }));
}
