// A certificate revocation list (RFC 5280 §5) as the CA distributes it (DER or PEM), parsed once.
// Whether it is trustworthy (signed by the CA, current) is decided by TrustAnchor::set_crl and
// at each verification.
#pragma once

#include "crypto/cert_error.hpp"
#include "crypto/pubkey.hpp"
#include "crypto/x509_cert.hpp"

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ike::crypto {

struct CrlEntry {
    std::vector<std::uint8_t> serial;  // big-endian magnitude
    TimePoint revoked_at;
    std::uint8_t reason = 0;  // reasonCode (RFC 5280 §5.3.1); 0 (unspecified) when absent
};

class Crl {
public:
    static CertResult<Crl> from_der(std::span<const std::uint8_t> der);
    static CertResult<Crl> from_pem(std::string_view pem);

    // TimePoint::max() when absent or not representable: a CRL without thisUpdate is never
    // current, one without nextUpdate never expires.
    TimePoint this_update() const noexcept;
    TimePoint next_update() const noexcept;
    std::size_t revoked_count() const noexcept;
    std::uint64_t crl_number() const noexcept;  // cRLNumber; 0 when the extension is absent
    std::string issuer() const;                 // printable
    std::vector<CrlEntry> entries() const;
    // serial as Certificate::serial() gives it (big-endian magnitude).
    bool revokes(std::span<const std::uint8_t> serial) const noexcept;
    // Signed by `issuer` (its subject must be the CRL's issuer) with an algorithm we accept.
    CertResult<void> verify_issued_by(const Certificate& issuer) const;

    struct Impl;
    explicit Crl(std::shared_ptr<const Impl> impl) noexcept : m_impl(std::move(impl)) {}

private:
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace ike::crypto
