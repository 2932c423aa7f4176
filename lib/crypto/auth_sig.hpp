// RFC 7427 Digital Signature authentication (AUTH method 14): the authentication data
// (ASN.1 length | AlgorithmIdentifier | signature), the SIGNATURE_HASH_ALGORITHMS notify content,
// and the choice of a scheme both sides support. The AUTH octets themselves come from the key
// schedule (RFC 7296 §2.15); this file only signs and checks them.
#pragma once

#include "crypto/cert_error.hpp"
#include "crypto/sign.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ike::crypto {

inline constexpr std::uint8_t kAuthMethodDigitalSignature = 14;

// The canonical DER AlgorithmIdentifier we emit for a scheme (RFC 7427 Appendix A; for RSA-PSS
// as corrected by its errata: DER, so the default trailerField is not encoded).
std::span<const std::uint8_t> algorithm_identifier_der(SignatureScheme scheme) noexcept;

// Any of our encodings, and BER variants of RSASSA-PSS parameters (explicit default trailer,
// absent hash parameters) that other implementations send. Unknown OIDs: UnsupportedAlgorithm.
CertResult<SignatureScheme> parse_algorithm_identifier(std::span<const std::uint8_t> der);

// The AUTH payload's Authentication Data for method 14 (RFC 7427 §3).
std::vector<std::uint8_t> encode_signature_auth_data(SignatureScheme scheme,
                                                     std::span<const std::uint8_t> signature);

struct SignatureAuthData {
    SignatureScheme scheme;
    std::span<const std::uint8_t> signature;  // points into the decoded buffer
};
CertResult<SignatureAuthData> decode_signature_auth_data(std::span<const std::uint8_t> data);

// SIGNATURE_HASH_ALGORITHMS (notify 16431) content: 2-byte hash ids, network order (RFC 7427 §4).
std::vector<std::uint8_t> encode_hash_algorithms(std::span<const HashAlgorithm> hashes);
CertResult<std::vector<HashAlgorithm>> decode_hash_algorithms(std::span<const std::uint8_t> data);

// What we announce: SHA2-256/384/512 and Identity (Ed25519). SHA-1 is never announced.
std::span<const HashAlgorithm> supported_hash_algorithms() noexcept;

// The scheme to sign with, using only a hash the peer announced (NoCommonHash otherwise).
// ECDSA prefers the hash matching its curve; RSA always uses PSS.
CertResult<SignatureScheme> choose_signature_scheme(KeyType key,
                                                    std::span<const HashAlgorithm> peer_hashes);

// Signs the AUTH octets and returns the whole Authentication Data.
CertResult<std::vector<std::uint8_t>> make_signature_auth(
    const PrivateKey& key, std::span<const HashAlgorithm> peer_hashes,
    std::span<const std::uint8_t> auth_octets, Rng& rng);

// Checks the peer's Authentication Data against the AUTH octets with the key of its
// (already verified) certificate; refuses a hash we did not announce (HashNotAnnounced).
CertResult<void> verify_signature_auth(const PublicKey& key,
                                       std::span<const HashAlgorithm> we_announced,
                                       std::span<const std::uint8_t> auth_data,
                                       std::span<const std::uint8_t> auth_octets);

}  // namespace ike::crypto
