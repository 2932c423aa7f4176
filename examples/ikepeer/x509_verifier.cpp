// Maps lib/crypto's verify_certificate_chain() result onto the engine's VerifiedPeer.
#include "x509_verifier.hpp"

#include <string>

#include "crypto/x509_cert.hpp"
#include "crypto/x509_verify.hpp"
#include "ike/config.hpp"
#include "ike/events.hpp"

namespace ikepeer {
namespace {

using ike::AuthFailure;
using ike::crypto::CertError;

AuthFailure to_failure(CertError e) {
    switch (e) {
        case CertError::Malformed: return AuthFailure::malformed_certificate;
        case CertError::UnsupportedAlgorithm: return AuthFailure::unsupported_algorithm;
        case CertError::KeyMismatch:
        case CertError::HashNotAnnounced:
        case CertError::NoCommonHash:
        case CertError::SignatureMismatch: return AuthFailure::bad_signature;
        case CertError::UnknownCa:
        case CertError::NotACa:
        case CertError::ChainTooLong: return AuthFailure::unknown_ca;
        case CertError::Expired: return AuthFailure::expired;
        case CertError::NotYetValid: return AuthFailure::not_yet_valid;
        case CertError::BadKeyUsage:
        case CertError::UnknownCriticalExtension: return AuthFailure::bad_key_usage;
        case CertError::Revoked:
        case CertError::CrlInvalid: return AuthFailure::revoked;
        case CertError::IdentityMismatch: return AuthFailure::identity_mismatch;
        case CertError::SubnetNotAllowed: return AuthFailure::subnet_not_allowed;
        case CertError::InvalidArgument: return AuthFailure::malformed_certificate;
    }
    return AuthFailure::malformed_certificate;
}

ike::VerifyFailure failure(CertError e, const char* what) {
    return {to_failure(e), std::string(what) + ": " + std::string(ike::crypto::to_string(e))};
}

ike::IpAddress to_ip(ike::crypto::IpFamily f, const std::array<std::uint8_t, 16>& a) {
    const std::size_t n = f == ike::crypto::IpFamily::V4 ? 4 : 16;
    return *ike::IpAddress::from_bytes(std::span<const std::uint8_t>(a.data(), n));
}

class X509Verifier final : public ike::CertificateVerifier {
public:
    explicit X509Verifier(ike::crypto::TrustAnchor anchor) : m_anchor(std::move(anchor)) {}

    ike::Expected<ike::VerifiedPeer, ike::VerifyFailure> verify(std::span<const std::vector<std::uint8_t>> chain,
                                                                const ike::RevocationPolicy& revocation,
                                                                ike::Time now) const override {
        if (chain.empty()) return ike::unexpected(ike::VerifyFailure{AuthFailure::no_certificate, "no CERT"});
        auto leaf = ike::crypto::Certificate::from_der(chain[0]);
        if (!leaf) return ike::unexpected(failure(leaf.error(), "end-entity certificate"));
        std::vector<ike::crypto::Certificate> intermediates;
        for (std::size_t i = 1; i < chain.size(); ++i) {
            auto c = ike::crypto::Certificate::from_der(chain[i]);
            if (!c) return ike::unexpected(failure(c.error(), "intermediate certificate"));
            intermediates.push_back(std::move(*c));
        }
        ike::crypto::TrustAnchor anchor = m_anchor;
        if (!revocation.crls.empty()) {
            std::vector<ike::crypto::Crl> crls;
            for (const auto& der : revocation.crls) {
                auto crl = ike::crypto::Crl::from_der(der);
                if (!crl) return ike::unexpected(failure(crl.error(), "CRL"));
                crls.push_back(std::move(*crl));
            }
            if (auto ok = anchor.set_crls(crls); !ok) return ike::unexpected(failure(ok.error(), "CRL"));
        }
        auto verified = ike::crypto::verify_certificate_chain(anchor, *leaf, intermediates, now);
        if (!verified) return ike::unexpected(failure(verified.error(), "certificate chain"));

        ike::VerifiedPeer peer{leaf->public_key(), {}, {}, {}, {}, {}, {}, {}};
        const auto& san = leaf->alt_names();
        peer.dns_names = san.dns;
        for (const auto& a : san.ipv4) peer.addresses.push_back(*ike::IpAddress::from_bytes(a));
        for (const auto& a : san.ipv6) peer.addresses.push_back(*ike::IpAddress::from_bytes(a));
        if (const auto& blocks = verified->ip_blocks()) {
            for (const auto f : {ike::crypto::IpFamily::V4, ike::crypto::IpFamily::V6})
                for (const auto& r : blocks->ranges(f))
                    peer.allowed.push_back(ike::TrafficSelector{to_ip(f, r.first), to_ip(f, r.last)});
        }
        peer.not_after = verified->chain_not_after();
        peer.spki_sha256 = leaf->spki_sha256();
        const auto issuer = leaf->issuer_dn_der();
        peer.issuer_dn.assign(issuer.begin(), issuer.end());
        peer.serial = leaf->serial();
        return peer;
    }

    std::array<std::uint8_t, 20> ca_key_id() const override { return m_anchor.certreq_hash(); }

private:
    ike::crypto::TrustAnchor m_anchor;
};

}  // namespace

ike::Expected<std::shared_ptr<const ike::CertificateVerifier>, std::string> make_x509_verifier(
    std::span<const std::uint8_t> ca_der) {
    auto ca = ike::crypto::Certificate::from_der(ca_der);
    if (!ca) return ike::unexpected("CA certificate: " + std::string(ike::crypto::to_string(ca.error())));
    auto anchor = ike::crypto::TrustAnchor::create(std::move(*ca));
    if (!anchor) return ike::unexpected("CA certificate: " + std::string(ike::crypto::to_string(anchor.error())));
    return std::shared_ptr<const ike::CertificateVerifier>(std::make_shared<X509Verifier>(std::move(*anchor)));
}

}  // namespace ikepeer
