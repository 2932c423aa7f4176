// A test PKI built with our own CA API: a root, an intermediate, node certificates, fixed times.
#pragma once

#include "crypto/ca_issue.hpp"

#include "cert_test_util.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>

namespace ike::crypto::test {

using namespace std::chrono_literals;

// 2026-01-01T00:00:00Z: every test runs at a fixed "now", never the machine's clock.
inline const TimePoint kNow = TimePoint(std::chrono::seconds(1767225600));

inline IpAddrBlocks blocks_of(std::initializer_list<std::string_view> nets) {
    IpAddrBlocks b;
    for (const auto n : nets) {
        auto r = IpRange::parse(n);
        REQUIRE(r.has_value());
        b.add(*r);
    }
    return b;
}

inline std::array<std::uint8_t, 4> v4(const char* s) {
    std::array<std::uint8_t, 4> a{};
    REQUIRE(inet_pton(AF_INET, s, a.data()) == 1);
    return a;
}

inline std::array<std::uint8_t, 16> v6(const char* s) {
    std::array<std::uint8_t, 16> a{};
    REQUIRE(inet_pton(AF_INET6, s, a.data()) == 1);
    return a;
}

inline CaProfile ca_profile(std::string cn, std::uint64_t serial = 1) {
    CaProfile p;
    p.common_name = std::move(cn);
    p.organization = "meshd test";
    p.not_before = kNow - 24h;
    p.not_after = kNow + 24h * 3650;
    p.serial = serial;
    // RFC 3779 §2.3: a certificate's blocks must lie within its issuer's, so the CA holds the
    // whole mesh range (OpenSSL and strongSwan enforce this too).
    p.ip_blocks = blocks_of({"10.0.0.0/8", "fd00::/8"});
    return p;
}

inline NodeProfile node_profile(std::string name, std::uint64_t serial) {
    NodeProfile p;
    p.common_name = name;
    p.alt_names.dns = {name};
    p.alt_names.ipv4 = {v4("192.0.2.10")};
    p.alt_names.ipv6 = {v6("2001:db8::10")};
    p.alt_names.email = {"ops@" + name};
    p.ip_blocks = blocks_of({"10.0.1.0/24", "fd00:1::/48"});
    p.not_before = kNow - 1h;
    p.not_after = kNow + 24h * 30;
    p.serial = serial;
    return p;
}

inline CertificateAuthority make_root(Rng& rng, KeyType type = KeyType::Ed25519,
                                      std::string cn = "meshd test root") {
    auto key = PrivateKey::generate(type, rng);
    REQUIRE(key.has_value());
    auto ca = CertificateAuthority::create_self_signed(std::move(*key), ca_profile(std::move(cn)), rng);
    REQUIRE(ca.has_value());
    return std::move(*ca);
}

struct Node {
    PrivateKey key;
    Certificate cert;
};

inline Node make_node(const CertificateAuthority& ca, Rng& rng, const NodeProfile& profile,
                      KeyType type = KeyType::Ed25519) {
    auto key = PrivateKey::generate(type, rng);
    REQUIRE(key.has_value());
    auto cert = ca.issue_node(key->public_key(), profile, rng);
    REQUIRE(cert.has_value());
    return Node{std::move(*key), std::move(*cert)};
}

}  // namespace ike::crypto::test
