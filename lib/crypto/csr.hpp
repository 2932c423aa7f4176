// PKCS#10 certification requests (RFC 2986) for meshca: a node makes its key and a request naming
// itself (CN and SAN dNSName), so the key never leaves the node; the CA checks the request's
// self-signature before it signs. Botan-free at the API.
#pragma once

#include "crypto/cert_error.hpp"
#include "crypto/privkey.hpp"
#include "crypto/pubkey.hpp"
#include "crypto/rng.hpp"
#include "crypto/sign.hpp"
#include "crypto/x509_san.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ike::crypto {

class CertificateRequest {
public:
    // A request for `name` (subject CN and one SAN dNSName), signed with `key`: Ed25519, ECDSA
    // (SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521) or RSA-PSS with SHA-256.
    static CertResult<CertificateRequest> create(const PrivateKey& key, std::string_view name,
                                                 Rng& rng);
    // SignatureMismatch when the request is well-formed but its self-signature does not verify
    // (Botan 2 checks it while parsing); verify_signature() also checks the algorithm.
    static CertResult<CertificateRequest> from_der(std::span<const std::uint8_t> der);
    static CertResult<CertificateRequest> from_pem(std::string_view pem);

    std::span<const std::uint8_t> der() const noexcept;
    std::string to_pem() const;  // "CERTIFICATE REQUEST"

    std::string subject() const;       // printable, e.g. "CN=nyc.mesh.example"
    std::string common_name() const;   // empty when absent
    const SubjectAltNames& alt_names() const noexcept;  // from the extensionRequest, if any
    const PublicKey& public_key() const noexcept;
    std::string signature_algorithm() const;  // e.g. "Ed25519", "ECDSA/EMSA1(SHA-256)"
    // SignatureMismatch unless the request's key verifies its own signature with an algorithm
    // we accept (UnsupportedAlgorithm otherwise).
    CertResult<void> verify_signature() const;

    struct Impl;
    explicit CertificateRequest(std::shared_ptr<const Impl> impl) noexcept
        : m_impl(std::move(impl)) {}

private:
    std::shared_ptr<const Impl> m_impl;
};

// The scheme a key signs certificates, CRLs, requests and directories with: Ed25519, ECDSA with
// the curve's hash, RSA-PSS with SHA-256.
SignatureScheme default_signature_scheme(KeyType type) noexcept;

}  // namespace ike::crypto
