// The defaults of ike/verifier.hpp's CertificateVerifier, for verifiers without CRLs (tests'
// own PKIs): no CRL is reported nor refused, no intermediate is remembered.
#include "ike/verifier.hpp"

#include "ike/endpoint.hpp"

namespace ike {

Expected<std::vector<CrlInfo>, ConfigError> CertificateVerifier::check_crls(const RevocationPolicy&) const {
    return std::vector<CrlInfo>{};
}

void CertificateVerifier::learn_intermediates(std::span<const std::vector<std::uint8_t>>) const {}

}  // namespace ike
