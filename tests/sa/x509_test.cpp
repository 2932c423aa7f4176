// Establishing tunnels with real X.509 certificates from one CA (DESIGN.md's profile: SAN DNS
// name, RFC 3779 blocks, short validity), through lib/policy's X.509 verifier: Ed25519 and
// ECDSA P-256, an intermediate CA, and the X.509 forms of the authorisation failures
// (RFC 7296 §2.15 / §3.6, RFC 5280 §6 and §5, RFC 3779 §2.3, RFC 7427).
#include <catch2/catch.hpp>

#include "crypto/ca_issue.hpp"
#include "scenario.hpp"

using namespace ike;
using namespace ike::test;

namespace {

constexpr Duration settle{120000};
Time at_days(int d) { return sim::start_time() + std::chrono::hours(24 * d); }

crypto::IpAddrBlocks blocks(const TrafficSelector& ts) {
    crypto::IpAddrBlocks b;
    b.add(*crypto::IpRange::range(ts.start.octets(), ts.end.octets()));
    return b;
}

struct X509Pki {
    std::unique_ptr<crypto::Rng> rng;
    std::optional<crypto::CertificateAuthority> ca;

    X509Pki(std::uint64_t seed, crypto::KeyType type, const std::string& name = "Mesh CA") : rng(crypto::make_seeded_rng(seed)) {
        crypto::CaProfile p{name, "meshd", at_days(-365), at_days(3650), 1, std::nullopt,
                            blocks(TrafficSelector::subnet(IpAddress::v4(10, 0, 0, 0), 8))};
        auto r = crypto::CertificateAuthority::create_self_signed(*crypto::PrivateKey::generate(type, *rng), p, *rng);
        REQUIRE(r);
        ca.emplace(std::move(*r));
    }
    std::vector<std::uint8_t> ca_der() const {
        const auto d = ca->certificate().der();
        return {d.begin(), d.end()};
    }
};

struct NodeSpec {
    crypto::KeyType key = crypto::KeyType::Ed25519;
    std::optional<std::string> dns;
    std::optional<TrafficSelector> block;
    Time not_before = at_days(-1);
    Time not_after = at_days(30);
    std::uint64_t serial = 0;
};

sim::Network::Node& add_x509(Mesh& m, X509Pki& pki, int n, NodeSpec s = {}, const X509Pki* trust = nullptr,
                             const std::function<void(Config&)>& tweak = {},
                             const crypto::CertificateAuthority* issuer = nullptr) {
    const std::string name = "node" + std::to_string(n) + ".mesh";
    auto key = std::make_shared<crypto::PrivateKey>(*crypto::PrivateKey::generate(s.key, *pki.rng));
    crypto::NodeProfile p;
    p.common_name = name;
    p.alt_names.dns = {s.dns.value_or(name)};
    p.ip_blocks = blocks(s.block.value_or(subnet(n)));
    p.not_before = s.not_before;
    p.not_after = s.not_after;
    p.serial = s.serial ? s.serial : 100 + static_cast<std::uint64_t>(n);
    const auto& ca = issuer ? *issuer : *pki.ca;
    auto cert = ca.issue_node(key->public_key(), p, *pki.rng);
    REQUIRE(cert);
    Config c;
    c.credentials.local_id = Identity::fqdn(name);
    const auto der = cert->der();
    c.credentials.certificate_chain = {{der.begin(), der.end()}};
    if (issuer) {
        const auto mid = issuer->certificate().der();
        c.credentials.certificate_chain.emplace_back(mid.begin(), mid.end());
    }
    c.credentials.private_key = key;
    c.credentials.ca_certificate = (trust ? *trust : pki).ca_der();
    c.local_traffic = {subnet(n)};
    c.timers.liveness_after = Duration{0};
    if (tweak) tweak(c);
    auto pool = std::make_shared<sim::SpiPool>();
    pool->next = 0x1000u * static_cast<std::uint32_t>(n);
    auto ep = Endpoint::create(std::move(c), crypto::make_seeded_rng(static_cast<std::uint64_t>(n)), sim::make_spi_allocator(pool));
    REQUIRE(ep);
    return m.net.add(name, wan(n), std::move(*ep), pool);
}

void expect_tunnel(Mesh& m, sim::Network::Node& a, sim::Network::Node& b) {
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, settle));
    CHECK(pair_matches(events_of<ChildSaUp>(a).front(), events_of<ChildSaUp>(b).front()));
    CHECK(events_of<IkeSaUp>(a).front().peer_cert_not_after == at_days(30));
}

AuthFailure responder_failure(Mesh& m, sim::Network::Node& a, sim::Network::Node& b) {
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<IkeSaDown>(a) == 1 && no_state(a) && no_state(b); }, settle));
    CHECK(count<ChildSaUp>(a) == 0);
    REQUIRE(count<AuthFailed>(b) == 1);
    CHECK(events_of<AuthFailed>(a).at(0).reason == AuthFailure::peer_rejected_us);
    return events_of<AuthFailed>(b).front().reason;
}

}  // namespace

TEST_CASE("X.509: Ed25519 certificates from one CA set up a tunnel") {
    Mesh m;
    X509Pki pki(1, crypto::KeyType::Ed25519);
    auto& a = add_x509(m, pki, 1);
    auto& b = add_x509(m, pki, 2);
    expect_tunnel(m, a, b);
}

TEST_CASE("X.509: ECDSA P-256 certificates (RFC 7427 ECDSA with SHA-256) set up a tunnel") {
    Mesh m;
    X509Pki pki(2, crypto::KeyType::EcdsaP256);
    NodeSpec ecdsa;
    ecdsa.key = crypto::KeyType::EcdsaP256;
    auto& a = add_x509(m, pki, 1, ecdsa);
    auto& b = add_x509(m, pki, 2, ecdsa);
    expect_tunnel(m, a, b);
}

TEST_CASE("X.509 / RFC 7296 §3.6: a chain through an intermediate CA is sent and verified") {
    Mesh m;
    X509Pki pki(3, crypto::KeyType::Ed25519);
    crypto::CaProfile p{"Site CA", "meshd", at_days(-10), at_days(365), 2, std::nullopt,
                        blocks(TrafficSelector::subnet(IpAddress::v4(10, 0, 0, 0), 16))};
    auto mid = pki.ca->issue_intermediate(*crypto::PrivateKey::generate(crypto::KeyType::Ed25519, *pki.rng), p, *pki.rng);
    REQUIRE(mid);
    auto& a = add_x509(m, pki, 1, {}, nullptr, {}, &*mid);
    auto& b = add_x509(m, pki, 2);
    expect_tunnel(m, a, b);
}

TEST_CASE("X.509: a certificate from another CA is refused (unknown CA)") {
    Mesh m;
    X509Pki pki(4, crypto::KeyType::Ed25519), rogue(5, crypto::KeyType::Ed25519, "Rogue CA");
    auto& a = add_x509(m, rogue, 1, {}, &pki);
    auto& b = add_x509(m, pki, 2);
    CHECK(responder_failure(m, a, b) == AuthFailure::unknown_ca);
}

TEST_CASE("X.509: expired and not-yet-valid certificates are refused") {
    for (const bool expired : {true, false}) {
        Mesh m;
        X509Pki pki(6, crypto::KeyType::Ed25519);
        NodeSpec s;
        s.not_before = expired ? at_days(-40) : at_days(2);
        s.not_after = expired ? at_days(-10) : at_days(40);
        auto& a = add_x509(m, pki, 1, s);
        auto& b = add_x509(m, pki, 2);
        CHECK(responder_failure(m, a, b) == (expired ? AuthFailure::expired : AuthFailure::not_yet_valid));
    }
}

TEST_CASE("X.509 / RFC 5280 §5: a serial on the CA's CRL is refused") {
    Mesh m;
    X509Pki pki(7, crypto::KeyType::Ed25519);
    NodeSpec s;
    s.serial = 4711;
    auto& a = add_x509(m, pki, 1, s);
    const std::uint64_t revoked[] = {4711};
    auto crl = pki.ca->issue_crl(revoked, at_days(-1), at_days(7), 1, *pki.rng);
    REQUIRE(crl);
    auto& b = add_x509(m, pki, 2, {}, nullptr, [&](Config& c) { c.revocation.crls = {*crl}; });
    CHECK(responder_failure(m, a, b) == AuthFailure::revoked);
}

TEST_CASE("X.509: an identity that is no SAN of the certificate is refused") {
    Mesh m;
    X509Pki pki(8, crypto::KeyType::Ed25519);
    NodeSpec s;
    s.dns = "elsewhere.mesh";
    auto& a = add_x509(m, pki, 1, s);
    auto& b = add_x509(m, pki, 2);
    CHECK(responder_failure(m, a, b) == AuthFailure::identity_mismatch);
}

TEST_CASE("X.509 / RFC 3779: selectors outside the certificate's ipAddrBlocks get TS_UNACCEPTABLE") {
    Mesh m;
    X509Pki pki(9, crypto::KeyType::Ed25519);
    NodeSpec s;
    s.block = subnet(77);
    auto& a = add_x509(m, pki, 1, s);
    auto& b = add_x509(m, pki, 2);
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<IkeSaDown>(a) == 1 && no_state(a) && no_state(b); }, settle));
    CHECK(events_of<AuthFailed>(b).at(0).reason == AuthFailure::subnet_not_allowed);
    CHECK(count<ChildSaUp>(a) + count<ChildSaUp>(b) == 0);
}

TEST_CASE("Endpoint::create refuses a trust anchor that is not a CA certificate") {
    X509Pki pki(10, crypto::KeyType::Ed25519);
    Config c;
    c.credentials.local_id = Identity::fqdn("x.mesh");
    c.credentials.certificate_chain = {{1, 2, 3}};
    c.credentials.private_key =
        std::make_shared<crypto::PrivateKey>(*crypto::PrivateKey::generate(crypto::KeyType::Ed25519, *pki.rng));
    c.credentials.ca_certificate = {0x30, 0x03, 0x02, 0x01, 0x01};
    auto ep = Endpoint::create(std::move(c), crypto::make_seeded_rng(1), sim::make_spi_allocator(std::make_shared<sim::SpiPool>()));
    REQUIRE_FALSE(ep);
    CHECK(ep.error() == ConfigError::bad_ca);
}

TEST_CASE("update_credentials: a new CA takes effect: peers only the old CA vouched for go and peers of the new CA get through") {
    Mesh m;
    X509Pki old_ca(11, crypto::KeyType::Ed25519), new_ca(12, crypto::KeyType::Ed25519, "New Mesh CA");
    auto& a = add_x509(m, old_ca, 1);
    auto& b = add_x509(m, old_ca, 2);
    expect_tunnel(m, a, b);
    Credentials renewed;  // node2's certificate from the new CA, trusting the new CA
    Mesh scratch;
    add_x509(scratch, new_ca, 2, {}, nullptr, [&](Config& c) { renewed = c.credentials; });
    REQUIRE(b.endpoint->update_credentials(renewed, m.net.now()));
    REQUIRE(m.net.run_until([&] { return no_state(a) && no_state(b); }, settle));
    CHECK(events_of<IkeSaDown>(b).front().reason == DownReason::revoked);
    CHECK(events_of<AuthFailed>(b).front().reason == AuthFailure::unknown_ca);
    auto& c = add_x509(m, new_ca, 3);
    m.initiate(3, 2);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(c) == 1 && count<ChildSaUp>(b) == 2; }, settle));
    CHECK(pair_matches(events_of<ChildSaUp>(c).front(), events_of<ChildSaUp>(b).back()));
}
