// A small test PKI for the simulated network: a CA with an Ed25519 key issuing "certificates"
// in a simple signed format, a CRL in the same style, and a CertificateVerifier for them. It
// exercises the engine's whole authorisation path (chain signature, validity, CRL, blocklist,
// identity <-> SAN, RFC 3779 blocks) without X.509 files; the X.509 verifier has its own tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "crypto/privkey.hpp"
#include "ike/config.hpp"
#include "ike/verifier.hpp"

namespace ike::sim {

struct CertSpec {
    std::string dns_name;                  // SAN dNSName
    std::vector<IpAddress> addresses;      // SAN iPAddress
    TrafficSelectors allowed;              // RFC 3779 blocks
    Time not_before{};
    Time not_after{};
    std::vector<std::uint8_t> serial{1};
};

class TestCa {
public:
    TestCa(std::string name, std::uint64_t seed, crypto::KeyType type = crypto::KeyType::Ed25519);

    const std::string& name() const { return m_name; }
    std::vector<std::uint8_t> issuer_dn() const;
    // A certificate for `subject_key` (the holder's public key).
    std::vector<std::uint8_t> issue(const CertSpec& spec, const crypto::PublicKey& subject_key);
    std::vector<std::uint8_t> crl(const std::vector<std::vector<std::uint8_t>>& revoked_serials);
    std::shared_ptr<const CertificateVerifier> verifier() const;
    std::vector<std::uint8_t> certificate() const;  // the "CA certificate": its SPKI

private:
    std::string m_name;
    std::unique_ptr<crypto::Rng> m_rng;
    std::shared_ptr<crypto::PrivateKey> m_key;
};

// A node's credentials and a default configuration: identity = dns name, one subnet.
struct NodeIdentity {
    std::string name;
    IpAddress address;
    TrafficSelector subnet;
    std::shared_ptr<crypto::PrivateKey> key;
    std::vector<std::uint8_t> certificate;
};
NodeIdentity make_node(TestCa& ca, const std::string& name, const IpAddress& address, const TrafficSelector& subnet,
                       std::uint64_t seed, CertSpec overrides = {});
Config make_config(const TestCa& ca, const NodeIdentity& node);

}  // namespace ike::sim
