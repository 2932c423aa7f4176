// The production CertificateVerifier: X.509 chains to the configured CA through lib/crypto
// (signatures, validity, key usage, path length, RFC 3779 nesting, the CA's CRL), mapped to
// the facts and named failures the engine's authorisation uses.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "ike/events.hpp"
#include "ike/verifier.hpp"

namespace ike::policy {

// ca_der: the trust anchor (a self-signed CA certificate, DER). nullptr if it is not one.
std::shared_ptr<const CertificateVerifier> make_x509_verifier(std::span<const std::uint8_t> ca_der);

}  // namespace ike::policy
