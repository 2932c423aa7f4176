// X.509 verification for IKE, Nebula style: verify(now, chain) returns a VerifiedPeer or one named
// CertError. The configured CA is checked once (TrustAnchor) so that a handshake does not verify
// the root again; the peer identity (IDi/IDr) must match a SAN or the subject; the subnets the
// peer claims must lie inside its RFC 3779 blocks.
#pragma once

#include "crypto/cert_error.hpp"
#include "crypto/crl.hpp"
#include "crypto/ip_blocks.hpp"
#include "crypto/x509_cert.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ike::crypto {

// RFC 7296 §3.5 ID types (our own copy, so lib/crypto does not depend on lib/wire).
enum class IdType : std::uint8_t {
    Ipv4Addr = 1,
    Fqdn = 2,
    Rfc822Addr = 3,
    Ipv6Addr = 5,
    DerAsn1Dn = 9,
    DerAsn1Gn = 10,
    KeyId = 11,
};

class TrustAnchor {
public:
    // The configured CA: must be a CA certificate with keyCertSign, self-signed (verified here,
    // once), without unknown critical extensions. Its validity is checked at each verification.
    static CertResult<TrustAnchor> create(Certificate ca);

    const Certificate& certificate() const noexcept { return m_ca; }

    // Installs the CA's CRL(s), replacing the previous set; CrlInvalid (and nothing changes)
    // unless the CA signed every one. A serial on any of them is revoked. At verification the
    // newest (latest thisUpdate) must be current, else CrlInvalid: fail closed when the CA's
    // revocation information is stale. Older ones are superseded and may have expired.
    CertResult<void> set_crl(Crl crl);
    CertResult<void> set_crls(std::span<const Crl> crls);
    std::span<const Crl> crls() const noexcept { return m_crls; }

    // CERTREQ / "Certification Authority" value: SHA-1 of the CA's SubjectPublicKeyInfo.
    const std::array<std::uint8_t, 20>& certreq_hash() const noexcept { return m_certreq; }
    // Whether a received CERTREQ (concatenated 20-byte hashes) names this CA; Malformed if the
    // length is not a multiple of 20.
    CertResult<bool> matches_certreq(std::span<const std::uint8_t> certreq_data) const;

private:
    explicit TrustAnchor(Certificate ca);

    Certificate m_ca;
    std::vector<Crl> m_crls;
    std::array<std::uint8_t, 20> m_certreq{};
};

// A peer certificate whose chain verified at `now`. Only verify_certificate_chain makes one.
class VerifiedPeer {
public:
    const Certificate& certificate() const noexcept { return m_leaf; }
    // The RFC 3779 blocks with "inherit" resolved along the chain; nullopt when absent.
    const std::optional<IpAddrBlocks>& ip_blocks() const noexcept { return m_blocks; }
    // The earliest notAfter along the chain (anchor included): when this peer must re-authenticate.
    TimePoint chain_not_after() const noexcept { return m_not_after; }

    // IdentityMismatch unless the ID matches a SAN (FQDN, IPv4, IPv6, RFC 822) or, for
    // ID_DER_ASN1_DN, the subject. No wildcards. Malformed for an address of the wrong length.
    CertResult<void> check_identity(IdType type, std::span<const std::uint8_t> id) const;
    // SubnetNotAllowed unless the whole range lies inside the certificate's blocks.
    CertResult<void> check_subnet(const IpRange& range) const;

private:
    friend CertResult<VerifiedPeer> verify_certificate_chain(const TrustAnchor&, const Certificate&,
                                                             std::span<const Certificate>,
                                                             TimePoint);
    VerifiedPeer(Certificate leaf, std::optional<IpAddrBlocks> blocks, TimePoint not_after)
        : m_leaf(std::move(leaf)), m_blocks(std::move(blocks)), m_not_after(not_after) {}

    Certificate m_leaf;
    std::optional<IpAddrBlocks> m_blocks;
    TimePoint m_not_after;
};

// The chain leaf -> intermediates (any order, as received in CERT payloads) -> anchor at `now`.
// Errors, checked leaf first: Expired, NotYetValid, UnknownCriticalExtension, UnknownCa,
// SignatureMismatch, NotACa, BadKeyUsage, ChainTooLong, Revoked, CrlInvalid, SubnetNotAllowed
// (blocks not within the issuer's, RFC 3779 §2.3).
CertResult<VerifiedPeer> verify_certificate_chain(const TrustAnchor& anchor,
                                                  const Certificate& leaf,
                                                  std::span<const Certificate> intermediates,
                                                  TimePoint now);

inline constexpr std::size_t kMaxIntermediates = 4;

}  // namespace ike::crypto
