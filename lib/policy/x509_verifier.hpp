// The production CertificateVerifier (ike/verifier.hpp) on lib/crypto's X.509: the configured CA
// as a TrustAnchor checked once, peer certificates parsed once through a CertificateCache, the
// RevocationPolicy's CRLs verified once per distinct set, every CertError named as an AuthFailure.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "crypto/cert_cache.hpp"
#include "crypto/x509_verify.hpp"
#include "ike/config.hpp"
#include "ike/endpoint.hpp"
#include "ike/events.hpp"
#include "ike/verifier.hpp"

namespace ike::policy {

// Intermediates become known (so that their CRLs can be checked) from our own chain and from
// every peer chain that verifies.
// Thread-safety: verify() is const for the engine but updates a certificate cache, the known
// intermediates and the CRL state behind it (mutable). Like the Endpoint that owns it, one instance serves one thread; do
// not share it between Endpoints running on different threads.
class X509Verifier final : public CertificateVerifier {
public:
    // The CA certificate (DER) must parse and be a self-signed CA with keyCertSign: bad_ca otherwise.
    static Expected<std::shared_ptr<const X509Verifier>, ConfigError> create(std::span<const std::uint8_t> ca_der,
                                                                             std::size_t cache_capacity = 256);

    Expected<VerifiedPeer, VerifyFailure> verify(std::span<const std::vector<std::uint8_t>> chain,
                                                 const RevocationPolicy& revocation, Time now) const override;
    // The chain's notAfter, its top issued by this verifier's CA (unknown_ca after a CA change),
    // and the CRLs of `revocation` (as verify() installs them) against each certificate of the
    // peer's path, by its issuer's key and its serial.
    Expected<void, VerifyFailure> recheck(const PeerFacts& peer, const RevocationPolicy& revocation,
                                          Time now) const override;
    std::array<std::uint8_t, 20> ca_key_id() const override;
    // Each CRL parsed and signed by the CA or a known intermediate (bad_crl otherwise).
    Expected<std::vector<CrlInfo>, ConfigError> check_crls(const RevocationPolicy& revocation) const override;
    // The CA certificates of our own chain that chain to the CA (the others are ignored).
    void learn_intermediates(std::span<const std::vector<std::uint8_t>> chain) const override;

    // Observables for tests and the daemon's counters.
    std::size_t crl_loads() const noexcept { return m_crl_loads; }  // distinct CRL sets verified
    const crypto::CertificateCache& cache() const noexcept { return m_cache; }

    explicit X509Verifier(crypto::TrustAnchor anchor, std::size_t cache_capacity)
        : m_anchor(std::move(anchor)), m_cache(cache_capacity) {}

private:
    // Installs revocation.crls into the anchor unless they are the bytes installed last time.
    Expected<void, VerifyFailure> load_crls(const RevocationPolicy& revocation) const;
    static crypto::CertResult<std::vector<crypto::Crl>> parse_crls(const RevocationPolicy& revocation);

    mutable crypto::TrustAnchor m_anchor;
    mutable crypto::CertificateCache m_cache;
    mutable std::vector<std::vector<std::uint8_t>> m_crl_bytes;  // the set m_anchor holds (or refused)
    mutable std::optional<VerifyFailure> m_crl_failure;          // why that set was refused
    mutable std::size_t m_crl_loads = 0;
};

Expected<std::shared_ptr<const CertificateVerifier>, ConfigError> make_x509_verifier(
    std::span<const std::uint8_t> ca_certificate_der);

// Our own credentials at Endpoint::create: the end-entity certificate parses (bad_certificate)
// and holds the public half of our private key (key_mismatch).
Expected<void, ConfigError> check_own_credentials(const Credentials& credentials);

// The AuthFailure a CertError stands for, and a readable detail.
VerifyFailure to_verify_failure(crypto::CertError e, std::string_view context);

}  // namespace ike::policy
