// X.509 peer verification for the engine: CERT payload chain -> VerifiedPeer or a named
// AuthFailure. Parsing, CRL checks and chain building are lib/crypto's; this file adapts them.
#include "policy/x509_verifier.hpp"

#include <algorithm>
#include <string>

#include "crypto/crl.hpp"

namespace ike::policy {
namespace {

using crypto::CertError;

std::string_view describe(CertError e) {
    switch (e) {
        case CertError::Malformed: return "does not parse as X.509 DER";
        case CertError::UnsupportedAlgorithm: return "uses a key or signature algorithm we do not implement";
        case CertError::KeyMismatch: return "signature scheme does not fit the issuer's key";
        case CertError::HashNotAnnounced: return "signed with a hash that was not announced";
        case CertError::NoCommonHash: return "no common signature hash";
        case CertError::SignatureMismatch: return "signature does not verify";
        case CertError::UnknownCa: return "does not chain to the trusted CA";
        case CertError::NotACa: return "issuer is not a CA (basicConstraints)";
        case CertError::ChainTooLong: return "chain too long (intermediates or pathLenConstraint)";
        case CertError::Expired: return "expired (now is past notAfter of a certificate in the chain)";
        case CertError::NotYetValid: return "not yet valid (now is before notBefore of a certificate in the chain)";
        case CertError::BadKeyUsage: return "keyUsage forbids this use";
        case CertError::UnknownCriticalExtension: return "carries an unknown critical extension";
        case CertError::Revoked: return "serial is on the CA's CRL";
        case CertError::CrlInvalid: return "a CRL is not signed by its issuer: failing closed";
        case CertError::CrlExpired: return "CRL expired: the issuer's newest CRL is past its nextUpdate (strict_crl_expiry)";
        case CertError::IdentityMismatch: return "identity matches no SAN";
        case CertError::SubnetNotAllowed: return "RFC 3779 blocks exceed the issuer's";
        case CertError::InvalidArgument: return "invalid argument";
    }
    return "unknown error";
}

AuthFailure reason_of(CertError e) {
    switch (e) {
        case CertError::Malformed:
        case CertError::UnknownCriticalExtension:
        case CertError::InvalidArgument: return AuthFailure::malformed_certificate;
        case CertError::UnsupportedAlgorithm:
        case CertError::HashNotAnnounced:
        case CertError::NoCommonHash: return AuthFailure::unsupported_algorithm;
        case CertError::KeyMismatch:
        case CertError::SignatureMismatch: return AuthFailure::bad_signature;
        // No path to the CA that satisfies RFC 5280 §6: as good as an unknown CA.
        case CertError::UnknownCa:
        case CertError::NotACa:
        case CertError::ChainTooLong: return AuthFailure::unknown_ca;
        case CertError::Expired: return AuthFailure::expired;
        case CertError::NotYetValid: return AuthFailure::not_yet_valid;
        case CertError::BadKeyUsage: return AuthFailure::bad_key_usage;
        // Revocation status unknown (stale or forged CRL) is treated as revoked: fail closed.
        case CertError::Revoked:
        case CertError::CrlInvalid:
        case CertError::CrlExpired: return AuthFailure::revoked;
        case CertError::IdentityMismatch: return AuthFailure::identity_mismatch;
        case CertError::SubnetNotAllowed: return AuthFailure::subnet_not_allowed;
    }
    return AuthFailure::malformed_certificate;
}

IpAddress address_of(std::span<const std::uint8_t> raw) {
    return IpAddress::from_bytes(raw).value_or(IpAddress{});  // raw is always 4 or 16 octets here
}

TrafficSelectors selectors_of(const std::optional<crypto::IpAddrBlocks>& blocks) {
    TrafficSelectors out;
    if (!blocks) return out;
    for (const auto family : {crypto::IpFamily::V4, crypto::IpFamily::V6}) {
        if (blocks->inherits(family)) continue;  // resolved by the chain walk; never widen on doubt
        const std::size_t len = family == crypto::IpFamily::V4 ? 4 : 16;
        for (const auto& r : blocks->ranges(family))
            out.push_back(TrafficSelector{address_of(std::span(r.first).first(len)),
                                          address_of(std::span(r.last).first(len))});
    }
    return out;
}

VerifiedPeer to_verified_peer(const crypto::VerifiedPeer& v, const crypto::Certificate& anchor) {
    const auto& leaf = v.certificate();
    VerifiedPeer p{{}, leaf.public_key(), {}};
    // each certificate of the path with its issuer's key: the next one, the CA after the last
    const auto mids = v.intermediates();
    for (std::size_t i = 0; i <= mids.size(); ++i) {
        const auto& cert = i == 0 ? leaf : mids[i - 1];
        const auto& issuer = i < mids.size() ? mids[i] : anchor;
        p.path.push_back(RevocationHandle{issuer.spki_sha256(), cert.serial()});
    }
    const auto& san = leaf.alt_names();
    p.dns_names = san.dns;
    for (const auto& a : san.ipv4) p.addresses.push_back(address_of(a));
    for (const auto& a : san.ipv6) p.addresses.push_back(address_of(a));
    p.allowed = selectors_of(v.ip_blocks());
    p.not_after = v.chain_not_after();
    p.spki_sha256 = leaf.spki_sha256();
    const auto issuer = leaf.issuer_dn_der();
    p.issuer_dn.assign(issuer.begin(), issuer.end());
    p.serial = leaf.serial();
    return p;
}

}  // namespace

VerifyFailure to_verify_failure(CertError e, std::string_view context) {
    std::string detail(context);
    if (!detail.empty()) detail += ": ";
    detail += describe(e);
    detail += " (";
    detail += crypto::to_string(e);
    detail += ")";
    return VerifyFailure{reason_of(e), std::move(detail)};
}

Expected<std::shared_ptr<const X509Verifier>, ConfigError> X509Verifier::create(std::span<const std::uint8_t> ca_der,
                                                                                std::size_t cache_capacity) {
    auto cert = crypto::Certificate::from_der(ca_der);
    if (!cert) return unexpected(ConfigError::bad_ca);
    auto anchor = crypto::TrustAnchor::create(std::move(*cert));
    if (!anchor) return unexpected(ConfigError::bad_ca);
    return std::make_shared<const X509Verifier>(std::move(*anchor), cache_capacity);
}

crypto::CertResult<std::vector<crypto::Crl>> X509Verifier::parse_crls(const RevocationPolicy& revocation) {
    std::vector<crypto::Crl> crls;
    for (const auto& der : revocation.crls) {
        auto crl = crypto::Crl::from_der(der);
        if (!crl) return unexpected(CertError::CrlInvalid);
        crls.push_back(std::move(*crl));
    }
    return crls;
}

Expected<void, VerifyFailure> X509Verifier::load_crls(const RevocationPolicy& revocation) const {
    if (revocation.crls != m_crl_bytes) {
        // A new set (or the first): parse and verify every CRL once. The Endpoint checked it
        // already (check_crls); a set that fails here was never checked: fail closed.
        ++m_crl_loads;
        m_crl_bytes = revocation.crls;
        m_crl_failure.reset();
        auto crls = parse_crls(revocation);
        if (!crls)
            m_crl_failure = to_verify_failure(crls.error(), "revocation policy");
        else if (auto ok = m_anchor.set_crls(*crls); !ok)
            m_crl_failure = to_verify_failure(ok.error(), "revocation policy");
    }
    if (m_crl_failure) return unexpected(*m_crl_failure);
    return {};
}

Expected<std::vector<CrlInfo>, ConfigError> X509Verifier::check_crls(const RevocationPolicy& revocation) const {
    auto crls = parse_crls(revocation);
    if (!crls) return unexpected(ConfigError::bad_crl);
    auto checked = m_anchor.check_crls(*crls);
    if (!checked) return unexpected(ConfigError::bad_crl);
    std::vector<CrlInfo> out;
    for (const auto& c : *checked)
        out.push_back(CrlInfo{c.crl.crl_number(), c.crl.this_update(), c.crl.next_update(), c.issuer_spki_sha256, c.by_anchor});
    return out;
}

void X509Verifier::learn_intermediates(std::span<const std::vector<std::uint8_t>> chain) const {
    // Any order: an intermediate may come before its own issuer; each pass learns what chains now.
    std::vector<crypto::Certificate> todo;
    for (std::size_t i = 1; i < chain.size(); ++i)
        if (auto c = crypto::Certificate::from_der(chain[i])) todo.push_back(std::move(*c));
    for (bool progress = true; progress && !todo.empty();) {
        progress = false;
        std::erase_if(todo, [&](const crypto::Certificate& c) {
            const bool ok = m_anchor.learn_intermediate(c).has_value();
            progress = progress || ok;
            return ok;
        });
    }
}

Expected<VerifiedPeer, VerifyFailure> X509Verifier::verify(std::span<const std::vector<std::uint8_t>> chain,
                                                           const RevocationPolicy& revocation, Time now) const {
    if (chain.empty()) return unexpected(VerifyFailure{AuthFailure::no_certificate, "no certificate"});
    // The anchor itself may come along; anything beyond that cannot build a path we accept,
    // and is not parsed (nor cached) at all.
    if (chain.size() > 2 + crypto::kMaxIntermediates)
        return unexpected(to_verify_failure(CertError::ChainTooLong, std::to_string(chain.size()) + " certificates"));
    std::vector<crypto::Certificate> certs;
    certs.reserve(chain.size());
    for (std::size_t i = 0; i < chain.size(); ++i) {
        auto c = m_cache.get(chain[i]);
        if (!c)
            return unexpected(to_verify_failure(c.error(), i == 0 ? std::string("end-entity certificate")
                                                                  : "certificate " + std::to_string(i) + " of the chain"));
        certs.push_back(std::move(*c));
    }
    if (auto ok = load_crls(revocation); !ok) return unexpected(ok.error());
    const auto expiry = revocation.strict_crl_expiry ? crypto::CrlExpiry::strict : crypto::CrlExpiry::tolerated;
    const auto v = crypto::verify_certificate_chain(m_anchor, certs.front(), std::span(certs).subspan(1), now, expiry);
    if (!v) return unexpected(to_verify_failure(v.error(), certs.front().subject()));
    // Their CRLs may come; the one nearest the anchor first, so that each chains when learned.
    const auto mids = v->intermediates();
    for (auto it = mids.rbegin(); it != mids.rend(); ++it) (void)m_anchor.learn_intermediate(*it);
    return to_verified_peer(*v, m_anchor.certificate());
}

Expected<void, VerifyFailure> X509Verifier::recheck(const PeerFacts& peer, const RevocationPolicy& revocation,
                                                    Time now) const {
    if (now > peer.not_after) return unexpected(to_verify_failure(CertError::Expired, "a certificate of the chain"));
    // Verified under another CA (update_credentials replaced ours): not vouched for any more.
    if (peer.path.empty() || peer.path.back().issuer_spki_sha256 != m_anchor.certificate().spki_sha256())
        return unexpected(to_verify_failure(CertError::UnknownCa, "the peer's chain"));
    if (auto ok = load_crls(revocation); !ok) return unexpected(ok.error());
    const auto expiry = revocation.strict_crl_expiry ? crypto::CrlExpiry::strict : crypto::CrlExpiry::tolerated;
    for (std::size_t i = 0; i < peer.path.size(); ++i) {
        const auto& h = peer.path[i];
        if (auto ok = crypto::check_revocation(m_anchor.crls(), h.issuer_spki_sha256, h.serial, now, expiry); !ok)
            return unexpected(to_verify_failure(ok.error(), i == 0 ? std::string("end-entity certificate")
                                                                   : "certificate " + std::to_string(i) + " of the chain"));
    }
    return {};
}

std::array<std::uint8_t, 20> X509Verifier::ca_key_id() const { return m_anchor.certreq_hash(); }

Expected<std::shared_ptr<const CertificateVerifier>, ConfigError> make_x509_verifier(
    std::span<const std::uint8_t> ca_certificate_der) {
    auto v = X509Verifier::create(ca_certificate_der);
    if (!v) return unexpected(v.error());
    return std::shared_ptr<const CertificateVerifier>(std::move(*v));
}

Expected<void, ConfigError> check_own_credentials(const Credentials& credentials) {
    if (!credentials.private_key || credentials.certificate_chain.empty()) return unexpected(ConfigError::no_credentials);
    for (const auto& der : credentials.certificate_chain)
        if (!crypto::Certificate::from_der(der)) return unexpected(ConfigError::bad_certificate);
    const auto leaf = crypto::Certificate::from_der(credentials.certificate_chain.front());
    const auto ours = credentials.private_key->public_key().spki_der();
    const auto theirs = leaf->public_key().spki_der();
    if (!std::equal(ours.begin(), ours.end(), theirs.begin(), theirs.end())) return unexpected(ConfigError::key_mismatch);
    return {};
}

}  // namespace ike::policy
