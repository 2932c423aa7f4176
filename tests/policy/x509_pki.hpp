// Real X.509 test certificates for tests/policy, made with lib/crypto's CA API at times relative
// to the simulated network's start (2026-06-01): a root, optional intermediate, node certificates.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "crypto/ca_issue.hpp"
#include "crypto/rng.hpp"
#include "ike/types.hpp"
#include "network.hpp"

namespace ike::test::x509 {

using namespace std::chrono_literals;
using crypto::CertificateAuthority;
using crypto::IpAddrBlocks;
using crypto::KeyType;

inline Time now0() { return sim::start_time(); }

inline IpAddrBlocks blocks(std::initializer_list<std::string_view> nets) {
    IpAddrBlocks b;
    for (const auto n : nets) {
        auto r = crypto::IpRange::parse(n);
        REQUIRE(r);
        b.add(*r);
    }
    return b;
}

inline crypto::CaProfile ca_profile(std::string cn, std::uint64_t serial = 1) {
    crypto::CaProfile p;
    p.common_name = std::move(cn);
    p.not_before = now0() - 24h * 30;
    p.not_after = now0() + 24h * 3650;
    p.serial = serial;
    p.ip_blocks = blocks({"10.0.0.0/8", "fd00::/8"});
    return p;
}

inline CertificateAuthority make_root(crypto::Rng& rng, std::string cn = "mesh root", KeyType type = KeyType::Ed25519) {
    auto key = crypto::PrivateKey::generate(type, rng);
    REQUIRE(key);
    auto ca = CertificateAuthority::create_self_signed(std::move(*key), ca_profile(std::move(cn)), rng);
    REQUIRE(ca);
    return std::move(*ca);
}

inline CertificateAuthority make_intermediate(const CertificateAuthority& root, crypto::Rng& rng,
                                              KeyType type = KeyType::EcdsaP256) {
    auto key = crypto::PrivateKey::generate(type, rng);
    REQUIRE(key);
    auto p = ca_profile("mesh intermediate", 2);
    p.not_after = now0() + 24h * 365;
    auto ca = root.issue_intermediate(std::move(*key), p, rng);
    REQUIRE(ca);
    return std::move(*ca);
}

// Node n: "node<n>.mesh", SAN 192.0.2.n and 2001:db8::n, blocks 10.0.n.0/24 and fd00:n::/48.
inline crypto::NodeProfile node_profile(int n, std::uint64_t serial = 0) {
    crypto::NodeProfile p;
    const auto u = static_cast<std::uint8_t>(n);
    p.common_name = "node" + std::to_string(n) + ".mesh";
    p.alt_names.dns = {p.common_name};
    p.alt_names.ipv4 = {{192, 0, 2, u}};
    p.alt_names.ipv6 = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, u}};
    p.ip_blocks = blocks({"10.0." + std::to_string(n) + ".0/24", "fd00:" + std::to_string(n) + "::/48"});
    p.not_before = now0() - 24h;
    p.not_after = now0() + 24h * 30;
    p.serial = serial ? serial : 100 + static_cast<std::uint64_t>(n);
    return p;
}

struct NodeCert {
    std::shared_ptr<crypto::PrivateKey> key;
    crypto::Certificate cert;
};

inline NodeCert issue(const CertificateAuthority& ca, crypto::Rng& rng, const crypto::NodeProfile& p,
                      KeyType type = KeyType::Ed25519) {
    auto key = crypto::PrivateKey::generate(type, rng);
    REQUIRE(key);
    auto cert = ca.issue_node(key->public_key(), p, rng);
    REQUIRE(cert);
    return NodeCert{std::make_shared<crypto::PrivateKey>(std::move(*key)), std::move(*cert)};
}

inline std::vector<std::uint8_t> der(const crypto::Certificate& c) { return {c.der().begin(), c.der().end()}; }

}  // namespace ike::test::x509
