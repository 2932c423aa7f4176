// Peer certificate verification as the engine sees it: a chain of CERT payload bodies in, the
// facts authorisation needs out (key, names, allowed subnets, revocation handles), or a named
// failure. The X.509 implementation lives in lib/policy; tests may inject their own.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ike/public_key.hpp"
#include "ike/expected.hpp"
#include "ike/types.hpp"

namespace ike {

struct RevocationPolicy;
enum class AuthFailure : std::uint8_t;
enum class ConfigError : std::uint8_t;

// One CRL of a RevocationPolicy whose signature checked out (CertificateVerifier::check_crls).
struct CrlInfo {
    std::uint64_t number = 0;  // cRLNumber (0: none)
    Time this_update{};
    Time next_update{};
    std::array<std::uint8_t, 32> issuer{};  // SHA-256 of the signer's SPKI: numbers count per issuer
    bool by_ca = true;                      // signed by the trusted CA itself, not an intermediate
};

// A certificate chain that checked out: signed up to the CA, valid at `now`, not on a CRL.
struct VerifiedPeer {
    crypto::PublicKey key;
    std::vector<std::string> dns_names;     // SAN dNSName
    std::vector<IpAddress> addresses;       // SAN iPAddress
    TrafficSelectors allowed;               // RFC 3779 blocks as ranges (any protocol and port)
    Time not_after{};                       // earliest notAfter of the chain
    std::array<std::uint8_t, 32> spki_sha256{};
    std::vector<std::uint8_t> issuer_dn;    // DER
    std::vector<std::uint8_t> serial;       // big-endian, no leading zero
};

struct VerifyFailure {
    AuthFailure reason{};
    std::string detail;
};

class CertificateVerifier {
public:
    virtual ~CertificateVerifier() = default;
    // chain: CERT payload data (X.509 DER for encoding 4), end entity first. The CRLs of
    // `revocation` apply; its blocklists are checked by lib/policy afterwards.
    virtual Expected<VerifiedPeer, VerifyFailure> verify(std::span<const std::vector<std::uint8_t>> chain,
                                                         const RevocationPolicy& revocation,
                                                         Time now) const = 0;
    // The CRLs of `revocation`, each parsed and signed by the CA or by the intermediate that
    // issued it, in order; ConfigError::bad_crl for the first that is not. Called before a policy
    // is applied (Endpoint::create, update_policy). The default: a verifier without CRLs, which
    // neither reports nor refuses any.
    virtual Expected<std::vector<CrlInfo>, ConfigError> check_crls(const RevocationPolicy& revocation) const;
    // Certificates that may sign CRLs besides the CA: the intermediates of our own chain (DER,
    // end entity first, as in Credentials). The default ignores them.
    virtual void learn_intermediates(std::span<const std::vector<std::uint8_t>> chain) const;
    // The CERTREQ value for the trusted CA (SHA-1 of its SubjectPublicKeyInfo, RFC 7296 §3.7).
    virtual std::array<std::uint8_t, 20> ca_key_id() const = 0;
};

}  // namespace ike
