// Two Endpoints on the simulated network authenticating with real X.509 chains through the
// verifier Endpoint::create builds when Config::verifier is null: what tests/sa/x509_test.cpp
// does not cover (mixed Ed25519 / ECDSA-P256 peers, the initiator refusing the responder's CA,
// RFC 3779 narrowing, our own key not matching our certificate). RFC 7296 §1.2, §2.15, §2.9.
#include "x509_mesh.hpp"

using namespace ike;
using namespace ike::test;
using namespace ike::test::x509;

namespace {

std::vector<AuthFailure> reasons(const sim::Network::Node& n) {
    std::vector<AuthFailure> out;
    for (const auto& f : events_of<AuthFailed>(n)) out.push_back(f.reason);
    return out;
}

}  // namespace

TEST_CASE("RFC 7296 §1.2, §2.15: Ed25519 and ECDSA-P256 nodes with X.509 certificates set up IKE and child SAs") {
    X509Mesh m;
    auto& a = m.add(1, KeyType::Ed25519);
    auto& b = m.add(2, KeyType::EcdsaP256);
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, settle));
    CHECK(pair_matches(events_of<ChildSaUp>(a).front(), events_of<ChildSaUp>(b).front()));
    CHECK(events_of<IkeSaUp>(a).front().peer_id == Identity::fqdn("node2.mesh"));
    CHECK(events_of<IkeSaUp>(b).front().peer_id == Identity::fqdn("node1.mesh"));
    CHECK(events_of<ChildSaUp>(b).front().remote_ts == TrafficSelectors{subnet(1)});
    CHECK(count<AuthFailed>(a) + count<AuthFailed>(b) == 0);
    // The peer must re-authenticate before its certificate expires (node_profile: 30 days).
    CHECK(events_of<IkeSaUp>(a).front().peer_cert_not_after == now0() + 24h * 30);
}

TEST_CASE("RFC 7296 §2.21.2: a responder certificate from another CA gives unknown_ca at the initiator") {
    X509Mesh m;
    auto rogue = make_root(*m.rng, "rogue root");
    auto& a = m.add(1, KeyType::EcdsaP256);
    auto& b = m.add(2, KeyType::Ed25519, node_profile(2), &rogue);
    m.run_failure(1, 2);
    CHECK(reasons(a) == std::vector{AuthFailure::unknown_ca});
    CHECK(reasons(b) == std::vector{AuthFailure::peer_rejected_us});
}

TEST_CASE("RFC 7296 §2.9 / RFC 3779: TSi wider than the initiator's IP blocks is narrowed to them") {
    X509Mesh m;
    auto p = node_profile(1);
    p.ip_blocks = blocks({"10.0.1.0/25"});
    auto& a = m.add(1, KeyType::EcdsaP256, p);
    auto& b = m.add(2, KeyType::Ed25519);
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, settle));
    const auto half = TrafficSelector::subnet(IpAddress::v4(10, 0, 1, 0), 25);
    CHECK(events_of<ChildSaUp>(b).front().remote_ts == TrafficSelectors{half});
    CHECK(events_of<ChildSaUp>(a).front().local_ts == TrafficSelectors{half});
}

TEST_CASE("Endpoint::create with the X.509 verifier: bad CA and a key that is not the certificate's") {
    X509Mesh m;
    const auto node = issue(m.ca, *m.rng, node_profile(1));
    const auto other = issue(m.ca, *m.rng, node_profile(2));
    auto spis = [] { return sim::make_spi_allocator(std::make_shared<sim::SpiPool>()); };
    auto c = m.config(1, node);
    c.credentials.ca_certificate = der(node.cert);  // not a CA
    CHECK(Endpoint::create(c, crypto::make_seeded_rng(1), spis()).error() == ConfigError::bad_ca);
    c = m.config(1, node);
    c.credentials.private_key = other.key;
    CHECK(Endpoint::create(c, crypto::make_seeded_rng(1), spis()).error() == ConfigError::key_mismatch);
    CHECK(Endpoint::create(m.config(1, node), crypto::make_seeded_rng(1), spis()));
}
