// Raw signature creation and verification for IKEv2 authentication (RFC 7427 schemes): the
// input is the AUTH octets (RFC 7296 §2.15), computed elsewhere; ECDSA signatures are DER.
#pragma once

#include "crypto/cert_error.hpp"
#include "crypto/privkey.hpp"
#include "crypto/pubkey.hpp"
#include "crypto/rng.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ike::crypto {

// IANA "IKEv2 Hash Algorithms" (RFC 7427 §7, RFC 8420 for Identity). The underlying type holds
// any 16-bit value: a peer may announce numbers we do not know.
enum class HashAlgorithm : std::uint16_t {
    Sha1 = 1,
    Sha256 = 2,
    Sha384 = 3,
    Sha512 = 4,
    Identity = 5,  // "no hash": the signer hashes itself (Ed25519, RFC 8420)
};

enum class SignatureScheme {
    Ed25519,
    EcdsaSha256,
    EcdsaSha384,
    EcdsaSha512,
    RsaPssSha256,  // MGF1 with the same hash, salt length = hash length
    RsaPssSha384,
    RsaPssSha512,
    RsaPkcs1Sha256,  // verification interop only (strongSwan's default for RSA keys); never chosen
    RsaPkcs1Sha384,
    RsaPkcs1Sha512,
};

HashAlgorithm hash_of(SignatureScheme scheme) noexcept;

// Whether a scheme can be used with a key of this type (ECDSA schemes fit every NIST curve).
bool scheme_fits(SignatureScheme scheme, KeyType key) noexcept;

CertResult<std::vector<std::uint8_t>> sign(const PrivateKey& key, SignatureScheme scheme,
                                           std::span<const std::uint8_t> data, Rng& rng);

// SignatureMismatch when the signature is wrong, KeyMismatch when the scheme does not fit the key.
CertResult<void> verify(const PublicKey& key, SignatureScheme scheme,
                        std::span<const std::uint8_t> data,
                        std::span<const std::uint8_t> signature);

}  // namespace ike::crypto
