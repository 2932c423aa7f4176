// X.509 verification adapter: crypto::verify_certificate_chain -> ike::VerifiedPeer.
#include "policy/x509_verifier.hpp"

#include <algorithm>
#include <optional>

#include "crypto/hash.hpp"
#include "crypto/x509_verify.hpp"
#include "ike/config.hpp"

namespace ike::policy {
namespace {

using crypto::CertError;

AuthFailure reason_for(CertError e) {
    switch (e) {
        case CertError::Expired: return AuthFailure::expired;
        case CertError::NotYetValid: return AuthFailure::not_yet_valid;
        case CertError::UnknownCa:
        case CertError::SignatureMismatch:
        case CertError::NotACa:
        case CertError::ChainTooLong: return AuthFailure::unknown_ca;
        case CertError::BadKeyUsage: return AuthFailure::bad_key_usage;
        case CertError::Revoked:
        case CertError::CrlInvalid: return AuthFailure::revoked;
        case CertError::SubnetNotAllowed: return AuthFailure::subnet_not_allowed;
        case CertError::IdentityMismatch: return AuthFailure::identity_mismatch;
        case CertError::UnsupportedAlgorithm:
        case CertError::HashNotAnnounced:
        case CertError::NoCommonHash:
        case CertError::KeyMismatch: return AuthFailure::unsupported_algorithm;
        case CertError::Malformed:
        case CertError::UnknownCriticalExtension:
        case CertError::InvalidArgument: break;
    }
    return AuthFailure::malformed_certificate;
}

VerifyFailure failure(CertError e) { return VerifyFailure{reason_for(e), std::string(crypto::to_string(e))}; }

TrafficSelector to_selector(const crypto::IpRange& r) {
    const std::size_t n = r.family == crypto::IpFamily::V4 ? 4 : 16;
    return TrafficSelector{*IpAddress::from_bytes(std::span(r.first).first(n)), *IpAddress::from_bytes(std::span(r.last).first(n))};
}

class X509Verifier final : public CertificateVerifier {
public:
    explicit X509Verifier(crypto::TrustAnchor anchor) : m_anchor(std::move(anchor)) {}

    Expected<VerifiedPeer, VerifyFailure> verify(std::span<const std::vector<std::uint8_t>> chain,
                                                 const RevocationPolicy& revocation, Time now) const override {
        if (chain.empty()) return unexpected(VerifyFailure{AuthFailure::no_certificate, "no certificate"});
        auto leaf = crypto::Certificate::from_der(chain.front());
        if (!leaf) return unexpected(failure(leaf.error()));
        std::vector<crypto::Certificate> intermediates;
        for (std::size_t i = 1; i < chain.size(); ++i) {
            auto c = crypto::Certificate::from_der(chain[i]);
            if (!c) return unexpected(failure(c.error()));
            intermediates.push_back(std::move(*c));
        }
        const auto anchor = anchor_for(revocation);
        if (!anchor) return unexpected(failure(anchor.error()));
        auto ok = crypto::verify_certificate_chain(**anchor, *leaf, intermediates, now);
        if (!ok) return unexpected(failure(ok.error()));
        return facts(*ok, intermediates);
    }

    std::array<std::uint8_t, 20> ca_key_id() const override { return m_anchor.certreq_hash(); }

private:
    // The anchor with the policy's CRL installed; cached while the CRL bytes stay the same.
    Expected<const crypto::TrustAnchor*, CertError> anchor_for(const RevocationPolicy& revocation) const {
        if (revocation.crls.empty()) return &m_anchor;
        if (m_crl_anchor && m_crl_bytes == revocation.crls) return &*m_crl_anchor;
        auto anchor = m_anchor;
        for (const auto& der : revocation.crls) {
            auto crl = crypto::Crl::from_der(der);
            if (!crl) return unexpected(CertError::CrlInvalid);
            if (auto set = anchor.set_crl(std::move(*crl)); !set) return unexpected(set.error());
        }
        m_crl_anchor = std::move(anchor);
        m_crl_bytes = revocation.crls;
        return &*m_crl_anchor;
    }

    static VerifiedPeer facts(const crypto::VerifiedPeer& v, const std::vector<crypto::Certificate>& intermediates) {
        const auto& cert = v.certificate();
        VerifiedPeer p{cert.public_key(), {}, {}, {}, cert.not_after(), {}, {}, cert.serial()};
        const auto& san = cert.alt_names();
        p.dns_names = san.dns;
        for (const auto& a : san.ipv4) p.addresses.push_back(*IpAddress::from_bytes(a));
        for (const auto& a : san.ipv6) p.addresses.push_back(*IpAddress::from_bytes(a));
        if (const auto& blocks = v.ip_blocks()) {
            for (const auto& r : blocks->ranges(crypto::IpFamily::V4)) p.allowed.push_back(to_selector(r));
            for (const auto& r : blocks->ranges(crypto::IpFamily::V6)) p.allowed.push_back(to_selector(r));
        }
        for (const auto& c : intermediates) p.not_after = std::min(p.not_after, c.not_after());
        p.spki_sha256 = crypto::sha256({cert.public_key().spki_der()});
        const auto issuer = cert.issuer_dn_der();
        p.issuer_dn.assign(issuer.begin(), issuer.end());
        return p;
    }

    crypto::TrustAnchor m_anchor;
    mutable std::optional<crypto::TrustAnchor> m_crl_anchor;
    mutable std::vector<std::vector<std::uint8_t>> m_crl_bytes;
};

}  // namespace

std::shared_ptr<const CertificateVerifier> make_x509_verifier(std::span<const std::uint8_t> ca_der) {
    auto cert = crypto::Certificate::from_der(ca_der);
    if (!cert) return nullptr;
    auto anchor = crypto::TrustAnchor::create(std::move(*cert));
    if (!anchor) return nullptr;
    return std::make_shared<X509Verifier>(std::move(*anchor));
}

}  // namespace ike::policy
