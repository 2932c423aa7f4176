// ikeload's certificates: a CA (Ed25519: lib/crypto's CA issues with Ed25519 or ECDSA only),
// the responder's certificate and key, and one client key shared by every client; the clients'
// certificates (distinct names and subnets) are issued in memory at each run from the CA key.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "crypto/ca_issue.hpp"
#include "crypto/privkey.hpp"
#include "crypto/transforms.hpp"

namespace ikeload {

// What is measured: the AUTH key type (certificates) and the IKE_SA_INIT key exchange group.
struct Suite {
    const char* name;         // on the command line
    const char* description;  // in the output
    ike::crypto::KeyType key;
    ike::crypto::KeId ke;
    const char* strongswan_ike;  // the same proposal in swanctl.conf syntax
};
const Suite* find_suite(const std::string& name);
extern const Suite kSuites[3];

// Writes DIR/ca.crt, ca.p8, responder.crt, responder.p8 (PKCS#8 PEM, which charon and ikepeer
// both load) and client.p8. The responder is "responder.load" with 10.0.0.0/24.
void make_pki(const std::filesystem::path& dir, const Suite& suite);

struct Client {
    std::string name;  // client-N.load
    std::vector<std::uint8_t> certificate;
    std::uint32_t address;  // its one-address subnet (host order), inside 10.128.0.0/9
};

struct LoadedPki {
    ike::crypto::CertificateAuthority ca;
    std::shared_ptr<const ike::crypto::PrivateKey> client_key;
    std::vector<Client> clients;
};
// Loads DIR's CA and client key and issues `count` client certificates.
LoadedPki load_pki(const std::filesystem::path& dir, std::size_t count);

[[noreturn]] void fatal(const std::string& msg);

}  // namespace ikeload
