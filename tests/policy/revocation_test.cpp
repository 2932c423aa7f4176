// Revocation that cannot be turned into a weapon (issue 13 item 1): a RevocationPolicy is
// checked as a whole before it applies (RFC 5280 §5: signed by the CA or the issuing
// intermediate, thisUpdate not in the future, cRLNumber §5.2.3 never going back), each
// certificate of a chain is checked against its own issuer's CRL (§6.3), and an expired CRL stays
// in force with a CrlExpired warning (strict mode: peers refused). Endpoints with real X.509
// chains on the simulated network.
#include "x509_mesh.hpp"

using namespace ike;
using namespace ike::test;
using namespace ike::test::x509;

namespace {

std::vector<std::uint8_t> crl(const CertificateAuthority& ca, crypto::Rng& rng, std::vector<std::uint64_t> serials,
                              std::uint64_t number, Time this_update = now0() - 1h, Time next_update = now0() + 24h * 7) {
    auto c = ca.issue_crl(serials, this_update, next_update, number, rng);
    REQUIRE(c);
    return *c;
}

RevocationPolicy with_crls(std::vector<std::vector<std::uint8_t>> crls) {
    RevocationPolicy p;
    p.crls = std::move(crls);
    return p;
}

bool up(const sim::Network::Node& a, const sim::Network::Node& b) { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }

// node1 (serial 101) and node2 with a child SA between them; returns node2.
sim::Network::Node& connected(X509Mesh& m) {
    auto& a = m.add(1, KeyType::Ed25519);
    auto& b = m.add(2, KeyType::Ed25519);
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return up(a, b); }, settle));
    return b;
}

// Nothing of b's SA with a went down.
void untouched(const sim::Network::Node& b) {
    CHECK(count<IkeSaDown>(b) == 0);
    CHECK(count<ChildSaDown>(b) == 0);
    CHECK(count<AuthFailed>(b) == 0);
    CHECK(b.endpoint->state_counts().child_sas == 1);
}

}  // namespace

TEST_CASE("update_policy: a CRL that does not parse, is not the CA's or is not yet valid is refused (bad_crl) - the policy in force and the SAs stay") {
    X509Mesh m;
    auto& b = connected(m);
    auto& ep = *b.endpoint;
    const auto now = [&] { return m.net.now(); };
    REQUIRE(ep.update_policy(with_crls({crl(m.ca, *m.rng, {999}, 1)}), now()));
    CHECK(ep.update_policy(with_crls({{0x30, 0x03, 0x02, 0x01, 0x00}}), now()).error() == ConfigError::bad_crl);
    const auto rogue = make_root(*m.rng, "rogue root");
    CHECK(ep.update_policy(with_crls({crl(rogue, *m.rng, {101}, 2)}), now()).error() == ConfigError::bad_crl);
    CHECK(ep.update_policy(with_crls({crl(m.ca, *m.rng, {101}, 2, now() + 1h)}), now()).error() == ConfigError::bad_crl);
    // One bad CRL spoils the set, however good the others.
    CHECK(ep.update_policy(with_crls({crl(m.ca, *m.rng, {101}, 2), {0x30, 0x00}}), now()).error() == ConfigError::bad_crl);
    m.net.run_until([] { return false; }, Duration{5000});
    untouched(b);
    CHECK(ep.highest_crl_number() == 1);
    // A good one applies: the peer it revokes goes.
    REQUIRE(ep.update_policy(with_crls({crl(m.ca, *m.rng, {101}, 2)}), now()));
    CHECK(ep.highest_crl_number() == 2);
    REQUIRE(m.net.run_until([&] { return count<IkeSaDown>(b) == 1; }, settle));
    CHECK(events_of<IkeSaDown>(b).front().reason == DownReason::revoked);
}

TEST_CASE("update_policy: a bad blocklist entry is refused (bad_blocklist) and changes nothing") {
    X509Mesh m;
    auto& b = connected(m);
    RevocationPolicy p;
    p.blocked_names = {"node1.mesh", ""};
    CHECK(b.endpoint->update_policy(p, m.net.now()).error() == ConfigError::bad_blocklist);
    p = {};
    p.blocked_serials = {{der(m.ca.certificate()), {0x00, 0x65}}};  // zero-padded: never matches
    CHECK(b.endpoint->update_policy(p, m.net.now()).error() == ConfigError::bad_blocklist);
    m.net.run_until([] { return false; }, Duration{5000});
    untouched(b);
}

TEST_CASE("RFC 5280 §5.2.3: a CRL older than one accepted (lower cRLNumber) is refused (crl_rollback)") {
    X509Mesh m;
    auto& b = connected(m);
    auto& ep = *b.endpoint;
    CHECK(ep.highest_crl_number() == 0);
    REQUIRE(ep.update_policy(with_crls({crl(m.ca, *m.rng, {999}, 5)}), m.net.now()));
    CHECK(ep.highest_crl_number() == 5);
    // CRL 4 revoked node 1 and CRL 5 un-revoked it (or the other way round): going back is refused.
    CHECK(ep.update_policy(with_crls({crl(m.ca, *m.rng, {101}, 4)}), m.net.now()).error() == ConfigError::crl_rollback);
    CHECK(ep.highest_crl_number() == 5);
    REQUIRE(ep.update_policy(with_crls({crl(m.ca, *m.rng, {999}, 5)}), m.net.now()));  // the same number again
    // An older CRL may come along with a newer one: the newest decides.
    REQUIRE(ep.update_policy(with_crls({crl(m.ca, *m.rng, {}, 4), crl(m.ca, *m.rng, {999}, 6)}), m.net.now()));
    CHECK(ep.highest_crl_number() == 6);
    // The number the caller persisted, after a restart.
    auto p = with_crls({crl(m.ca, *m.rng, {}, 7)});
    p.min_crl_number = 8;
    CHECK(ep.update_policy(p, m.net.now()).error() == ConfigError::crl_rollback);
    m.net.run_until([] { return false; }, Duration{5000});
    untouched(b);

    const auto node = issue(m.ca, *m.rng, node_profile(3));
    auto spis = [] { return sim::make_spi_allocator(std::make_shared<sim::SpiPool>()); };
    auto c = m.config(3, node);
    c.revocation = p;
    CHECK(Endpoint::create(c, crypto::make_seeded_rng(3), spis()).error() == ConfigError::crl_rollback);
    c.revocation.crls = {{0x30, 0x00}};
    CHECK(Endpoint::create(c, crypto::make_seeded_rng(3), spis()).error() == ConfigError::bad_crl);
    c.revocation.crls = {crl(m.ca, *m.rng, {}, 9)};
    auto ok = Endpoint::create(c, crypto::make_seeded_rng(3), spis());
    REQUIRE(ok);
    CHECK(ok->highest_crl_number() == 9);
}

TEST_CASE("RFC 5280 §5.1.2.5: an expired CRL stays in force and raises CrlExpired once - the mesh stays up") {
    X509Mesh m;
    const auto expiring = [&](Config& c) { c.revocation.crls = {crl(m.ca, *m.rng, {101}, 3, now0() - 1h, now0() + 1h)}; };
    auto& a = m.add(1, KeyType::Ed25519);  // revoked by the CRL
    auto& b = m.add(2, KeyType::Ed25519, node_profile(2), nullptr, false, expiring);
    auto& c = m.add(3, KeyType::Ed25519);
    m.net.run_until([] { return false; }, Duration{2 * 3600 * 1000});
    REQUIRE(count<CrlExpired>(b) == 1);
    const auto e = events_of<CrlExpired>(b).front();
    CHECK(e.crl_number == 3);
    CHECK(e.next_update == now0() + 1h);
    CHECK_FALSE(e.strict);
    CHECK(b.endpoint->counters().crls_expired == 1);
    // Its revocations still apply, and nobody else is refused (no failing closed).
    m.initiate(3, 2);
    REQUIRE(m.net.run_until([&] { return up(c, b); }, settle));
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<AuthFailed>(b) == 1; }, settle));
    CHECK(events_of<AuthFailed>(b).front().reason == AuthFailure::revoked);
    CHECK(count<ChildSaUp>(a) == 0);
    // Once per CRL, however long it stays expired; a new one that expires warns again.
    m.net.run_until([] { return false; }, Duration{3600 * 1000});
    CHECK(count<CrlExpired>(b) == 1);
    REQUIRE(b.endpoint->update_policy(with_crls({crl(m.ca, *m.rng, {101}, 4, m.net.now() - 1h, m.net.now() + 1h)}),
                                      m.net.now()));
    m.net.run_until([] { return false; }, Duration{2 * 3600 * 1000});
    CHECK(count<CrlExpired>(b) == 2);
    CHECK(events_of<CrlExpired>(b).back().crl_number == 4);
    CHECK(b.endpoint->counters().crls_expired == 2);
}

TEST_CASE("strict_crl_expiry: once the CRL expires, peers are refused (revoked, \"CRL expired\")") {
    X509Mesh m;
    const auto strict = [&](Config& c) {
        c.revocation.crls = {crl(m.ca, *m.rng, {999}, 1, now0() - 1h, now0() + 1h)};
        c.revocation.strict_crl_expiry = true;
    };
    auto& a = m.add(1, KeyType::Ed25519);
    auto& b = m.add(2, KeyType::Ed25519, node_profile(2), nullptr, false, strict);
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return up(a, b); }, settle));
    REQUIRE(m.net.run_until([&] { return count<IkeSaDown>(b) == 1; }, Duration{2 * 3600 * 1000}));
    REQUIRE(count<CrlExpired>(b) == 1);
    CHECK(events_of<CrlExpired>(b).front().strict);
    CHECK(events_of<IkeSaDown>(b).front().reason == DownReason::revoked);
    REQUIRE(count<AuthFailed>(b) == 1);
    CHECK(events_of<AuthFailed>(b).front().reason == AuthFailure::revoked);
    CHECK(events_of<AuthFailed>(b).front().detail.find("CRL expired") != std::string::npos);
}

TEST_CASE("RFC 5280 §6.3: each certificate is checked against its issuer's CRL — a node under an intermediate can be revoked") {
    X509Mesh m;
    const auto inter = make_intermediate(m.ca, *m.rng);
    auto& a = m.add(1, KeyType::Ed25519, node_profile(1), &inter, true);  // serial 101, under the intermediate
    auto& b = m.add(2, KeyType::Ed25519);
    auto& c = m.add(3, KeyType::Ed25519, node_profile(3), &inter, true);  // serial 103, under the intermediate
    m.initiate(1, 2);
    m.initiate(3, 2);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(c) == 1 && count<ChildSaUp>(b) == 2; }, settle));
    auto& ep = *b.endpoint;
    // Signed by someone b has never seen: refused.
    const auto stranger = make_intermediate(m.ca, *m.rng);
    CHECK(ep.update_policy(with_crls({crl(stranger, *m.rng, {101}, 1)}), m.net.now()).error() == ConfigError::bad_crl);
    // The intermediate's CRL (b learned the intermediate from the chains it verified) revokes node 1 only.
    REQUIRE(ep.update_policy(with_crls({crl(inter, *m.rng, {101}, 1)}), m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<IkeSaDown>(b) == 1; }, settle));
    m.net.run_until([] { return false; }, Duration{5000});
    CHECK(count<IkeSaDown>(b) == 1);
    CHECK(count<IkeSaDown>(a) == 1);
    CHECK(count<IkeSaDown>(c) == 0);
    CHECK(ep.state_counts().child_sas == 1);  // node 3's
    // The root's CRL revoking the intermediate (serial 2) takes node 3 down too; the
    // intermediate's own CRL (a number series of its own) comes along.
    REQUIRE(ep.update_policy(with_crls({crl(inter, *m.rng, {101}, 1), crl(m.ca, *m.rng, {2}, 1)}), m.net.now()));
    REQUIRE(m.net.run_until([&] { return count<IkeSaDown>(b) == 2; }, settle));
    CHECK(ep.state_counts().child_sas == 0);
}
