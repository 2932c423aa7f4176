// The fuzzer's certificates, made once at start-up: one test CA (tests/sim/test_pki), two nodes
// with Ed25519 keys, and the CRLs the update_policy operation installs.
#pragma once

#include <array>
#include <vector>

#include "test_pki.hpp"

namespace fuzz_engine {

struct Pki {
    ike::sim::TestCa ca{"fuzz-ca", 77};
    std::array<ike::sim::NodeIdentity, 2> nodes;
    std::array<std::vector<std::uint8_t>, 2> crl_revoking;  // revokes node i's serial
    std::vector<std::uint8_t> crl_unrelated;                // revokes a serial nobody has
    std::array<std::array<std::uint8_t, 32>, 2> spki_sha256;
    Pki();
};
const Pki& pki();

ike::IpAddress node_address(int side);           // 192.0.2.1, 192.0.2.2 (public)
ike::TrafficSelector node_subnet(int side);      // 10.0.1.0/24, 10.0.2.0/24
ike::Identity node_id(int side);                 // node0.mesh, node1.mesh
ike::Time start_time();                          // 2026-06-01, inside the certificates' validity

}  // namespace fuzz_engine
