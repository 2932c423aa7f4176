// An ike::CertificateVerifier over lib/crypto's X.509 path validation, for programs that load
// real certificates (ikepeer, the interop test). The engine takes its verifier injected.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "ike/expected.hpp"
#include "ike/verifier.hpp"

namespace ikepeer {

// DER of the trust anchor; an error string when it is not a usable CA certificate.
ike::Expected<std::shared_ptr<const ike::CertificateVerifier>, std::string> make_x509_verifier(
    std::span<const std::uint8_t> ca_der);

}  // namespace ikepeer
