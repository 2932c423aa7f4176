// RFC 7427 AUTH data: Appendix A AlgorithmIdentifier encodings, the AUTH data layout (§3), and
// the SIGNATURE_HASH_ALGORITHMS negotiation (§4, RFC 8420 for Ed25519's Identity hash).
#include "crypto/auth_sig.hpp"

#include "cert_test_util.hpp"

#include <catch2/catch.hpp>

using namespace ike::crypto;
using ike::crypto::test::bytes;
using ike::crypto::test::hex;

namespace {
std::vector<std::uint8_t> vec(std::span<const std::uint8_t> s) { return {s.begin(), s.end()}; }
}  // namespace

TEST_CASE("RFC 7427 Appendix A AlgorithmIdentifier encodings", "[auth_sig][kat]") {
    using S = SignatureScheme;
    // A.3.2-A.3.4 ecdsa-with-sha256/384/512, exactly as printed.
    CHECK(vec(algorithm_identifier_der(S::EcdsaSha256)) == hex("300a06082a8648ce3d040302"));
    CHECK(vec(algorithm_identifier_der(S::EcdsaSha384)) == hex("300a06082a8648ce3d040303"));
    CHECK(vec(algorithm_identifier_der(S::EcdsaSha512)) == hex("300a06082a8648ce3d040304"));
    // A.1.2-A.1.4 sha256/384/512WithRSAEncryption, exactly as printed.
    CHECK(vec(algorithm_identifier_der(S::RsaPkcs1Sha256)) ==
          hex("300d06092a864886f70d01010b0500"));
    CHECK(vec(algorithm_identifier_der(S::RsaPkcs1Sha384)) ==
          hex("300d06092a864886f70d01010c0500"));
    CHECK(vec(algorithm_identifier_der(S::RsaPkcs1Sha512)) ==
          hex("300d06092a864886f70d01010d0500"));
    // RFC 8420 §2: id-Ed25519 with absent parameters.
    CHECK(vec(algorithm_identifier_der(S::Ed25519)) == hex("300506032b6570"));
    // A.4.3 RSASSA-PSS with SHA-256, corrected per the errata: the printed example encodes the
    // default trailerField (a3 03 02 01 01), which DER forbids; the canonical form drops it and
    // the lengths shrink by 5 (0x46 -> 0x41, 0x39 -> 0x34). Identical to what OpenSSL 3 emits.
    const auto pss256 = hex(
        "3041 06092a864886f70d01010a 3034"
        " a00f 300d 0609608648016503040201 0500"
        " a11c 301a 06092a864886f70d010108 300d 0609608648016503040201 0500"
        " a203 020120");
    CHECK(vec(algorithm_identifier_der(S::RsaPssSha256)) == pss256);
    const auto pss384 = vec(algorithm_identifier_der(S::RsaPssSha384));
    CHECK(pss384.size() == pss256.size());
    CHECK(pss384.back() == 48);
    CHECK(vec(algorithm_identifier_der(S::RsaPssSha512)).back() == 64);

    // Every encoding parses back to its scheme.
    for (const auto s : {S::Ed25519, S::EcdsaSha256, S::EcdsaSha384, S::EcdsaSha512,
                         S::RsaPssSha256, S::RsaPssSha384, S::RsaPssSha512, S::RsaPkcs1Sha256,
                         S::RsaPkcs1Sha384, S::RsaPkcs1Sha512}) {
        const auto parsed = parse_algorithm_identifier(algorithm_identifier_der(s));
        REQUIRE(parsed.has_value());
        CHECK(*parsed == s);
    }
}

TEST_CASE("RFC 7427 A.4.3 as printed (explicit default trailer) is still accepted",
          "[auth_sig][kat]") {
    const auto as_printed = hex(
        "3046 06092a864886f70d01010a 3039"
        " a00f 300d 0609608648016503040201 0500"
        " a11c 301a 06092a864886f70d010108 300d 0609608648016503040201 0500"
        " a203 020120 a303 020101");
    const auto parsed = parse_algorithm_identifier(as_printed);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == SignatureScheme::RsaPssSha256);
    // Hash parameters absent instead of NULL (RFC 4055 §2.1: both MUST be accepted).
    const auto no_null = hex(
        "303d 06092a864886f70d01010a 3030"
        " a00d 300b 0609608648016503040201"
        " a11a 3018 06092a864886f70d010108 300b 0609608648016503040201"
        " a203 020120");
    CHECK(parse_algorithm_identifier(no_null).value() == SignatureScheme::RsaPssSha256);
    // A.4.2: PSS with default parameters means SHA-1: refused.
    CHECK(parse_algorithm_identifier(hex("300d06092a864886f70d01010a3000")).error() ==
          CertError::UnsupportedAlgorithm);
    // Salt length 20 with SHA-256: not a parameter set we sign or accept.
    const auto salt20 = hex(
        "3041 06092a864886f70d01010a 3034"
        " a00f 300d 0609608648016503040201 0500"
        " a11c 301a 06092a864886f70d010108 300d 0609608648016503040201 0500"
        " a203 020114");
    CHECK(parse_algorithm_identifier(salt20).error() == CertError::UnsupportedAlgorithm);
    // A.1.1 sha1WithRSAEncryption: unsupported. Truncated DER: malformed.
    CHECK(parse_algorithm_identifier(hex("300d06092a864886f70d0101050500")).error() ==
          CertError::UnsupportedAlgorithm);
    CHECK(parse_algorithm_identifier(hex("300a06082a8648ce3d0403")).error() ==
          CertError::Malformed);
}

TEST_CASE("RFC 7427 §4 SIGNATURE_HASH_ALGORITHMS content", "[auth_sig]") {
    const auto ours = supported_hash_algorithms();
    CHECK(encode_hash_algorithms(ours) == hex("0002 0003 0004 0005"));
    const auto decoded = decode_hash_algorithms(hex("0001 0002 0005 1234"));
    REQUIRE(decoded.has_value());
    REQUIRE(decoded->size() == 4);
    CHECK((*decoded)[0] == HashAlgorithm::Sha1);
    CHECK((*decoded)[2] == HashAlgorithm::Identity);
    CHECK(static_cast<std::uint16_t>((*decoded)[3]) == 0x1234);  // unknown ids are kept
    CHECK(decode_hash_algorithms(hex("000200")).error() == CertError::Malformed);
}

TEST_CASE("RFC 7427 §4: the signer uses only a hash the peer announced", "[auth_sig]") {
    using H = HashAlgorithm;
    using S = SignatureScheme;
    const std::vector<H> all{H::Sha256, H::Sha384, H::Sha512, H::Identity};
    CHECK(choose_signature_scheme(KeyType::Ed25519, all).value() == S::Ed25519);
    CHECK(choose_signature_scheme(KeyType::EcdsaP256, all).value() == S::EcdsaSha256);
    CHECK(choose_signature_scheme(KeyType::EcdsaP384, all).value() == S::EcdsaSha384);
    CHECK(choose_signature_scheme(KeyType::EcdsaP521, all).value() == S::EcdsaSha512);
    CHECK(choose_signature_scheme(KeyType::Rsa, all).value() == S::RsaPssSha256);
    const std::vector<H> only512{H::Sha512};
    CHECK(choose_signature_scheme(KeyType::EcdsaP256, only512).value() == S::EcdsaSha512);
    CHECK(choose_signature_scheme(KeyType::Rsa, only512).value() == S::RsaPssSha512);
    CHECK(choose_signature_scheme(KeyType::Ed25519, only512).error() == CertError::NoCommonHash);
    const std::vector<H> sha1{H::Sha1};
    CHECK(choose_signature_scheme(KeyType::EcdsaP256, sha1).error() == CertError::NoCommonHash);
    CHECK(choose_signature_scheme(KeyType::EcdsaP256, {}).error() == CertError::NoCommonHash);
}

TEST_CASE("RFC 7427 §3 AUTH data: sign, verify, refuse what we did not announce",
          "[auth_sig]") {
    auto rng = make_seeded_rng(42);
    const auto octets = bytes("InitiatorSignedOctets");
    for (const auto type : {KeyType::Ed25519, KeyType::EcdsaP256, KeyType::EcdsaP384}) {
        const auto key = PrivateKey::generate(type, *rng).value();
        const auto auth = make_signature_auth(key, supported_hash_algorithms(), octets, *rng);
        REQUIRE(auth.has_value());
        // Layout: 1-byte length of the AlgorithmIdentifier, the identifier, the signature.
        const auto scheme = choose_signature_scheme(type, supported_hash_algorithms()).value();
        const auto alg = algorithm_identifier_der(scheme);
        REQUIRE((*auth)[0] == alg.size());
        CHECK(std::equal(alg.begin(), alg.end(), auth->begin() + 1));
        CHECK(verify_signature_auth(key.public_key(), supported_hash_algorithms(), *auth, octets)
                  .has_value());

        auto flipped = *auth;
        flipped.back() ^= 0x40;
        CHECK(verify_signature_auth(key.public_key(), supported_hash_algorithms(), flipped, octets)
                  .error() == CertError::SignatureMismatch);
        // We announced only SHA-512: a SHA-256/384/Identity signature is refused before any math.
        const std::vector<HashAlgorithm> only512{HashAlgorithm::Sha512};
        CHECK(verify_signature_auth(key.public_key(), only512, *auth, octets).error() ==
              CertError::HashNotAnnounced);
    }
    const auto ed = PrivateKey::generate(KeyType::Ed25519, *rng).value();
    const auto ec = PrivateKey::generate(KeyType::EcdsaP256, *rng).value();
    const auto auth = make_signature_auth(ed, supported_hash_algorithms(), octets, *rng).value();
    CHECK(verify_signature_auth(ec.public_key(), supported_hash_algorithms(), auth, octets)
              .error() == CertError::KeyMismatch);
    CHECK(decode_signature_auth_data(hex("07300506032b6570")).error() == CertError::Malformed);
    CHECK(decode_signature_auth_data(hex("20300506")).error() == CertError::Malformed);
    CHECK(decode_signature_auth_data({}).error() == CertError::Malformed);
}
