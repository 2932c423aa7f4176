// Peer certificate verification for IKE_AUTH (RFC 7296 §2.15, RFC 4945): one named error per
// failure, every certificate made in the test by our CA at a fixed "now".
#include "crypto/x509_verify.hpp"

#include "crypto/auth_sig.hpp"
#include "crypto/cert_cache.hpp"

#include "cert_fixture.hpp"

#include <fstream>
#include <string>

using namespace ike::crypto;
using namespace ike::crypto::test;

namespace {

struct Pki {
    std::unique_ptr<Rng> rng = make_seeded_rng(200);
    CertificateAuthority root = make_root(*rng);
    TrustAnchor anchor = TrustAnchor::create(root.certificate()).value();
};

CertificateAuthority make_intermediate(const CertificateAuthority& parent, Rng& rng,
                                       std::optional<std::size_t> path_limit = std::nullopt,
                                       std::string cn = "meshd test intermediate") {
    auto profile = ca_profile(std::move(cn), 2);
    profile.path_limit = path_limit;
    profile.ip_blocks = blocks_of({"10.0.0.0/16", "fd00::/16"});
    auto key = PrivateKey::generate(KeyType::EcdsaP256, rng);
    REQUIRE(key.has_value());
    auto ca = parent.issue_intermediate(std::move(*key), profile, rng);
    REQUIRE(ca.has_value());
    return std::move(*ca);
}

CertError chain_error(const TrustAnchor& anchor, const Certificate& leaf,
                      std::span<const Certificate> inter = {}, TimePoint now = kNow) {
    const auto r = verify_certificate_chain(anchor, leaf, inter, now);
    REQUIRE_FALSE(r.has_value());
    return r.error();
}

std::string write_file(const std::string& name, const std::string& text) {
    const std::string path = std::string(MESHD_BINARY_DIR) + "/" + name;
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST_CASE("A valid chain root -> intermediate -> node verifies (also under OpenSSL)", "[x509]") {
    Pki pki;
    const auto inter = make_intermediate(pki.root, *pki.rng);
    const auto node = make_node(inter, *pki.rng, node_profile("nyc.mesh.example", 10));
    const Certificate chain[] = {inter.certificate()};
    const auto peer = verify_certificate_chain(pki.anchor, node.cert, chain, kNow);
    REQUIRE(peer.has_value());
    CHECK(peer->certificate().subject() == node.cert.subject());
    REQUIRE(peer->ip_blocks().has_value());
    CHECK(peer->check_subnet(*IpRange::parse("10.0.1.0/25")).has_value());
    // Intermediates arrive in any order, with strays among them.
    const auto stray = make_root(*pki.rng, KeyType::Ed25519, "unrelated");
    const Certificate shuffled[] = {stray.certificate(), inter.certificate()};
    CHECK(verify_certificate_chain(pki.anchor, node.cert, shuffled, kNow).has_value());
    // Without the intermediate there is no path to the CA.
    CHECK(chain_error(pki.anchor, node.cert) == CertError::UnknownCa);

    // Cross-check: OpenSSL 3 accepts the same chain, RFC 3779 checks included.
    const auto ca = write_file("x509_verify_root.pem", pki.root.certificate().to_pem());
    const auto in = write_file("x509_verify_inter.pem", inter.certificate().to_pem());
    const auto leaf = write_file("x509_verify_leaf.pem", node.cert.to_pem());
    const auto at = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                       kNow.time_since_epoch()).count());
    const auto out = run_command("openssl verify -attime " + at + " -CAfile " + ca + " -untrusted " +
                           in + " " + leaf);
    INFO(out);
    CHECK(out.find(": OK") != std::string::npos);
}

TEST_CASE("A certificate from another CA: UnknownCa, or SignatureMismatch under the same name",
          "[x509]") {
    Pki pki;
    const auto other = make_root(*pki.rng, KeyType::EcdsaP256, "some other root");
    const auto node = make_node(other, *pki.rng, node_profile("evil.mesh.example", 11));
    CHECK(chain_error(pki.anchor, node.cert) == CertError::UnknownCa);
    // Same subject name as our root, different key: the key identifiers tell them apart.
    const auto impostor = make_root(*pki.rng, KeyType::Ed25519, "meshd test root");
    const auto forged = make_node(impostor, *pki.rng, node_profile("evil.mesh.example", 12));
    CHECK(chain_error(pki.anchor, forged.cert) == CertError::UnknownCa);
    // Names and key identifiers right, signature wrong: a tampered certificate.
    const auto node_ok = make_node(pki.root, *pki.rng, node_profile("nyc.mesh.example", 15));
    std::vector<std::uint8_t> der(node_ok.cert.der().begin(), node_ok.cert.der().end());
    der.back() ^= 0x01;  // inside the Ed25519 signature value
    const auto tampered = Certificate::from_der(der);
    REQUIRE(tampered.has_value());
    CHECK(chain_error(pki.anchor, *tampered) == CertError::SignatureMismatch);
}

TEST_CASE("Validity at the time passed in: Expired and NotYetValid", "[x509]") {
    Pki pki;
    auto profile = node_profile("nyc.mesh.example", 13);
    const auto node = make_node(pki.root, *pki.rng, profile);
    CHECK(verify_certificate_chain(pki.anchor, node.cert, {}, kNow).has_value());
    CHECK(chain_error(pki.anchor, node.cert, {}, profile.not_after + 1s) == CertError::Expired);
    CHECK(chain_error(pki.anchor, node.cert, {}, profile.not_before - 1s) ==
          CertError::NotYetValid);
    // An expired intermediate fails the chain even when the leaf is current.
    auto inter_profile = ca_profile("short-lived intermediate", 3);
    inter_profile.not_after = kNow - 1h;
    inter_profile.not_before = kNow - 48h;
    const auto inter = pki.root.issue_intermediate(
        PrivateKey::generate(KeyType::Ed25519, *pki.rng).value(), inter_profile, *pki.rng);
    REQUIRE(inter.has_value());
    const auto leaf = make_node(*inter, *pki.rng, node_profile("sf.mesh.example", 14));
    const Certificate chain[] = {inter->certificate()};
    CHECK(chain_error(pki.anchor, leaf.cert, chain) == CertError::Expired);
    // The earliest notAfter of the chain is when the peer must re-authenticate.
    const auto peer = verify_certificate_chain(pki.anchor, node.cert, {}, kNow).value();
    CHECK(peer.chain_not_after() == profile.not_after);
    CHECK(peer.chain_not_after() < pki.root.certificate().not_after());
}

TEST_CASE("Revocation by a CA-signed CRL: Revoked — a forged CRL: CrlInvalid — an expired one still revokes", "[x509]") {
    Pki pki;
    const auto good = make_node(pki.root, *pki.rng, node_profile("nyc.mesh.example", 20));
    const auto bad = make_node(pki.root, *pki.rng, node_profile("lost.mesh.example", 21));
    const std::uint64_t revoked[] = {21, 99};
    const auto crl_der = pki.root.issue_crl(revoked, kNow - 1h, kNow + 24h, 1, *pki.rng);
    REQUIRE(crl_der.has_value());
    auto crl = Crl::from_der(*crl_der);
    REQUIRE(crl.has_value());
    CHECK(crl->revoked_count() == 2);
    REQUIRE(pki.anchor.set_crl(*crl).has_value());
    CHECK(verify_certificate_chain(pki.anchor, good.cert, {}, kNow).has_value());
    CHECK(chain_error(pki.anchor, bad.cert) == CertError::Revoked);
    // Past nextUpdate the CRL stays in force (a late CA operator must not take the mesh down):
    // its serials are revoked, the others pass; strict expiry refuses everyone instead.
    CHECK(verify_certificate_chain(pki.anchor, good.cert, {}, kNow + 25h).has_value());
    CHECK(chain_error(pki.anchor, bad.cert, {}, kNow + 25h) == CertError::Revoked);
    CHECK(verify_certificate_chain(pki.anchor, good.cert, {}, kNow + 25h, CrlExpiry::strict).error() ==
          CertError::CrlExpired);
    CHECK(verify_certificate_chain(pki.anchor, good.cert, {}, kNow, CrlExpiry::strict).has_value());
    // A CRL signed by someone else is refused and the installed one stays.
    const auto other = make_root(*pki.rng, KeyType::Ed25519, "meshd test root");
    const auto forged = other.issue_crl({}, kNow - 1h, kNow + 24h, 2, *pki.rng);
    REQUIRE(forged.has_value());
    CHECK(pki.anchor.set_crl(Crl::from_der(*forged).value()).error() == CertError::CrlInvalid);
    CHECK(chain_error(pki.anchor, bad.cert) == CertError::Revoked);
    // Several CRLs: any listing revokes; only the newest (highest cRLNumber) counts for expiry.
    const std::uint64_t later[] = {20};
    const auto newer_der = pki.root.issue_crl(later, kNow + 20h, kNow + 48h, 2, *pki.rng);
    const auto newer = Crl::from_der(newer_der.value()).value();
    const Crl both[] = {*crl, newer};
    REQUIRE(pki.anchor.set_crls(both).has_value());
    CHECK(pki.anchor.crls().size() == 2);
    CHECK(chain_error(pki.anchor, good.cert, {}, kNow + 25h) == CertError::Revoked);
    CHECK(chain_error(pki.anchor, bad.cert, {}, kNow + 25h) == CertError::Revoked);
    CHECK(chain_error(pki.anchor, good.cert, {}, kNow + 49h) == CertError::Revoked);
    CHECK(verify_certificate_chain(pki.anchor, good.cert, {}, kNow + 25h, CrlExpiry::strict).error() == CertError::Revoked);
    CHECK(crl->crl_number() == 1);
    CHECK(newer.crl_number() == 2);
    REQUIRE(pki.anchor.set_crls({}).has_value());
    CHECK(verify_certificate_chain(pki.anchor, bad.cert, {}, kNow).has_value());
    // PEM round trip of the CRL.
    CHECK(Crl::from_pem(der_to_pem(*crl_der, "X509 CRL")).value().revokes(std::vector<std::uint8_t>{21}));
    CHECK(Crl::from_der(std::vector<std::uint8_t>{0x30, 0x00}).error() == CertError::Malformed);
}

TEST_CASE("RFC 5280 §6.3: each certificate against its issuer's CRL — the intermediate's CRL revokes its nodes", "[x509]") {
    Pki pki;
    auto inter = pki.root.issue_intermediate(PrivateKey::generate(KeyType::Ed25519, *pki.rng).value(),
                                             ca_profile("mesh intermediate", 7), *pki.rng);
    REQUIRE(inter.has_value());
    const auto a = make_node(*inter, *pki.rng, node_profile("nyc.mesh.example", 40));
    const auto b = make_node(*inter, *pki.rng, node_profile("sf.mesh.example", 41));
    const Certificate chain[] = {inter->certificate()};
    const std::uint64_t node40[] = {40};
    const auto inter_crl = Crl::from_der(inter->issue_crl(node40, kNow - 1h, kNow + 24h, 1, *pki.rng).value()).value();
    // Unknown intermediate: its CRL cannot be checked, so it is refused.
    CHECK(pki.anchor.set_crl(inter_crl).error() == CertError::CrlInvalid);
    REQUIRE(pki.anchor.learn_intermediate(inter->certificate()).has_value());
    REQUIRE(pki.anchor.set_crl(inter_crl).has_value());
    CHECK(chain_error(pki.anchor, a.cert, chain) == CertError::Revoked);
    CHECK(verify_certificate_chain(pki.anchor, b.cert, chain, kNow).has_value());
    // The root's CRL listing the intermediate revokes everything under it.
    const std::uint64_t serial7[] = {7};
    const auto root_crl = Crl::from_der(pki.root.issue_crl(serial7, kNow - 1h, kNow + 24h, 1, *pki.rng).value()).value();
    const Crl both[] = {inter_crl, root_crl};
    REQUIRE(pki.anchor.set_crls(both).has_value());
    CHECK(chain_error(pki.anchor, b.cert, chain) == CertError::Revoked);
    // A serial on the root's CRL does not revoke the intermediate's node with the same serial.
    const std::uint64_t serial41[] = {41};
    const auto root41 = Crl::from_der(pki.root.issue_crl(serial41, kNow - 1h, kNow + 24h, 2, *pki.rng).value()).value();
    REQUIRE(pki.anchor.set_crl(root41).has_value());
    CHECK(verify_certificate_chain(pki.anchor, b.cert, chain, kNow).has_value());
    // A node certificate is no CA: never learned as an intermediate.
    CHECK_FALSE(pki.anchor.learn_intermediate(a.cert).has_value());
}

TEST_CASE("RFC 4945 §3.1: the IKE identity must match a SAN or the subject", "[x509]") {
    Pki pki;
    const auto node = make_node(pki.root, *pki.rng, node_profile("nyc.mesh.example", 30));
    const auto peer = verify_certificate_chain(pki.anchor, node.cert, {}, kNow).value();
    const auto v4a = v4("192.0.2.10");
    const auto v4b = v4("192.0.2.11");
    const auto v6a = v6("2001:db8::10");
    const auto v6b = v6("2001:db8::11");

    CHECK(peer.check_identity(IdType::Fqdn, bytes("nyc.mesh.example")).has_value());
    CHECK(peer.check_identity(IdType::Fqdn, bytes("NYC.Mesh.Example")).has_value());
    CHECK(peer.check_identity(IdType::Fqdn, bytes("sf.mesh.example")).error() ==
          CertError::IdentityMismatch);
    CHECK(peer.check_identity(IdType::Ipv4Addr, v4a).has_value());
    CHECK(peer.check_identity(IdType::Ipv4Addr, v4b).error() == CertError::IdentityMismatch);
    CHECK(peer.check_identity(IdType::Ipv6Addr, v6a).has_value());
    CHECK(peer.check_identity(IdType::Ipv6Addr, v6b).error() == CertError::IdentityMismatch);
    CHECK(peer.check_identity(IdType::Ipv4Addr, v6a).error() == CertError::Malformed);
    CHECK(peer.check_identity(IdType::Rfc822Addr, bytes("ops@nyc.mesh.example")).has_value());
    CHECK(peer.check_identity(IdType::Rfc822Addr, bytes("root@nyc.mesh.example")).error() ==
          CertError::IdentityMismatch);
    const auto subject = node.cert.subject_dn_der();
    CHECK(peer.check_identity(IdType::DerAsn1Dn,
                              std::vector<std::uint8_t>(subject.begin(), subject.end()))
              .has_value());
    const auto other_dn = pki.root.certificate().subject_dn_der();
    CHECK(peer.check_identity(IdType::DerAsn1Dn,
                              std::vector<std::uint8_t>(other_dn.begin(), other_dn.end()))
              .error() == CertError::IdentityMismatch);
    CHECK(peer.check_identity(IdType::KeyId, bytes("nyc")).error() == CertError::IdentityMismatch);
}

TEST_CASE("RFC 3779: subnets outside the blocks are SubnetNotAllowed", "[x509]") {
    Pki pki;
    const auto node = make_node(pki.root, *pki.rng, node_profile("nyc.mesh.example", 40));
    const auto peer = verify_certificate_chain(pki.anchor, node.cert, {}, kNow).value();
    CHECK(peer.check_subnet(*IpRange::parse("10.0.1.0/24")).has_value());
    CHECK(peer.check_subnet(*IpRange::parse("10.0.1.42")).has_value());
    CHECK(peer.check_subnet(*IpRange::parse("fd00:1:0:7::/64")).has_value());
    CHECK(peer.check_subnet(*IpRange::parse("10.0.2.0/24")).error() == CertError::SubnetNotAllowed);
    CHECK(peer.check_subnet(*IpRange::parse("10.0.0.0/16")).error() == CertError::SubnetNotAllowed);
    CHECK(peer.check_subnet(*IpRange::parse("fd00:2::/48")).error() == CertError::SubnetNotAllowed);

    // A node claiming blocks its issuer does not hold fails the chain itself (RFC 3779 §2.3).
    auto greedy = node_profile("greedy.mesh.example", 41);
    greedy.ip_blocks = blocks_of({"192.168.0.0/16"});
    const auto g = make_node(pki.root, *pki.rng, greedy);
    CHECK(chain_error(pki.anchor, g.cert) == CertError::SubnetNotAllowed);
    // ... also below an intermediate holding only 10.0.0.0/16.
    const auto inter = make_intermediate(pki.root, *pki.rng);
    auto wide = node_profile("wide.mesh.example", 42);
    wide.ip_blocks = blocks_of({"10.1.0.0/24"});
    const auto w = make_node(inter, *pki.rng, wide);
    const Certificate chain[] = {inter.certificate()};
    CHECK(chain_error(pki.anchor, w.cert, chain) == CertError::SubnetNotAllowed);
    // "inherit" takes the issuer's blocks.
    auto heir = node_profile("heir.mesh.example", 43);
    heir.ip_blocks = IpAddrBlocks{};
    heir.ip_blocks->set_inherit(IpFamily::V4);
    const auto h = make_node(inter, *pki.rng, heir);
    const auto hp = verify_certificate_chain(pki.anchor, h.cert, chain, kNow);
    REQUIRE(hp.has_value());
    CHECK(hp->check_subnet(*IpRange::parse("10.0.200.0/24")).has_value());
    CHECK(hp->check_subnet(*IpRange::parse("fd00::/64")).error() == CertError::SubnetNotAllowed);
    // A certificate without the extension may claim nothing.
    auto none = node_profile("none.mesh.example", 44);
    none.ip_blocks.reset();
    const auto n = make_node(pki.root, *pki.rng, none);
    const auto np = verify_certificate_chain(pki.anchor, n.cert, {}, kNow).value();
    CHECK(np.check_subnet(*IpRange::parse("10.0.1.1")).error() == CertError::SubnetNotAllowed);
}

TEST_CASE("Key usage, CA flags and path length", "[x509]") {
    Pki pki;
    auto profile = node_profile("nyc.mesh.example", 50);
    profile.digital_signature = false;
    const auto node = make_node(pki.root, *pki.rng, profile);
    CHECK(chain_error(pki.anchor, node.cert) == CertError::BadKeyUsage);
    // A node certificate cannot be configured as the CA.
    const auto leaf = make_node(pki.root, *pki.rng, node_profile("a.mesh.example", 51));
    CHECK(TrustAnchor::create(leaf.cert).error() == CertError::NotACa);
    // pathLenConstraint 0 on the intermediate: it may not certify another CA.
    const auto inter = make_intermediate(pki.root, *pki.rng, 0);
    const auto sub = make_intermediate(inter, *pki.rng, std::nullopt, "sub intermediate");
    const auto deep = make_node(sub, *pki.rng, node_profile("deep.mesh.example", 52));
    const Certificate chain[] = {sub.certificate(), inter.certificate()};
    CHECK(chain_error(pki.anchor, deep.cert, chain) == CertError::ChainTooLong);
    const auto open_inter = make_intermediate(pki.root, *pki.rng, std::nullopt, "open");
    const auto open_sub = make_intermediate(open_inter, *pki.rng, std::nullopt, "open sub");
    const auto ok = make_node(open_sub, *pki.rng, node_profile("ok.mesh.example", 53));
    const Certificate open_chain[] = {open_sub.certificate(), open_inter.certificate()};
    CHECK(verify_certificate_chain(pki.anchor, ok.cert, open_chain, kNow).has_value());
}

TEST_CASE("RFC 7296 §3.7 CERTREQ: SHA-1 of the CA's SubjectPublicKeyInfo", "[x509]") {
    Pki pki;
    const auto hash = pki.anchor.certreq_hash();
    // Independent computation with OpenSSL.
    const auto pem = write_file("x509_certreq_root.pem", pki.root.certificate().to_pem());
    const auto out = run_command("openssl x509 -in " + pem +
                           " -noout -pubkey | openssl pkey -pubin -outform DER | "
                           "openssl dgst -sha1 -r");
    const auto hex_hash = to_hex(hash);
    const auto out256 = run_command("openssl x509 -in " + pem +
                                    " -noout -pubkey | openssl pkey -pubin -outform DER | "
                                    "openssl dgst -sha256 -r");
    CHECK(out256.rfind(to_hex(pki.root.certificate().spki_sha256()), 0) == 0);
    INFO(out);
    CHECK(out.rfind(hex_hash, 0) == 0);

    const auto other = make_root(*pki.rng, KeyType::EcdsaP256, "other");
    const auto other_hash = other.certificate().spki_sha1();
    std::vector<std::uint8_t> list(other_hash.begin(), other_hash.end());
    CHECK_FALSE(pki.anchor.matches_certreq(list).value());
    list.insert(list.end(), hash.begin(), hash.end());
    CHECK(pki.anchor.matches_certreq(list).value());
    list.pop_back();
    CHECK(pki.anchor.matches_certreq(list).error() == CertError::Malformed);
}

TEST_CASE("IKE_AUTH end to end: certificate chain, identity, subnet, then the AUTH signature",
          "[x509][auth_sig]") {
    Pki pki;
    const auto inter = make_intermediate(pki.root, *pki.rng);
    const auto octets = bytes("RealMessage1 | NonceRData | prf(SK_pi, IDi')");
    for (const auto type : {KeyType::Ed25519, KeyType::EcdsaP384, KeyType::Rsa}) {
        INFO("key type " << static_cast<int>(type));
        const auto node = make_node(inter, *pki.rng, node_profile("nyc.mesh.example", 60), type);
        // Initiator: signs with a hash the responder announced (RFC 7427 §4).
        const auto auth = make_signature_auth(node.key, supported_hash_algorithms(), octets, *pki.rng);
        REQUIRE(auth.has_value());
        // Responder: receives CERT payloads as DER, verifies everything from them.
        CertificateCache cache;
        const auto leaf = cache.get(node.cert.der()).value();
        const auto mid = cache.get(inter.certificate().der()).value();
        const auto peer = verify_certificate_chain(pki.anchor, leaf, std::span(&mid, 1), kNow);
        REQUIRE(peer.has_value());
        CHECK(peer->check_identity(IdType::Fqdn, bytes("nyc.mesh.example")).has_value());
        CHECK(peer->check_subnet(*IpRange::parse("10.0.1.0/24")).has_value());
        CHECK(verify_signature_auth(peer->certificate().public_key(), supported_hash_algorithms(),
                                    *auth, octets)
                  .has_value());
        // The signature of another node does not pass for this one.
        const auto other = make_node(inter, *pki.rng, node_profile("sf.mesh.example", 61), type);
        CHECK(verify_signature_auth(other.cert.public_key(), supported_hash_algorithms(), *auth,
                                    octets)
                  .error() == CertError::SignatureMismatch);
    }
}
