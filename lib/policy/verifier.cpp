// The defaults of ike/verifier.hpp's CertificateVerifier, for verifiers without CRLs (tests'
// own PKIs): no CRL is reported nor refused, no intermediate is remembered, a recheck looks at
// the expiry only.
#include "ike/verifier.hpp"

#include "ike/endpoint.hpp"
#include "ike/events.hpp"

namespace ike {

Expected<std::vector<CrlInfo>, ConfigError> CertificateVerifier::check_crls(const RevocationPolicy&) const {
    return std::vector<CrlInfo>{};
}

Expected<void, VerifyFailure> CertificateVerifier::recheck(const PeerFacts& peer, const RevocationPolicy&,
                                                           Time now) const {
    if (now > peer.not_after) return unexpected(VerifyFailure{AuthFailure::expired, "certificate expired"});
    return {};
}

void CertificateVerifier::learn_intermediates(std::span<const std::vector<std::uint8_t>>) const {}

}  // namespace ike
