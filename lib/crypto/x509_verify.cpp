// Chain validation for IKE peers against one configured CA. Written here rather than using
// Botan 2's x509_path_validate: Botan rejects our critical RFC 3779 extension as unknown, reloads
// every public key on each call, and reports statuses that do not map one-to-one onto the named
// errors the protocol layer needs.
#include "crypto/x509_verify.hpp"

#include "crypto/pubkey_impl.hpp"
#include "crypto/x509_cert_impl.hpp"

#include <botan/pkix_types.h>

#include <algorithm>

namespace ike::crypto {
namespace {

CertResult<void> check_time(const Certificate& c, TimePoint now) {
    if (now < c.not_before()) {
        return unexpected(CertError::NotYetValid);
    }
    if (now > c.not_after()) {
        return unexpected(CertError::Expired);
    }
    return {};
}

// Name chaining (RFC 5280 §6.1), with the key identifiers as a tie-breaker when both are present.
bool issued_by(const Certificate& child, const Certificate& issuer) {
    const auto& c = child.impl().cert;
    const auto& i = issuer.impl().cert;
    if (!(c.issuer_dn() == i.subject_dn())) {
        return false;
    }
    const auto& akid = c.authority_key_id();
    const auto& skid = i.subject_key_id();
    return akid.empty() || skid.empty() || akid == skid;
}

// The certificate's blocks with each "inherit" family replaced by the issuer's ranges.
IpAddrBlocks resolve_inherit(const IpAddrBlocks& blocks, const IpAddrBlocks& issuer) {
    IpAddrBlocks out;
    for (const auto f : {IpFamily::V4, IpFamily::V6}) {
        const auto& src = blocks.inherits(f) ? issuer.ranges(f) : blocks.ranges(f);
        for (const auto& r : src) {
            out.add(r);
        }
    }
    return out;
}

// RFC 3779 §2.3 down the path (anchor first): each certificate's blocks within its issuer's.
CertResult<std::optional<IpAddrBlocks>> effective_blocks(const TrustAnchor& anchor,
                                                         const std::vector<const Certificate*>& path) {
    std::optional<IpAddrBlocks> effective = anchor.certificate().ip_blocks();
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
        const auto& blocks = (*it)->ip_blocks();
        if (!blocks) {
            effective.reset();
            continue;
        }
        if (!effective) {
            return unexpected(CertError::SubnetNotAllowed);  // resources its issuer does not hold
        }
        IpAddrBlocks resolved = resolve_inherit(*blocks, *effective);
        if (!resolved.within(*effective)) {
            return unexpected(CertError::SubnetNotAllowed);
        }
        effective = std::move(resolved);
    }
    return effective;
}

CertResult<void> check_revocation(const TrustAnchor& anchor, const Certificate& top, TimePoint now) {
    const auto crls = anchor.crls();
    if (crls.empty()) {
        return {};
    }
    const auto newest = std::max_element(crls.begin(), crls.end(), [](const Crl& a, const Crl& b) {
        return a.this_update() < b.this_update();
    });
    if (now < newest->this_update() || now > newest->next_update()) {
        return unexpected(CertError::CrlInvalid);
    }
    const auto serial = top.serial();
    if (std::any_of(crls.begin(), crls.end(), [&](const Crl& c) { return c.revokes(serial); })) {
        return unexpected(CertError::Revoked);
    }
    return {};
}

}  // namespace

TrustAnchor::TrustAnchor(Certificate ca) : m_ca(std::move(ca)), m_certreq(m_ca.spki_sha1()) {}

CertResult<TrustAnchor> TrustAnchor::create(Certificate ca) {
    if (!ca.is_ca()) {
        return unexpected(CertError::NotACa);
    }
    if (!ca.allows_cert_sign()) {
        return unexpected(CertError::BadKeyUsage);
    }
    if (ca.has_unknown_critical_extension()) {
        return unexpected(CertError::UnknownCriticalExtension);
    }
    if (ca.is_self_issued()) {
        if (auto ok = ca.verify_signed_by(ca.public_key()); !ok) {
            return unexpected(ok.error());
        }
    }
    return TrustAnchor(std::move(ca));
}

CertResult<void> TrustAnchor::set_crl(Crl crl) { return set_crls(std::span(&crl, 1)); }

CertResult<void> TrustAnchor::set_crls(std::span<const Crl> crls) {
    if (!crls.empty() && !m_ca.allows_crl_sign()) {
        return unexpected(CertError::CrlInvalid);
    }
    for (const auto& crl : crls) {
        if (auto ok = crl.verify_issued_by(m_ca); !ok) {
            return unexpected(ok.error());
        }
    }
    m_crls.assign(crls.begin(), crls.end());
    return {};
}

CertResult<bool> TrustAnchor::matches_certreq(std::span<const std::uint8_t> data) const {
    if (data.size() % m_certreq.size() != 0) {
        return unexpected(CertError::Malformed);
    }
    for (std::size_t i = 0; i < data.size(); i += m_certreq.size()) {
        if (std::equal(m_certreq.begin(), m_certreq.end(), data.begin() + static_cast<std::ptrdiff_t>(i))) {
            return true;
        }
    }
    return false;
}

CertResult<VerifiedPeer> verify_certificate_chain(const TrustAnchor& anchor,
                                                  const Certificate& leaf,
                                                  std::span<const Certificate> intermediates,
                                                  TimePoint now) {
    if (!leaf.allows_digital_signature()) {
        return unexpected(CertError::BadKeyUsage);
    }
    std::vector<const Certificate*> path{&leaf};
    std::vector<bool> used(intermediates.size(), false);
    const Certificate* cur = &leaf;
    while (true) {
        if (auto ok = check_time(*cur, now); !ok) {
            return unexpected(ok.error());
        }
        if (cur->has_unknown_critical_extension()) {
            return unexpected(CertError::UnknownCriticalExtension);
        }
        if (issued_by(*cur, anchor.certificate())) {
            if (auto ok = cur->verify_signed_by(anchor.certificate().public_key()); !ok) {
                return unexpected(ok.error());
            }
            break;
        }
        std::size_t next = intermediates.size();
        for (std::size_t i = 0; i < intermediates.size(); ++i) {
            if (!used[i] && issued_by(*cur, intermediates[i])) {
                next = i;
                break;
            }
        }
        if (next == intermediates.size()) {
            return unexpected(CertError::UnknownCa);
        }
        if (path.size() > kMaxIntermediates) {
            return unexpected(CertError::ChainTooLong);
        }
        const Certificate& issuer = intermediates[next];
        if (auto ok = cur->verify_signed_by(issuer.public_key()); !ok) {
            return unexpected(ok.error());
        }
        if (!issuer.is_ca()) {
            return unexpected(CertError::NotACa);
        }
        if (!issuer.allows_cert_sign()) {
            return unexpected(CertError::BadKeyUsage);
        }
        // pathLenConstraint: how many intermediates may follow this one towards the leaf.
        if (const auto limit = issuer.path_limit(); limit && path.size() - 1 > *limit) {
            return unexpected(CertError::ChainTooLong);
        }
        used[next] = true;
        path.push_back(&issuer);
        cur = &issuer;
    }
    if (auto ok = check_time(anchor.certificate(), now); !ok) {
        return unexpected(ok.error());
    }
    if (const auto limit = anchor.certificate().path_limit(); limit && path.size() - 1 > *limit) {
        return unexpected(CertError::ChainTooLong);
    }
    if (auto ok = check_revocation(anchor, *path.back(), now); !ok) {
        return unexpected(ok.error());
    }
    auto blocks = effective_blocks(anchor, path);
    if (!blocks) {
        return unexpected(blocks.error());
    }
    TimePoint not_after = anchor.certificate().not_after();
    for (const auto* c : path) {
        not_after = std::min(not_after, c->not_after());
    }
    return VerifiedPeer(leaf, std::move(*blocks), not_after);
}

}  // namespace ike::crypto
