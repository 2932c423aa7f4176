// RFC 7427 AUTH data and hash negotiation. The AlgorithmIdentifiers are fixed byte strings
// (Appendix A); only RSASSA-PSS parameters need real parsing, since peers encode them differently.
#include "crypto/auth_sig.hpp"

#include <botan/asn1_obj.h>
#include <botan/ber_dec.h>

#include <algorithm>
#include <array>

namespace ike::crypto {
namespace {

// RFC 7427 Appendix A.3 (ECDSA), RFC 8420 §2 (Ed25519), A.1 (PKCS#1 v1.5), A.4 with errata (PSS).
constexpr std::uint8_t kEd25519[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
constexpr std::uint8_t kEcdsaSha256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                         0xce, 0x3d, 0x04, 0x03, 0x02};
constexpr std::uint8_t kEcdsaSha384[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                         0xce, 0x3d, 0x04, 0x03, 0x03};
constexpr std::uint8_t kEcdsaSha512[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                         0xce, 0x3d, 0x04, 0x03, 0x04};
#define MESHD_RSA_PKCS1(last)                                                                   \
    {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, last, 0x05, 0x00}
constexpr std::uint8_t kPkcs1Sha256[] = MESHD_RSA_PKCS1(0x0b);
constexpr std::uint8_t kPkcs1Sha384[] = MESHD_RSA_PKCS1(0x0c);
constexpr std::uint8_t kPkcs1Sha512[] = MESHD_RSA_PKCS1(0x0d);
#undef MESHD_RSA_PKCS1
// RSASSA-PSS-params { [0] hash, [1] mgf1(hash), [2] saltLength = hash length }; hash
// AlgorithmIdentifiers carry NULL parameters as in the RFC's own example.
#define MESHD_RSA_PSS(h, salt)                                                                  \
    {0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x34,  \
     0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, h,     \
     0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,  \
     0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, h,     \
     0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, salt}
constexpr std::uint8_t kPssSha256[] = MESHD_RSA_PSS(0x01, 0x20);
constexpr std::uint8_t kPssSha384[] = MESHD_RSA_PSS(0x02, 0x30);
constexpr std::uint8_t kPssSha512[] = MESHD_RSA_PSS(0x03, 0x40);
#undef MESHD_RSA_PSS

struct Entry {
    SignatureScheme scheme;
    std::span<const std::uint8_t> der;
};
constexpr std::array<Entry, 10> kTable{{
    {SignatureScheme::Ed25519, kEd25519},
    {SignatureScheme::EcdsaSha256, kEcdsaSha256},
    {SignatureScheme::EcdsaSha384, kEcdsaSha384},
    {SignatureScheme::EcdsaSha512, kEcdsaSha512},
    {SignatureScheme::RsaPssSha256, kPssSha256},
    {SignatureScheme::RsaPssSha384, kPssSha384},
    {SignatureScheme::RsaPssSha512, kPssSha512},
    {SignatureScheme::RsaPkcs1Sha256, kPkcs1Sha256},
    {SignatureScheme::RsaPkcs1Sha384, kPkcs1Sha384},
    {SignatureScheme::RsaPkcs1Sha512, kPkcs1Sha512},
}};

constexpr std::array<HashAlgorithm, 4> kSupported{HashAlgorithm::Sha256, HashAlgorithm::Sha384,
                                                  HashAlgorithm::Sha512, HashAlgorithm::Identity};

bool contains(std::span<const HashAlgorithm> list, HashAlgorithm h) {
    return std::find(list.begin(), list.end(), h) != list.end();
}

struct PssHash {
    const char* oid;
    SignatureScheme scheme;
    std::size_t length;
};
constexpr std::array<PssHash, 3> kPssHashes{{
    {"2.16.840.1.101.3.4.2.1", SignatureScheme::RsaPssSha256, 32},
    {"2.16.840.1.101.3.4.2.2", SignatureScheme::RsaPssSha384, 48},
    {"2.16.840.1.101.3.4.2.3", SignatureScheme::RsaPssSha512, 64},
}};

bool absent_or_null(const std::vector<std::uint8_t>& params) {
    return params.empty() || params == std::vector<std::uint8_t>{0x05, 0x00};
}

// RSASSA-PSS-params (RFC 4055 §3.1), accepting BER forms of the parameters we support: the hash
// with NULL or absent parameters, an explicit default trailerField. SHA-1 (the default hash) and
// any salt length other than the hash length are refused.
CertResult<SignatureScheme> parse_pss_params(const std::vector<std::uint8_t>& params) {
    Botan::AlgorithmIdentifier hash;
    Botan::AlgorithmIdentifier mgf;
    std::size_t salt = 20;
    std::size_t trailer = 1;
    const auto ctx = Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED);
    Botan::BER_Decoder(params)
        .start_cons(Botan::SEQUENCE)
        .decode_optional(hash, Botan::ASN1_Tag(0), ctx, Botan::AlgorithmIdentifier())
        .decode_optional(mgf, Botan::ASN1_Tag(1), ctx, Botan::AlgorithmIdentifier())
        .decode_optional(salt, Botan::ASN1_Tag(2), ctx, std::size_t{20})
        .decode_optional(trailer, Botan::ASN1_Tag(3), ctx, std::size_t{1})
        .end_cons()
        .verify_end();
    for (const auto& h : kPssHashes) {
        if (hash.get_oid() != Botan::OID(h.oid)) {
            continue;
        }
        if (!absent_or_null(hash.get_parameters())) {
            return unexpected(CertError::Malformed);
        }
        if (mgf.get_oid() != Botan::OID("1.2.840.113549.1.1.8")) {
            return unexpected(CertError::UnsupportedAlgorithm);
        }
        Botan::AlgorithmIdentifier mgf_hash;
        Botan::BER_Decoder(mgf.get_parameters()).decode(mgf_hash).verify_end();
        if (mgf_hash.get_oid() != hash.get_oid() || salt != h.length || trailer != 1) {
            return unexpected(CertError::UnsupportedAlgorithm);
        }
        return h.scheme;
    }
    return unexpected(CertError::UnsupportedAlgorithm);
}

}  // namespace

std::span<const std::uint8_t> algorithm_identifier_der(SignatureScheme scheme) noexcept {
    for (const auto& e : kTable) {
        if (e.scheme == scheme) {
            return e.der;
        }
    }
    return {};
}

CertResult<SignatureScheme> parse_algorithm_identifier(std::span<const std::uint8_t> der) {
    for (const auto& e : kTable) {
        if (std::equal(der.begin(), der.end(), e.der.begin(), e.der.end())) {
            return e.scheme;
        }
    }
    try {
        Botan::AlgorithmIdentifier alg;
        Botan::BER_Decoder(der.data(), der.size()).decode(alg).verify_end();
        if (alg.get_oid() == Botan::OID("1.2.840.113549.1.1.10")) {
            return parse_pss_params(alg.get_parameters());
        }
        return unexpected(CertError::UnsupportedAlgorithm);
    } catch (const std::exception&) {
        return unexpected(CertError::Malformed);
    }
}

std::vector<std::uint8_t> encode_signature_auth_data(SignatureScheme scheme,
                                                     std::span<const std::uint8_t> signature) {
    const auto alg = algorithm_identifier_der(scheme);
    std::vector<std::uint8_t> out;
    out.reserve(1 + alg.size() + signature.size());
    out.push_back(static_cast<std::uint8_t>(alg.size()));
    out.insert(out.end(), alg.begin(), alg.end());
    out.insert(out.end(), signature.begin(), signature.end());
    return out;
}

CertResult<SignatureAuthData> decode_signature_auth_data(std::span<const std::uint8_t> data) {
    if (data.empty() || data[0] == 0 || data.size() < 1u + data[0] + 1u) {
        return unexpected(CertError::Malformed);
    }
    const std::size_t alg_len = data[0];
    auto scheme = parse_algorithm_identifier(data.subspan(1, alg_len));
    if (!scheme) {
        return unexpected(scheme.error());
    }
    return SignatureAuthData{*scheme, data.subspan(1 + alg_len)};
}

std::vector<std::uint8_t> encode_hash_algorithms(std::span<const HashAlgorithm> hashes) {
    std::vector<std::uint8_t> out;
    out.reserve(2 * hashes.size());
    for (const auto h : hashes) {
        const auto v = static_cast<std::uint16_t>(h);
        out.push_back(static_cast<std::uint8_t>(v >> 8));
        out.push_back(static_cast<std::uint8_t>(v & 0xff));
    }
    return out;
}

CertResult<std::vector<HashAlgorithm>> decode_hash_algorithms(std::span<const std::uint8_t> data) {
    if (data.size() % 2 != 0) {
        return unexpected(CertError::Malformed);
    }
    std::vector<HashAlgorithm> out;
    out.reserve(data.size() / 2);
    for (std::size_t i = 0; i < data.size(); i += 2) {
        out.push_back(static_cast<HashAlgorithm>((data[i] << 8) | data[i + 1]));
    }
    return out;
}

std::span<const HashAlgorithm> supported_hash_algorithms() noexcept { return kSupported; }

CertResult<SignatureScheme> choose_signature_scheme(KeyType key,
                                                    std::span<const HashAlgorithm> peer_hashes) {
    using S = SignatureScheme;
    std::array<S, 3> order{};
    std::size_t n = 3;
    switch (key) {
        case KeyType::Ed25519:
            order = {S::Ed25519};
            n = 1;
            break;
        case KeyType::EcdsaP256: order = {S::EcdsaSha256, S::EcdsaSha384, S::EcdsaSha512}; break;
        case KeyType::EcdsaP384: order = {S::EcdsaSha384, S::EcdsaSha512, S::EcdsaSha256}; break;
        case KeyType::EcdsaP521: order = {S::EcdsaSha512, S::EcdsaSha384, S::EcdsaSha256}; break;
        case KeyType::Rsa: order = {S::RsaPssSha256, S::RsaPssSha384, S::RsaPssSha512}; break;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (contains(peer_hashes, hash_of(order[i]))) {
            return order[i];
        }
    }
    return unexpected(CertError::NoCommonHash);
}

CertResult<std::vector<std::uint8_t>> make_signature_auth(
    const PrivateKey& key, std::span<const HashAlgorithm> peer_hashes,
    std::span<const std::uint8_t> auth_octets, Rng& rng) {
    const auto scheme = choose_signature_scheme(key.type(), peer_hashes);
    if (!scheme) {
        return unexpected(scheme.error());
    }
    auto signature = sign(key, *scheme, auth_octets, rng);
    if (!signature) {
        return unexpected(signature.error());
    }
    return encode_signature_auth_data(*scheme, *signature);
}

CertResult<void> verify_signature_auth(const PublicKey& key,
                                       std::span<const HashAlgorithm> we_announced,
                                       std::span<const std::uint8_t> auth_data,
                                       std::span<const std::uint8_t> auth_octets) {
    const auto decoded = decode_signature_auth_data(auth_data);
    if (!decoded) {
        return unexpected(decoded.error());
    }
    if (!contains(we_announced, hash_of(decoded->scheme))) {
        return unexpected(CertError::HashNotAnnounced);
    }
    return verify(key, decoded->scheme, auth_octets, decoded->signature);
}

}  // namespace ike::crypto
