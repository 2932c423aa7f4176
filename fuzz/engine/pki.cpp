// Certificates made once per process: Ed25519 keeps the per-execution cost of IKE_AUTH low.
#include "pki.hpp"

#include "crypto/hash.hpp"

namespace fuzz_engine {

ike::IpAddress node_address(int side) { return ike::IpAddress::v4(192, 0, 2, static_cast<std::uint8_t>(side + 1)); }
ike::TrafficSelector node_subnet(int side) {
    return ike::TrafficSelector::subnet(ike::IpAddress::v4(10, 0, static_cast<std::uint8_t>(side + 1), 0), 24);
}
ike::Identity node_id(int side) { return ike::Identity::fqdn(side == 0 ? "node0.mesh" : "node1.mesh"); }
ike::Time start_time() { return ike::Time{std::chrono::seconds{1780272000}}; }

Pki::Pki() {
    for (int i = 0; i < 2; ++i) {
        ike::sim::CertSpec spec;
        spec.serial = {static_cast<std::uint8_t>(0x10 + i)};
        nodes[static_cast<std::size_t>(i)] =
            ike::sim::make_node(ca, i == 0 ? "node0.mesh" : "node1.mesh", node_address(i), node_subnet(i),
                                500 + static_cast<std::uint64_t>(i), spec);
        crl_revoking[static_cast<std::size_t>(i)] = ca.crl({spec.serial});
        spki_sha256[static_cast<std::size_t>(i)] =
            ike::crypto::sha256({nodes[static_cast<std::size_t>(i)].key->public_key().spki_der()});
    }
    crl_unrelated = ca.crl({{0x7f}});
}

const Pki& pki() {
    static const Pki p;
    return p;
}

}  // namespace fuzz_engine
