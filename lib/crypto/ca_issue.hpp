// A small offline certificate authority: a self-signed root (Ed25519 or ECDSA), intermediates,
// node certificates bound to their names and subnets (SAN + RFC 3779), and CRLs revoking
// serials. Used by tests now and by the meshca tool later. Times are passed in, never read.
#pragma once

#include "crypto/cert_error.hpp"
#include "crypto/ip_blocks.hpp"
#include "crypto/privkey.hpp"
#include "crypto/rng.hpp"
#include "crypto/x509_cert.hpp"
#include "crypto/x509_san.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ike::crypto {

struct CaProfile {
    std::string common_name;
    std::string organization;  // optional
    TimePoint not_before;
    TimePoint not_after;
    std::uint64_t serial = 1;
    std::optional<std::size_t> path_limit;   // pathLenConstraint; nullopt: unlimited
    std::optional<IpAddrBlocks> ip_blocks;   // resources delegated to this CA (RFC 3779)
};

struct NodeProfile {
    std::string common_name;                // e.g. "nyc.mesh.example"
    SubjectAltNames alt_names;              // the DNS name(s), optionally endpoint IPv4/IPv6
    std::optional<IpAddrBlocks> ip_blocks;  // the subnets the node may claim (critical)
    TimePoint not_before;
    TimePoint not_after;
    std::uint64_t serial = 0;               // must be non-zero and unique per CA
    bool digital_signature = true;          // keyUsage: digitalSignature, or keyEncipherment only
};

// CRL reason codes (RFC 5280 §5.3.1); 7 is unused, certificateHold is not offered.
enum class RevocationReason : std::uint8_t {
    Unspecified = 0,
    KeyCompromise = 1,
    CaCompromise = 2,
    AffiliationChanged = 3,
    Superseded = 4,
    CessationOfOperation = 5,
    PrivilegeWithdrawn = 9,
};

struct RevokedEntry {
    std::uint64_t serial = 0;
    TimePoint revoked_at;
    std::optional<RevocationReason> reason;  // no reasonCode extension when absent
};

class CertificateAuthority {
public:
    // Key: Ed25519 (recommended) or ECDSA P-256/384/521; RSA is refused (UnsupportedAlgorithm).
    static CertResult<CertificateAuthority> create_self_signed(PrivateKey key,
                                                               const CaProfile& profile, Rng& rng);
    // An existing CA (e.g. loaded by meshca): the key must match the certificate, which must be
    // a CA certificate.
    static CertResult<CertificateAuthority> from(Certificate cert, PrivateKey key);

    const Certificate& certificate() const noexcept { return m_cert; }
    const PrivateKey& key() const noexcept { return m_key; }

    CertResult<Certificate> issue_node(const PublicKey& subject, const NodeProfile& profile,
                                       Rng& rng) const;
    CertResult<CertificateAuthority> issue_intermediate(PrivateKey subject_key,
                                                        const CaProfile& profile, Rng& rng) const;
    // A v2 CRL (DER) listing the serials, with AKID and cRLNumber.
    CertResult<std::vector<std::uint8_t>> issue_crl(std::span<const std::uint64_t> revoked,
                                                    TimePoint this_update, TimePoint next_update,
                                                    std::uint64_t crl_number, Rng& rng) const;
    // The same with each entry's revocation date and reason (crlEntryExtensions reasonCode).
    CertResult<std::vector<std::uint8_t>> issue_crl_entries(std::span<const RevokedEntry> revoked,
                                                    TimePoint this_update, TimePoint next_update,
                                                    std::uint64_t crl_number, Rng& rng) const;
    // A signature over arbitrary bytes (the signed directory) with the CA's scheme: Ed25519, or
    // ECDSA (DER r,s) with SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521.
    CertResult<std::vector<std::uint8_t>> sign_bytes(std::span<const std::uint8_t> data,
                                                     Rng& rng) const;

private:
    CertificateAuthority(Certificate cert, PrivateKey key)
        : m_cert(std::move(cert)), m_key(std::move(key)) {}

    Certificate m_cert;
    PrivateKey m_key;
};

// Checks a sign_bytes() signature with the CA certificate's key (SignatureMismatch if wrong).
CertResult<void> verify_ca_signature(const Certificate& ca, std::span<const std::uint8_t> data,
                                     std::span<const std::uint8_t> signature);

// PEM armour for DER ("CERTIFICATE", "X509 CRL").
std::string der_to_pem(std::span<const std::uint8_t> der, std::string_view label);

}  // namespace ike::crypto
