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

// The newest of the CRLs an issuer signed (highest cRLNumber, then latest thisUpdate).
const IssuedCrl* newest_of(std::span<const IssuedCrl> crls, const std::array<std::uint8_t, 32>& issuer) {
    const IssuedCrl* newest = nullptr;
    for (const auto& c : crls) {
        if (c.issuer_spki_sha256 != issuer) continue;
        if (newest == nullptr || c.crl.crl_number() > newest->crl.crl_number() ||
            (c.crl.crl_number() == newest->crl.crl_number() && c.crl.this_update() > newest->crl.this_update()))
            newest = &c;
    }
    return newest;
}

CertResult<void> check_revocation(std::span<const IssuedCrl> crls, const Certificate& cert, const Certificate& issuer,
                                  TimePoint now, CrlExpiry expiry) {
    return check_revocation(crls, issuer.spki_sha256(), cert.serial(), now, expiry);
}

// A CRL issued (and signed) by `issuer`, a CA allowed to sign CRLs.
bool signed_crl(const Crl& crl, const Certificate& issuer) {
    return issuer.allows_crl_sign() && crl.verify_issued_by(issuer).has_value();
}

}  // namespace

// RFC 5280 §6.3: a certificate against the CRLs its issuer signed. None: nothing to check. An
// expired one still revokes (a late CA operator must not take the mesh down); strict refuses.
CertResult<void> check_revocation(std::span<const IssuedCrl> crls, const std::array<std::uint8_t, 32>& issuer_spki_sha256,
                                  std::span<const std::uint8_t> serial, TimePoint now, CrlExpiry expiry) {
    const auto* newest = newest_of(crls, issuer_spki_sha256);
    if (newest == nullptr) {
        return {};
    }
    for (const auto& c : crls) {
        if (c.issuer_spki_sha256 == issuer_spki_sha256 && c.crl.revokes(serial)) {
            return unexpected(CertError::Revoked);
        }
    }
    if (expiry == CrlExpiry::strict && now >= newest->crl.next_update()) {
        return unexpected(CertError::CrlExpired);
    }
    return {};
}

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

CertResult<void> TrustAnchor::learn_intermediate(const Certificate& c) {
    const auto key = c.spki_sha256();
    for (const auto& k : m_intermediates) {
        if (k.spki_sha256() == key && k.der().size() == c.der().size() &&
            std::equal(k.der().begin(), k.der().end(), c.der().begin())) {
            return {};
        }
    }
    if (!c.is_ca() || !c.allows_cert_sign()) {
        return unexpected(CertError::NotACa);
    }
    bool chains = issued_by(c, m_ca) && c.verify_signed_by(m_ca.public_key()).has_value();
    for (std::size_t i = 0; !chains && i < m_intermediates.size(); ++i) {
        chains = issued_by(c, m_intermediates[i]) && c.verify_signed_by(m_intermediates[i].public_key()).has_value();
    }
    if (!chains) {
        return unexpected(CertError::UnknownCa);
    }
    if (m_intermediates.size() >= kMaxKnownIntermediates) {
        // The oldest that signs no installed CRL goes: those CRLs must stay checkable.
        const auto spare = std::find_if(m_intermediates.begin(), m_intermediates.end(), [&](const Certificate& k) {
            const auto spki = k.spki_sha256();
            return std::none_of(m_crls.begin(), m_crls.end(),
                                [&](const IssuedCrl& crl) { return crl.issuer_spki_sha256 == spki; });
        });
        if (spare == m_intermediates.end()) {
            return unexpected(CertError::ChainTooLong);
        }
        m_intermediates.erase(spare);
    }
    m_intermediates.push_back(c);
    return {};
}

CertResult<std::vector<IssuedCrl>> TrustAnchor::check_crls(std::span<const Crl> crls) const {
    std::vector<IssuedCrl> out;
    for (const auto& crl : crls) {
        if (signed_crl(crl, m_ca)) {
            out.push_back(IssuedCrl{crl, m_ca.spki_sha256(), true});
            continue;
        }
        const auto it = std::find_if(m_intermediates.begin(), m_intermediates.end(),
                                     [&](const Certificate& i) { return signed_crl(crl, i); });
        if (it == m_intermediates.end()) {
            return unexpected(CertError::CrlInvalid);
        }
        out.push_back(IssuedCrl{crl, it->spki_sha256(), false});
    }
    return out;
}

CertResult<void> TrustAnchor::set_crl(Crl crl) { return set_crls(std::span(&crl, 1)); }

CertResult<void> TrustAnchor::set_crls(std::span<const Crl> crls) {
    auto checked = check_crls(crls);
    if (!checked) {
        return unexpected(checked.error());
    }
    m_crls = std::move(*checked);
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
                                                  TimePoint now, CrlExpiry expiry) {
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
    for (std::size_t i = 0; i < path.size(); ++i) {
        const Certificate& issuer = i + 1 < path.size() ? *path[i + 1] : anchor.certificate();
        if (auto ok = check_revocation(anchor.crls(), *path[i], issuer, now, expiry); !ok) {
            return unexpected(ok.error());
        }
    }
    auto blocks = effective_blocks(anchor, path);
    if (!blocks) {
        return unexpected(blocks.error());
    }
    TimePoint not_after = anchor.certificate().not_after();
    for (const auto* c : path) {
        not_after = std::min(not_after, c->not_after());
    }
    std::vector<Certificate> through;
    for (std::size_t i = 1; i < path.size(); ++i) {
        through.push_back(*path[i]);
    }
    return VerifiedPeer(leaf, std::move(*blocks), not_after, std::move(through));
}

}  // namespace ike::crypto
