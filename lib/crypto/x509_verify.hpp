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

// A CRL whose signature checked out, with the key that signed it: it applies to the
// certificates that key issued (RFC 5280 §6.3: each certificate against its issuer's CRL).
struct IssuedCrl {
    Crl crl;
    std::array<std::uint8_t, 32> issuer_spki_sha256{};
    bool by_anchor = false;  // signed by the trust anchor itself (not an intermediate)
};

class TrustAnchor {
public:
    // The configured CA: must be a CA certificate with keyCertSign, self-signed (verified here,
    // once), without unknown critical extensions. Its validity is checked at each verification.
    static CertResult<TrustAnchor> create(Certificate ca);

    const Certificate& certificate() const noexcept { return m_ca; }

    // An intermediate CA that may sign CRLs: a CA certificate (keyCertSign) signed by the
    // anchor or by an intermediate already known. Our own chain and the chains of verified peers
    // feed it; beyond kMaxKnownIntermediates the oldest that signs no installed CRL is forgotten.
    // NotACa or UnknownCa (nothing changes) when it cannot sign or does not chain.
    CertResult<void> learn_intermediate(const Certificate& intermediate);
    std::span<const Certificate> known_intermediates() const noexcept { return m_intermediates; }

    // Checks CRLs as set_crls would install them: each signed by the CA or by a known
    // intermediate (the issuer of the CRL, with cRLSign), else CrlInvalid. Validity in time is
    // the caller's (Endpoint::update_policy: thisUpdate not in the future).
    CertResult<std::vector<IssuedCrl>> check_crls(std::span<const Crl> crls) const;
    // Installs them, replacing the previous set; on error nothing changes. A serial on any CRL
    // of a certificate's issuer revokes it. At verification an expired CRL (nextUpdate past)
    // stays in force: its revocations apply, and with CrlExpiry::strict the chain is refused.
    CertResult<void> set_crl(Crl crl);
    CertResult<void> set_crls(std::span<const Crl> crls);
    std::span<const IssuedCrl> crls() const noexcept { return m_crls; }

    // CERTREQ / "Certification Authority" value: SHA-1 of the CA's SubjectPublicKeyInfo.
    const std::array<std::uint8_t, 20>& certreq_hash() const noexcept { return m_certreq; }
    // Whether a received CERTREQ (concatenated 20-byte hashes) names this CA; Malformed if the
    // length is not a multiple of 20.
    CertResult<bool> matches_certreq(std::span<const std::uint8_t> certreq_data) const;

private:
    explicit TrustAnchor(Certificate ca);

    Certificate m_ca;
    std::vector<IssuedCrl> m_crls;
    std::vector<Certificate> m_intermediates;
    std::array<std::uint8_t, 20> m_certreq{};
};

// What an issuer's newest CRL past its nextUpdate does at verification: tolerated (its
// revocations still apply; the caller warns) or strict (CrlExpired, the peer is refused).
enum class CrlExpiry : std::uint8_t { tolerated, strict };

// A peer certificate whose chain verified at `now`. Only verify_certificate_chain makes one.
class VerifiedPeer {
public:
    const Certificate& certificate() const noexcept { return m_leaf; }
    // The RFC 3779 blocks with "inherit" resolved along the chain; nullopt when absent.
    const std::optional<IpAddrBlocks>& ip_blocks() const noexcept { return m_blocks; }
    // The earliest notAfter along the chain (anchor included): when this peer must re-authenticate.
    TimePoint chain_not_after() const noexcept { return m_not_after; }
    // The intermediates the path went through, leaf's issuer first.
    std::span<const Certificate> intermediates() const noexcept { return m_intermediates; }

    // IdentityMismatch unless the ID matches a SAN (FQDN, IPv4, IPv6, RFC 822) or, for
    // ID_DER_ASN1_DN, the subject. No wildcards. Malformed for an address of the wrong length.
    CertResult<void> check_identity(IdType type, std::span<const std::uint8_t> id) const;
    // SubnetNotAllowed unless the whole range lies inside the certificate's blocks.
    CertResult<void> check_subnet(const IpRange& range) const;

private:
    friend CertResult<VerifiedPeer> verify_certificate_chain(const TrustAnchor&, const Certificate&,
                                                             std::span<const Certificate>,
                                                             TimePoint, CrlExpiry);
    VerifiedPeer(Certificate leaf, std::optional<IpAddrBlocks> blocks, TimePoint not_after,
                 std::vector<Certificate> intermediates)
        : m_leaf(std::move(leaf)), m_blocks(std::move(blocks)), m_not_after(not_after),
          m_intermediates(std::move(intermediates)) {}

    Certificate m_leaf;
    std::optional<IpAddrBlocks> m_blocks;
    TimePoint m_not_after;
    std::vector<Certificate> m_intermediates;
};

// The chain leaf -> intermediates (any order, as received in CERT payloads) -> anchor at `now`.
// Errors, checked leaf first: Expired, NotYetValid, UnknownCriticalExtension, UnknownCa,
// SignatureMismatch, NotACa, BadKeyUsage, ChainTooLong, then revocation of every certificate of
// the path by its issuer's CRLs (Revoked, CrlExpired), SubnetNotAllowed (blocks not within the
// issuer's, RFC 3779 §2.3).
CertResult<VerifiedPeer> verify_certificate_chain(const TrustAnchor& anchor,
                                                  const Certificate& leaf,
                                                  std::span<const Certificate> intermediates,
                                                  TimePoint now, CrlExpiry expiry = CrlExpiry::tolerated);

// One certificate, known by its issuer's key and its serial, against the CRLs of `crls` that
// issuer signed (the check verify_certificate_chain makes for each certificate of the path):
// Revoked, or CrlExpired with CrlExpiry::strict when the issuer's newest CRL is past nextUpdate.
CertResult<void> check_revocation(std::span<const IssuedCrl> crls, const std::array<std::uint8_t, 32>& issuer_spki_sha256,
                                  std::span<const std::uint8_t> serial, TimePoint now, CrlExpiry expiry);

inline constexpr std::size_t kMaxIntermediates = 4;
inline constexpr std::size_t kMaxKnownIntermediates = 64;

}  // namespace ike::crypto
