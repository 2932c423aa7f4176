// Signature schemes on Botan 2: the padding/EMSA strings and the DER signature format for ECDSA.
#include "crypto/sign.hpp"

#include "crypto/privkey_impl.hpp"

#include <botan/pubkey.h>

namespace ike::crypto {
namespace {

// Botan 2's name for the scheme's padding ("EMSA" in Botan 2 terms).
const char* botan_padding(SignatureScheme scheme) {
    switch (scheme) {
        case SignatureScheme::Ed25519: return "Pure";
        case SignatureScheme::EcdsaSha256: return "EMSA1(SHA-256)";
        case SignatureScheme::EcdsaSha384: return "EMSA1(SHA-384)";
        case SignatureScheme::EcdsaSha512: return "EMSA1(SHA-512)";
        case SignatureScheme::RsaPssSha256: return "PSSR(SHA-256,MGF1,32)";
        case SignatureScheme::RsaPssSha384: return "PSSR(SHA-384,MGF1,48)";
        case SignatureScheme::RsaPssSha512: return "PSSR(SHA-512,MGF1,64)";
        case SignatureScheme::RsaPkcs1Sha256: return "EMSA3(SHA-256)";
        case SignatureScheme::RsaPkcs1Sha384: return "EMSA3(SHA-384)";
        case SignatureScheme::RsaPkcs1Sha512: return "EMSA3(SHA-512)";
    }
    return "";
}

Botan::Signature_Format botan_format(SignatureScheme scheme) {
    switch (scheme) {
        case SignatureScheme::EcdsaSha256:
        case SignatureScheme::EcdsaSha384:
        case SignatureScheme::EcdsaSha512: return Botan::DER_SEQUENCE;  // RFC 7427 §3: DER
        case SignatureScheme::Ed25519:
        case SignatureScheme::RsaPssSha256:
        case SignatureScheme::RsaPssSha384:
        case SignatureScheme::RsaPssSha512:
        case SignatureScheme::RsaPkcs1Sha256:
        case SignatureScheme::RsaPkcs1Sha384:
        case SignatureScheme::RsaPkcs1Sha512: break;
    }
    return Botan::IEEE_1363;
}

}  // namespace

namespace detail {

std::unique_ptr<Botan::PK_Signer> make_botan_signer(const PrivateKey& key, SignatureScheme scheme,
                                                    Botan::RandomNumberGenerator& rng) {
    return std::make_unique<Botan::PK_Signer>(*key.impl().key, rng, botan_padding(scheme),
                                              botan_format(scheme));
}

}  // namespace detail

HashAlgorithm hash_of(SignatureScheme scheme) noexcept {
    switch (scheme) {
        case SignatureScheme::Ed25519: return HashAlgorithm::Identity;
        case SignatureScheme::EcdsaSha256:
        case SignatureScheme::RsaPssSha256:
        case SignatureScheme::RsaPkcs1Sha256: return HashAlgorithm::Sha256;
        case SignatureScheme::EcdsaSha384:
        case SignatureScheme::RsaPssSha384:
        case SignatureScheme::RsaPkcs1Sha384: return HashAlgorithm::Sha384;
        case SignatureScheme::EcdsaSha512:
        case SignatureScheme::RsaPssSha512:
        case SignatureScheme::RsaPkcs1Sha512: return HashAlgorithm::Sha512;
    }
    return HashAlgorithm::Sha256;
}

bool scheme_fits(SignatureScheme scheme, KeyType key) noexcept {
    switch (scheme) {
        case SignatureScheme::Ed25519: return key == KeyType::Ed25519;
        case SignatureScheme::EcdsaSha256:
        case SignatureScheme::EcdsaSha384:
        case SignatureScheme::EcdsaSha512:
            return key == KeyType::EcdsaP256 || key == KeyType::EcdsaP384 ||
                   key == KeyType::EcdsaP521;
        case SignatureScheme::RsaPssSha256:
        case SignatureScheme::RsaPssSha384:
        case SignatureScheme::RsaPssSha512:
        case SignatureScheme::RsaPkcs1Sha256:
        case SignatureScheme::RsaPkcs1Sha384:
        case SignatureScheme::RsaPkcs1Sha512: return key == KeyType::Rsa;
    }
    return false;
}

CertResult<std::vector<std::uint8_t>> sign(const PrivateKey& key, SignatureScheme scheme,
                                           std::span<const std::uint8_t> data, Rng& rng) {
    if (!scheme_fits(scheme, key.type())) {
        return unexpected(CertError::KeyMismatch);
    }
    detail::BotanRngAdapter brng(rng);
    try {
        const auto signer = detail::make_botan_signer(key, scheme, brng);
        return signer->sign_message(data.data(), data.size(), brng);
    } catch (const std::exception&) {
        return unexpected(CertError::UnsupportedAlgorithm);
    }
}

CertResult<void> verify(const PublicKey& key, SignatureScheme scheme,
                        std::span<const std::uint8_t> data,
                        std::span<const std::uint8_t> signature) {
    if (!scheme_fits(scheme, key.type())) {
        return unexpected(CertError::KeyMismatch);
    }
    try {
        Botan::PK_Verifier verifier(*key.impl().key, botan_padding(scheme), botan_format(scheme));
        if (verifier.verify_message(data.data(), data.size(), signature.data(), signature.size())) {
            return {};
        }
    } catch (const std::exception&) {
        // Botan throws on some malformed encodings (e.g. a DER signature that does not parse):
        // that is a bad signature too.
    }
    return unexpected(CertError::SignatureMismatch);
}

}  // namespace ike::crypto
