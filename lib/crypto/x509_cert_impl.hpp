// INTERNAL to lib/crypto (includes Botan): never include from a public header or outside
// lib/crypto. The parsed Botan certificate and what we extract from it once.
#pragma once

#include "crypto/x509_cert.hpp"

#include <botan/x509cert.h>

namespace ike::crypto {

struct Certificate::Impl {
    Botan::X509_Certificate cert;
    std::vector<std::uint8_t> der;  // as received (CERT payload bytes), or re-encoded from PEM
    PublicKey public_key;
    SubjectAltNames alt_names;
    std::optional<IpAddrBlocks> ip_blocks;
    bool unknown_critical = false;
};

}  // namespace ike::crypto
