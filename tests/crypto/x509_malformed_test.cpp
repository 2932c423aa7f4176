// Hostile bytes never escape as exceptions: mutated certificates, CRLs, SANs, IP blocks and AUTH
// data come back as values (CertError) or as objects that still verify consistently.
#include "crypto/auth_sig.hpp"
#include "crypto/x509_verify.hpp"

#include "cert_fixture.hpp"

#include <fstream>
#include <iterator>
#include <utility>

using namespace ike::crypto;
using namespace ike::crypto::test;

namespace {

// Deterministic mutations: flip, truncate, or insert bytes at positions drawn from the Rng.
std::vector<std::uint8_t> mutate(std::span<const std::uint8_t> in, Rng& rng) {
    std::vector<std::uint8_t> out(in.begin(), in.end());
    std::array<std::uint8_t, 4> r{};
    rng.fill(r);
    const std::size_t pos = (static_cast<std::size_t>(r[0]) << 8 | r[1]) % (out.size() + 1);
    switch (r[2] % 3) {
        case 0:
            if (pos < out.size()) out[pos] ^= static_cast<std::uint8_t>(r[3] | 1);
            break;
        case 1: out.resize(pos); break;
        case 2: out.insert(out.begin() + static_cast<std::ptrdiff_t>(pos), r[3]); break;
    }
    return out;
}

template <typename Cert>
constexpr bool has_der_view = requires(Cert&& c) { std::forward<Cert>(c).der(); };
template <typename Cert>
constexpr bool has_dn_views = requires(Cert&& c) {
    std::forward<Cert>(c).subject_dn_der();
    std::forward<Cert>(c).issuer_dn_der();
};

}  // namespace

// ikepeer once took `load_cert(path).der()` and sent the freed bytes as its intermediate: the
// views into a Certificate are only available on objects that outlive the statement.
TEST_CASE("a Certificate's DER views cannot be taken from a temporary", "[x509][lifetime]") {
    STATIC_REQUIRE(has_der_view<const Certificate&>);
    STATIC_REQUIRE(has_dn_views<Certificate&>);
    STATIC_REQUIRE_FALSE(has_der_view<Certificate>);
    STATIC_REQUIRE_FALSE(has_der_view<const Certificate>);
    STATIC_REQUIRE_FALSE(has_dn_views<Certificate>);
}

TEST_CASE("Mutated DER never throws and never verifies as the original", "[x509][malformed]") {
    auto rng = make_seeded_rng(500);
    const auto ca = make_root(*rng);
    const auto anchor = TrustAnchor::create(ca.certificate()).value();
    const auto node = make_node(ca, *rng, node_profile("nyc.mesh.example", 9), KeyType::EcdsaP256);
    const std::uint64_t serials[] = {9};
    const auto crl = ca.issue_crl(serials, kNow - 1h, kNow + 1h, 1, *rng).value();
    const auto blocks = node.cert.ip_blocks()->encode_der();
    const auto san = encode_subject_alt_names(node.cert.alt_names());
    const auto octets = bytes("octets");
    const auto auth = make_signature_auth(node.key, supported_hash_algorithms(), octets, *rng).value();

    int verified = 0;
    for (int i = 0; i < 2000; ++i) {
        const auto der = mutate(node.cert.der(), *rng);
        const bool same = std::equal(der.begin(), der.end(), node.cert.der().begin(),
                                     node.cert.der().end());  // a truncation at the very end
        const auto cert = Certificate::from_der(der);
        if (!same && cert && verify_certificate_chain(anchor, *cert, {}, kNow)) {
            ++verified;
        }
        const auto c = Crl::from_der(mutate(crl, *rng));
        if (c) {
            (void)c->verify_issued_by(ca.certificate());
        }
        (void)IpAddrBlocks::decode_der(mutate(blocks, *rng));
        (void)decode_subject_alt_names(mutate(san, *rng));
        const auto a = mutate(auth, *rng);
        const auto r = verify_signature_auth(node.cert.public_key(), supported_hash_algorithms(), a, octets);
        if (r) {
            CHECK(a == auth);
        }
    }
    CHECK(verified == 0);
}

// fuzz/x509 found that a validity time Botan cannot convert (a year before 1970: a valid UTCTime)
// reached the noexcept accessors and terminated the process; a peer's certificate dated 1960
// aborted an ikepeer responder before authentication. Such certificates and CRLs are malformed.
TEST_CASE("X.509: a certificate or CRL dated before 1970 is refused as malformed, not a crash", "[crypto][x509]") {
    const auto read = [](const char* name) {
        std::ifstream in(std::string(MESHD_SOURCE_DIR) + "/fuzz/x509/corpus/" + name, std::ios::binary);
        REQUIRE(in);
        return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    const auto cert = Certificate::from_der(read("regress-cert-not-before-1960.der"));
    REQUIRE_FALSE(cert);
    CHECK(cert.error() == CertError::Malformed);
    const auto crl = Crl::from_der(read("regress-crl-time-before-1970.der"));
    REQUIRE_FALSE(crl);
    CHECK(crl.error() == CertError::Malformed);
}
