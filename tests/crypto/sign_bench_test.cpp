// Cost of IKE authentication primitives, in µs per operation: AUTH sign/verify per scheme,
// certificate parse (where the public key load happens, once) and chain verification.
// Hidden: run with `test_crypto "[.bench]"`.
#include "crypto/auth_sig.hpp"
#include "crypto/x509_verify.hpp"

#include "cert_fixture.hpp"

#include <chrono>
#include <cstdio>

using namespace ike::crypto;
using namespace ike::crypto::test;

namespace {

template <typename F>
double micros_per_op(int n, F&& f) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
        f();
    }
    const std::chrono::duration<double, std::micro> d = std::chrono::steady_clock::now() - start;
    return d.count() / n;
}

}  // namespace

TEST_CASE("bench: AUTH signatures and certificate verification", "[.bench]") {
    auto rng = make_seeded_rng(900);
    const auto octets = std::vector<std::uint8_t>(600, 0x5a);  // a typical IKE_SA_INIT + extras
    struct Row {
        const char* name;
        KeyType key;
        SignatureScheme scheme;
        int n;
    };
    const Row rows[] = {
        {"Ed25519", KeyType::Ed25519, SignatureScheme::Ed25519, 200},
        {"ECDSA P-256 SHA-256", KeyType::EcdsaP256, SignatureScheme::EcdsaSha256, 200},
        {"ECDSA P-384 SHA-384", KeyType::EcdsaP384, SignatureScheme::EcdsaSha384, 100},
        {"ECDSA P-521 SHA-512", KeyType::EcdsaP521, SignatureScheme::EcdsaSha512, 50},
        {"RSA-3072 PSS SHA-256", KeyType::Rsa, SignatureScheme::RsaPssSha256, 20},
    };
    std::printf("\n%-24s %12s %12s %14s\n", "scheme", "sign µs", "verify µs", "cert parse µs");
    for (const auto& r : rows) {
        const auto key = PrivateKey::generate(r.key, *rng).value();
        const auto sig = sign(key, r.scheme, octets, *rng).value();
        const double s = micros_per_op(r.n, [&] { REQUIRE(sign(key, r.scheme, octets, *rng)); });
        const double v = micros_per_op(r.n * 2, [&] {
            REQUIRE(verify(key.public_key(), r.scheme, octets, sig));
        });
        // Parsing a certificate loads its key once (for RSA the expensive part).
        const auto ca = make_root(*rng);
        const auto cert = ca.issue_node(key.public_key(), node_profile("b.mesh.example", 5), *rng).value();
        const double p = micros_per_op(r.n, [&] { REQUIRE(Certificate::from_der(cert.der())); });
        std::printf("%-24s %12.1f %12.1f %14.1f\n", r.name, s, v, p);
    }

    const auto root = make_root(*rng);
    const auto anchor = TrustAnchor::create(root.certificate()).value();
    auto inter_profile = ca_profile("bench intermediate", 2);
    const auto inter = root.issue_intermediate(PrivateKey::generate(KeyType::Ed25519, *rng).value(),
                                               inter_profile, *rng).value();
    const auto node = make_node(inter, *rng, node_profile("c.mesh.example", 6));
    const Certificate chain[] = {inter.certificate()};
    const double direct = micros_per_op(200, [&] {
        REQUIRE(verify_certificate_chain(anchor, node.cert, chain, kNow));
    });
    const double with_parse = micros_per_op(200, [&] {
        const auto leaf = Certificate::from_der(node.cert.der()).value();
        const auto mid = Certificate::from_der(inter.certificate().der()).value();
        REQUIRE(verify_certificate_chain(anchor, leaf, std::span(&mid, 1), kNow));
    });
    const double anchor_once = micros_per_op(200, [&] {
        REQUIRE(TrustAnchor::create(root.certificate()));
    });
    std::printf("%-44s %10.1f\n", "chain verify, Ed25519 root+intermediate", direct);
    std::printf("%-44s %10.1f\n", "  same, parsing both certificates first", with_parse);
    std::printf("%-44s %10.1f\n", "TrustAnchor::create (root self-signature)", anchor_once);
}
