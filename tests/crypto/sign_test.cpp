// Signature schemes for IKEv2 AUTH: known answers (RFC 8032 §7.1, RFC 4754 §8.1) and round trips
// for every scheme, with a flipped bit that must fail.
#include "crypto/sign.hpp"

#include "cert_test_util.hpp"

#include <catch2/catch.hpp>

using namespace ike::crypto;
using ike::crypto::test::concat;
using ike::crypto::test::hex;

namespace {

// RFC 8410 §7 PKCS#8 wrapping of an Ed25519 seed, so the vectors load through our PKCS#8 path.
PrivateKey ed25519_from_seed(std::string_view seed_hex) {
    auto der = concat(hex("302e020100300506032b657004220420"), hex(seed_hex));
    auto key = PrivateKey::from_pkcs8_der(der);
    REQUIRE(key.has_value());
    return *key;
}

struct Ed25519Vector {
    const char* name;
    const char* seed;
    const char* pub;
    const char* msg;
    const char* sig;
};

const PrivateKey& rsa_key() {
    static const PrivateKey key = [] {
        auto rng = make_seeded_rng(3072);
        auto k = PrivateKey::generate(KeyType::Rsa, *rng);
        REQUIRE(k.has_value());
        return *k;
    }();
    return key;
}

}  // namespace

TEST_CASE("RFC 8032 §7.1 Ed25519 test vectors through sign/verify", "[sign][kat]") {
    const Ed25519Vector vectors[] = {
        {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e397"
         "01cf9b46bd25bf5f0595bbe24655141438e7a100b"},
        {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f361"
         "3d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
        {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f76"
         "0984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    };
    auto rng = make_seeded_rng(1);
    for (const auto& v : vectors) {
        INFO(v.name);
        const auto key = ed25519_from_seed(v.seed);
        CHECK(key.type() == KeyType::Ed25519);
        // SubjectPublicKeyInfo = id-Ed25519 header | the 32-byte public key (RFC 8410 §4).
        const auto spki = key.public_key().spki_der();
        CHECK(std::vector<std::uint8_t>(spki.begin(), spki.end()) ==
              concat(hex("302a300506032b6570032100"), hex(v.pub)));
        const auto msg = hex(v.msg);
        const auto sig = sign(key, SignatureScheme::Ed25519, msg, *rng);
        REQUIRE(sig.has_value());
        CHECK(*sig == hex(v.sig));
        CHECK(verify(key.public_key(), SignatureScheme::Ed25519, msg, *sig).has_value());
        auto bad = *sig;
        bad[10] ^= 0x01;
        const auto r = verify(key.public_key(), SignatureScheme::Ed25519, msg, bad);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == CertError::SignatureMismatch);
    }
}

TEST_CASE("RFC 4754 §8.1 ECDSA-256 signature verifies (DER form of r|s, RFC 7427 §3)",
          "[sign][kat]") {
    // Public key gw = (gwx, gwy) as an uncompressed point in a P-256 SubjectPublicKeyInfo.
    const auto spki = concat(
        hex("3059301306072a8648ce3d020106082a8648ce3d030107034200 04"),
        hex("2442A5CC0ECD015FA3CA31DC8E2BBC70BF42D60CBCA20085E0822CB04235E970"
            "6FC98BD7E50211A4A27102FA3549DF79EBCB4BF246B80945CDDFE7D509BBFD7D"));
    const auto pub = PublicKey::from_spki_der(spki);
    REQUIRE(pub.has_value());
    CHECK(pub->type() == KeyType::EcdsaP256);
    // r and s both have the top bit set, hence the leading 00 in each INTEGER.
    const auto sig = concat(
        concat(hex("3046 022100"),
               hex("CB28E0999B9C7715FD0A80D8E47A77079716CBBF917DD72E97566EA1C066957C")),
        concat(hex("022100"),
               hex("86FA3BB4E26CAD5BF90B7F81899256CE7594BB1EA0C89212748BFF3B3D5B0315")));
    const auto msg = ike::crypto::test::bytes("abc");
    CHECK(verify(*pub, SignatureScheme::EcdsaSha256, msg, sig).has_value());
    auto bad = sig;
    bad[40] ^= 0x80;
    CHECK(verify(*pub, SignatureScheme::EcdsaSha256, msg, bad).error() ==
          CertError::SignatureMismatch);
    CHECK(verify(*pub, SignatureScheme::EcdsaSha384, msg, sig).error() ==
          CertError::SignatureMismatch);
    CHECK(verify(*pub, SignatureScheme::Ed25519, msg, sig).error() == CertError::KeyMismatch);
}

TEST_CASE("Every signature scheme round-trips — a flipped bit fails", "[sign]") {
    struct Case {
        KeyType key;
        SignatureScheme scheme;
    };
    using S = SignatureScheme;
    const Case cases[] = {
        {KeyType::Ed25519, S::Ed25519},          {KeyType::EcdsaP256, S::EcdsaSha256},
        {KeyType::EcdsaP256, S::EcdsaSha512},    {KeyType::EcdsaP384, S::EcdsaSha384},
        {KeyType::EcdsaP521, S::EcdsaSha512},    {KeyType::Rsa, S::RsaPssSha256},
        {KeyType::Rsa, S::RsaPssSha384},         {KeyType::Rsa, S::RsaPssSha512},
        {KeyType::Rsa, S::RsaPkcs1Sha256},       {KeyType::Rsa, S::RsaPkcs1Sha512},
    };
    auto rng = make_seeded_rng(7);
    const auto octets = ike::crypto::test::bytes("RealMessage1 | NonceR | prf(SK_pi, IDi')");
    for (const auto& c : cases) {
        INFO("scheme " << static_cast<int>(c.scheme));
        const PrivateKey key = c.key == KeyType::Rsa ? rsa_key() : *PrivateKey::generate(c.key, *rng);
        CHECK(key.type() == c.key);
        const auto sig = sign(key, c.scheme, octets, *rng);
        REQUIRE(sig.has_value());
        CHECK(verify(key.public_key(), c.scheme, octets, *sig).has_value());
        for (const std::size_t bit : {std::size_t{0}, sig->size() * 8 / 2, sig->size() * 8 - 1}) {
            auto bad = *sig;
            bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            CHECK(verify(key.public_key(), c.scheme, octets, bad).error() ==
                  CertError::SignatureMismatch);
        }
        auto other = octets;
        other.back() ^= 1;
        CHECK_FALSE(verify(key.public_key(), c.scheme, other, *sig).has_value());
    }
}

TEST_CASE("Keys survive PKCS#8 PEM and DER — garbage is Malformed", "[sign][keys]") {
    auto rng = make_seeded_rng(11);
    for (const auto type : {KeyType::Ed25519, KeyType::EcdsaP256, KeyType::EcdsaP384,
                            KeyType::EcdsaP521}) {
        const auto key = PrivateKey::generate(type, *rng);
        REQUIRE(key.has_value());
        const auto pem = key->to_pem();
        CHECK(pem.find("-----BEGIN PRIVATE KEY-----") == 0);
        const auto again = PrivateKey::from_pem(pem);
        REQUIRE(again.has_value());
        CHECK(again->type() == type);
        const auto a = again->public_key().spki_der();
        const auto b = key->public_key().spki_der();
        CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
        const auto der = key->to_pkcs8_der();
        CHECK(PrivateKey::from_pkcs8_der(der).has_value());
    }
    // Encrypted PKCS#8 (the CA key on disk): right passphrase loads, wrong one does not.
    const auto ed = PrivateKey::generate(KeyType::Ed25519, *rng).value();
    const auto enc = ed.to_encrypted_pem("correct horse", *rng, 1000);
    REQUIRE(enc.has_value());
    CHECK(enc->find("-----BEGIN ENCRYPTED PRIVATE KEY-----") == 0);
    const auto dec = PrivateKey::from_pem(*enc, "correct horse");
    REQUIRE(dec.has_value());
    const auto s1 = dec->public_key().spki_der();
    const auto s2 = ed.public_key().spki_der();
    CHECK(std::equal(s1.begin(), s1.end(), s2.begin(), s2.end()));
    CHECK_FALSE(PrivateKey::from_pem(*enc, "battery staple").has_value());
    CHECK(PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
              .error() == CertError::Malformed);
    CHECK(PublicKey::from_spki_der(hex("3000")).error() == CertError::Malformed);
    CHECK(rsa_key().public_key().bits() == 3072);
    CHECK(PrivateKey::generate(KeyType::Rsa, *rng, 1024).error() == CertError::InvalidArgument);
}
