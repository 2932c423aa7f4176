// An X.509 certificate as IKE uses it (CERT payload encoding 4, DER): parsed once, with its
// public key loaded once and cached for the life of the object (copies share it), its raw SAN
// (IPv6 included) and its RFC 3779 IP blocks. Botan-free at the API.
#pragma once

#include "crypto/cert_error.hpp"
#include "crypto/ip_blocks.hpp"
#include "crypto/pubkey.hpp"
#include "crypto/x509_san.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ike::crypto {

using TimePoint = std::chrono::system_clock::time_point;

class Certificate {
public:
    static CertResult<Certificate> from_der(std::span<const std::uint8_t> der);
    static CertResult<Certificate> from_pem(std::string_view pem);  // the first certificate

    // The spans below point into this object: a temporary's would dangle at the end of the
    // statement (ikepeer once sent a freed intermediate that way), so rvalues cannot call them.
    std::span<const std::uint8_t> der() const& noexcept;
    std::span<const std::uint8_t> der() const&& = delete;
    std::string to_pem() const;

    const PublicKey& public_key() const noexcept;  // loaded at parse, never again
    std::string subject() const;                     // printable, e.g. "CN=nyc.mesh.example"
    std::string issuer() const;
    std::span<const std::uint8_t> subject_dn_der() const& noexcept;
    std::span<const std::uint8_t> subject_dn_der() const&& = delete;
    std::span<const std::uint8_t> issuer_dn_der() const& noexcept;
    std::span<const std::uint8_t> issuer_dn_der() const&& = delete;
    std::vector<std::uint8_t> serial() const;  // big-endian magnitude, no leading zeros
    TimePoint not_before() const noexcept;
    TimePoint not_after() const noexcept;
    bool is_ca() const noexcept;                  // basicConstraints cA=TRUE
    std::optional<std::size_t> path_limit() const noexcept;  // pathLenConstraint, if any
    bool is_self_issued() const noexcept;         // subject == issuer

    // keyUsage checks; a certificate without keyUsage allows everything (RFC 5280 §4.2.1.3).
    bool allows_digital_signature() const noexcept;
    bool allows_cert_sign() const noexcept;
    bool allows_crl_sign() const noexcept;

    const SubjectAltNames& alt_names() const noexcept;        // empty when absent
    const std::optional<IpAddrBlocks>& ip_blocks() const noexcept;
    // A critical extension other than basicConstraints, keyUsage, extKeyUsage, subjectAltName
    // and ipAddrBlocks: the certificate must then be refused (RFC 5280 §4.2).
    bool has_unknown_critical_extension() const noexcept;

    // SHA-1 of the SubjectPublicKeyInfo: the CERTREQ / "Certificate Authority" value
    // (RFC 7296 §3.7) when this is a CA certificate.
    std::array<std::uint8_t, 20> spki_sha1() const;
    std::array<std::uint8_t, 32> fingerprint_sha256() const;  // SHA-256 of the DER (blocklists)
    std::array<std::uint8_t, 32> spki_sha256() const;  // SHA-256 of the SubjectPublicKeyInfo

    // Whether `issuer_key` signed this certificate with an algorithm we accept
    // (SignatureMismatch / UnsupportedAlgorithm otherwise).
    CertResult<void> verify_signed_by(const PublicKey& issuer_key) const;

    struct Impl;  // defined in x509_cert_impl.hpp, for lib/crypto's own .cpp files only
    explicit Certificate(std::shared_ptr<const Impl> impl) noexcept : m_impl(std::move(impl)) {}
    const Impl& impl() const noexcept { return *m_impl; }

private:
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace ike::crypto
