// The test CA: certificates it writes parse back with every field, and OpenSSL 3 reads them
// (RFC 3779 blocks shown as sbgp-ipAddrBlock, IPv6 SANs that Botan 2 alone cannot write).
#include "crypto/ca_issue.hpp"

#include "cert_fixture.hpp"

#include <fstream>
#include <string>

using namespace ike::crypto;
using namespace ike::crypto::test;

namespace {

std::string run_openssl(const std::string& args, std::span<const std::uint8_t> der,
                        const std::string& file) {
    const std::string path = std::string(MESHD_BINARY_DIR) + "/" + file;
    {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(der.data()), static_cast<std::streamsize>(der.size()));
    }
    return run_command("openssl " + args + " -inform DER -noout -text -in '" + path + "'");
}

}  // namespace

TEST_CASE("A node certificate written by our CA parses back with every field", "[ca]") {
    auto rng = make_seeded_rng(100);
    const auto ca = make_root(*rng);
    CHECK(ca.certificate().is_ca());
    CHECK(ca.certificate().is_self_issued());
    CHECK(ca.certificate().verify_signed_by(ca.key().public_key()).has_value());
    const auto profile = node_profile("nyc.mesh.example", 7);
    const auto node = make_node(ca, *rng, profile, KeyType::EcdsaP256);
    const auto& c = node.cert;
    CHECK_FALSE(c.is_ca());
    CHECK(c.allows_digital_signature());
    CHECK_FALSE(c.allows_cert_sign());
    CHECK(c.serial() == std::vector<std::uint8_t>{7});
    CHECK(c.not_before() == profile.not_before);
    CHECK(c.not_after() == profile.not_after);
    CHECK(c.alt_names() == profile.alt_names);  // the IPv6 SAN survives
    REQUIRE(c.ip_blocks().has_value());
    CHECK(*c.ip_blocks() == *profile.ip_blocks);
    CHECK_FALSE(c.has_unknown_critical_extension());
    CHECK(c.public_key().type() == KeyType::EcdsaP256);
    CHECK(c.verify_signed_by(ca.key().public_key()).has_value());
    CHECK(c.verify_signed_by(node.key.public_key()).error() == CertError::SignatureMismatch);
    const auto again = Certificate::from_pem(c.to_pem());
    REQUIRE(again.has_value());
    CHECK(std::equal(again->der().begin(), again->der().end(), c.der().begin(), c.der().end()));
    CHECK(Certificate::from_der(std::vector<std::uint8_t>{0x30, 0x03, 0x02, 0x01, 0x01}).error() ==
          CertError::Malformed);
    // Exactly one DER certificate: trailing bytes are refused.
    std::vector<std::uint8_t> trailing(c.der().begin(), c.der().end());
    trailing.push_back(0);
    CHECK(Certificate::from_der(trailing).error() == CertError::Malformed);
}

TEST_CASE("openssl x509 -text shows our RFC 3779 blocks (sbgp-ipAddrBlock) and SANs", "[ca][openssl]") {
    auto rng = make_seeded_rng(101);
    const auto ca = make_root(*rng, KeyType::EcdsaP256);
    const auto node = make_node(ca, *rng, node_profile("nyc.mesh.example", 8));
    const auto text = run_openssl("x509", node.cert.der(), "ca_issue_test_node.der");
    INFO(text);
    CHECK(text.find("sbgp-ipAddrBlock: critical") != std::string::npos);
    CHECK(text.find("IPv4:") != std::string::npos);
    CHECK(text.find("10.0.1.0/24") != std::string::npos);
    CHECK(text.find("IPv6:") != std::string::npos);
    CHECK(text.find("fd00:1::/48") != std::string::npos);
    CHECK(text.find("DNS:nyc.mesh.example") != std::string::npos);
    CHECK(text.find("IP Address:192.0.2.10") != std::string::npos);
    CHECK(text.find("IP Address:2001:DB8:0:0:0:0:0:10") != std::string::npos);
    CHECK(text.find("Digital Signature") != std::string::npos);
    CHECK(text.find("ED25519") != std::string::npos);
}

TEST_CASE("openssl reads our CRL with its revoked serials", "[ca][openssl]") {
    auto rng = make_seeded_rng(102);
    const auto ca = make_root(*rng);
    const std::uint64_t revoked[] = {0x11, 0x2233};
    const auto crl = ca.issue_crl(revoked, kNow - 1h, kNow + 24h * 7, 5, *rng);
    REQUIRE(crl.has_value());
    const auto text = run_openssl("crl", *crl, "ca_issue_test.crl");
    INFO(text);
    CHECK(text.find("Serial Number: 11") != std::string::npos);
    CHECK(text.find("Serial Number: 2233") != std::string::npos);
    CHECK(text.find("X509v3 CRL Number") != std::string::npos);
    CHECK(der_to_pem(*crl, "X509 CRL").find("-----BEGIN X509 CRL-----") == 0);
}

TEST_CASE("The CA refuses RSA keys, bad profiles and a foreign key", "[ca]") {
    auto rng = make_seeded_rng(103);
    auto rsa = PrivateKey::generate(KeyType::Rsa, *rng, 2048);
    REQUIRE(rsa.has_value());
    CHECK(CertificateAuthority::create_self_signed(*rsa, ca_profile("x"), *rng).error() ==
          CertError::UnsupportedAlgorithm);
    auto profile = ca_profile("x");
    profile.not_after = profile.not_before;
    CHECK(CertificateAuthority::create_self_signed(*PrivateKey::generate(KeyType::Ed25519, *rng),
                                                   profile, *rng)
              .error() == CertError::InvalidArgument);
    const auto ca = make_root(*rng);
    auto node = node_profile("a.mesh.example", 0);
    CHECK(ca.issue_node(ca.key().public_key(), node, *rng).error() == CertError::InvalidArgument);
    const auto other = PrivateKey::generate(KeyType::Ed25519, *rng).value();
    CHECK(CertificateAuthority::from(ca.certificate(), other).error() == CertError::KeyMismatch);
    CHECK(CertificateAuthority::from(ca.certificate(), ca.key()).has_value());
}
