// lib/crypto's additions for meshca: PKCS#10 requests (RFC 2986) made and checked for every node
// key type, CRL entries with revocation dates and reason codes (RFC 5280 §5.3.1), cRLNumber, and
// CA signatures over arbitrary bytes.
#include "crypto/ca_issue.hpp"
#include "crypto/crl.hpp"
#include "crypto/csr.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace ike::crypto;
using namespace std::chrono_literals;

const TimePoint kNow = TimePoint(std::chrono::seconds(1767225600));

CertificateAuthority make_ca(KeyType type, std::uint64_t seed) {
    auto rng = make_seeded_rng(seed);
    auto key = PrivateKey::generate(type, *rng);
    REQUIRE(key.has_value());
    CaProfile p;
    p.common_name = "mesh CA";
    p.not_before = kNow - 24h;
    p.not_after = kNow + 24h * 365;
    auto ca = CertificateAuthority::create_self_signed(std::move(*key), p, *rng);
    REQUIRE(ca.has_value());
    return std::move(*ca);
}

}  // namespace

TEST_CASE("a certificate request for each node key type verifies and names the node", "[meshca][csr]") {
    auto rng = make_seeded_rng(5);
    for (const auto type : {KeyType::Ed25519, KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::Rsa}) {
        auto key = PrivateKey::generate(type, *rng, 2048);
        REQUIRE(key.has_value());
        const auto req = CertificateRequest::create(*key, "nyc.mesh.example", *rng);
        REQUIRE(req.has_value());
        const auto back = CertificateRequest::from_pem(req->to_pem());
        REQUIRE(back.has_value());
        CHECK(back->verify_signature().has_value());
        CHECK(back->common_name() == "nyc.mesh.example");
        CHECK(back->alt_names().dns == std::vector<std::string>{"nyc.mesh.example"});
        CHECK(back->public_key().type() == type);
        const auto a = back->public_key().spki_der();
        const auto b = key->public_key().spki_der();
        CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
    }
}

TEST_CASE("a certificate request with a changed byte does not verify", "[meshca][csr]") {
    auto rng = make_seeded_rng(6);
    auto key = PrivateKey::generate(KeyType::Ed25519, *rng);
    REQUIRE(key.has_value());
    const auto req = CertificateRequest::create(*key, "nyc.mesh.example", *rng);
    REQUIRE(req.has_value());
    std::vector<std::uint8_t> der(req->der().begin(), req->der().end());
    // the 'n' of the name in the subject CN: still parses, no longer verifies
    const std::string name = "nyc";
    const auto it = std::search(der.begin(), der.end(), name.begin(), name.end());
    REQUIRE(it != der.end());
    *it = 'm';
    const auto changed = CertificateRequest::from_der(der);
    REQUIRE_FALSE(changed.has_value());
    CHECK(changed.error() == CertError::SignatureMismatch);
    CHECK_FALSE(CertificateRequest::from_pem("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n").has_value());
    CHECK_FALSE(CertificateRequest::from_pem("no PEM").has_value());
}

TEST_CASE("a CRL carries cRLNumber, revocation dates and reasons", "[meshca][crl]") {
    const auto ca = make_ca(KeyType::EcdsaP256, 7);
    auto rng = make_seeded_rng(8);
    const std::vector<RevokedEntry> revoked{
        {4, kNow - 2h, RevocationReason::KeyCompromise},
        {300, kNow - 1h, RevocationReason::Superseded},
        {9, kNow - 3h, std::nullopt},
    };
    const auto der = ca.issue_crl_entries(revoked, kNow, kNow + 24h * 7, 42, *rng);
    REQUIRE(der.has_value());
    const auto crl = Crl::from_der(*der);
    REQUIRE(crl.has_value());
    CHECK(crl->verify_issued_by(ca.certificate()).has_value());
    CHECK(crl->crl_number() == 42);
    const auto entries = crl->entries();
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].serial == std::vector<std::uint8_t>{4});
    CHECK(entries[0].reason == 1);
    CHECK(entries[0].revoked_at == kNow - 2h);
    CHECK(entries[1].serial == std::vector<std::uint8_t>{0x01, 0x2c});
    CHECK(entries[1].reason == 4);
    CHECK(entries[2].reason == 0);
    CHECK(crl->revokes(std::vector<std::uint8_t>{0x01, 0x2c}));
    CHECK_FALSE(crl->revokes(std::vector<std::uint8_t>{5}));
    const std::vector<RevokedEntry> zero{{0, kNow, std::nullopt}};
    CHECK_FALSE(ca.issue_crl_entries(zero, kNow, kNow + 1h, 1, *rng).has_value());
}

TEST_CASE("CA signatures over bytes verify with the CA certificate only", "[meshca][sign]") {
    for (const auto type : {KeyType::Ed25519, KeyType::EcdsaP256, KeyType::EcdsaP384}) {
        const auto ca = make_ca(type, 10);
        const auto other = make_ca(type, 11);
        auto rng = make_seeded_rng(12);
        const std::vector<std::uint8_t> data{'m', 'e', 's', 'h'};
        const auto sig = ca.sign_bytes(data, *rng);
        REQUIRE(sig.has_value());
        CHECK(verify_ca_signature(ca.certificate(), data, *sig).has_value());
        CHECK_FALSE(verify_ca_signature(other.certificate(), data, *sig).has_value());
        auto changed = data;
        changed[0] ^= 1;
        CHECK_FALSE(verify_ca_signature(ca.certificate(), changed, *sig).has_value());
    }
}
