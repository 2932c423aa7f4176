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

// One certificate of a verified path as revocation sees it: the key of its issuer (whose CRLs
// apply to it, RFC 5280 §6.3) and its serial.
struct RevocationHandle {
    std::array<std::uint8_t, 32> issuer_spki_sha256{};
    std::vector<std::uint8_t> serial;  // big-endian, no leading zero
};

// What authorisation (lib/policy) and later revocation checks look at. The Endpoint keeps this
// for the life of an IKE SA instead of the peer's certificates (CertificateVerifier::recheck).
struct PeerFacts {
    std::vector<std::string> dns_names;     // SAN dNSName
    std::vector<IpAddress> addresses;       // SAN iPAddress
    Time not_after{};                       // earliest notAfter of the chain
    std::array<std::uint8_t, 32> spki_sha256{};
    std::vector<std::uint8_t> issuer_dn;    // DER
    std::vector<std::uint8_t> serial;       // big-endian, no leading zero
    std::vector<RevocationHandle> path;     // leaf first, then each intermediate (not the CA)
};

// A certificate chain that checked out: signed up to the CA, valid at `now`, not on a CRL.
struct VerifiedPeer : PeerFacts {
    crypto::PublicKey key;
    TrafficSelectors allowed;  // RFC 3779 blocks as ranges (any protocol and port)
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
    // A peer verified earlier, checked again at `now` against `revocation` from what the Endpoint
    // kept of it (Endpoint::update_policy, and update_credentials with a new CA; lib/policy's
    // blocklists and identity are checked afterwards): expired, not issued under this
    // verifier's CA, or a certificate of its path on its issuer's CRL (or, with
    // strict_crl_expiry, its issuer's newest CRL past nextUpdate). The default: expiry only.
    virtual Expected<void, VerifyFailure> recheck(const PeerFacts& peer, const RevocationPolicy& revocation,
                                                  Time now) const;
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
