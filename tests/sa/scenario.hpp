// Helpers for the scenario tests: a mesh of endpoints on the simulated network, sharing one
// test CA, and queries over the events each endpoint emitted.
#pragma once

#include <functional>
#include <string>

#include "network.hpp"
#include "test_pki.hpp"

namespace ike::test {

inline TrafficSelector subnet(int n) { return TrafficSelector::subnet(IpAddress::v4(10, 0, static_cast<std::uint8_t>(n), 0), 24); }
inline IpAddress wan(int n) { return IpAddress::v4(192, 0, 2, static_cast<std::uint8_t>(n)); }

struct Mesh {
    sim::TestCa ca;
    sim::Network net;
    std::uint64_t rng_salt = 0;  // change it to give a re-added node a fresh random stream

    explicit Mesh(std::uint64_t seed = 1, sim::Conditions c = {}) : ca("mesh-ca", 4242), net(seed, c) {}

    // Node n: name "node<n>.mesh", address 192.0.2.n, subnet 10.0.n.0/24.
    sim::Network::Node& add(int n, const std::function<void(Config&)>& tweak = {}, sim::CertSpec spec = {},
                            sim::TestCa* issuer = nullptr, std::optional<IpAddress> at = std::nullopt) {
        const std::string name = "node" + std::to_string(n) + ".mesh";
        const auto id = sim::make_node(issuer ? *issuer : ca, name, wan(n), subnet(n), 1000 + static_cast<std::uint64_t>(n), spec);
        auto config = sim::make_config(ca, id);
        config.timers.liveness_after = Duration{0};
        if (tweak) tweak(config);
        auto pool = std::make_shared<sim::SpiPool>();
        pool->next = 0x1000u * static_cast<std::uint32_t>(n);
        auto ep = Endpoint::create(std::move(config), crypto::make_seeded_rng(static_cast<std::uint64_t>(n) * 7919 + 1 + rng_salt),
                                   sim::make_spi_allocator(pool));
        REQUIRE(ep);
        return net.add(name, at.value_or(wan(n)), std::move(*ep), pool);
    }

    sim::Network::Node& node(int n) { return net.node("node" + std::to_string(n) + ".mesh"); }

    static InitiateRequest request(int from, int to, std::uint64_t tag = 0) {
        InitiateRequest r;
        r.remote = SocketAddress{wan(to), 500};
        r.local = SocketAddress{wan(from), 500};
        r.peer_id = Identity::fqdn("node" + std::to_string(to) + ".mesh");
        r.local_ts = {subnet(from)};
        r.remote_ts = {subnet(to)};
        r.tag = tag;
        return r;
    }

    ChildSaId initiate(int from, int to, std::uint64_t tag = 0) {
        auto r = node(from).endpoint->initiate(request(from, to, tag), net.now());
        REQUIRE(r);
        return *r;
    }
};

template <typename E>
std::vector<E> events_of(const sim::Network::Node& n) {
    std::vector<E> out;
    for (const auto& e : n.events)
        if (const auto* x = std::get_if<E>(&e)) out.push_back(*x);
    return out;
}

template <typename E>
std::size_t count(const sim::Network::Node& n) {
    return events_of<E>(n).size();
}

inline bool same_keys(const crypto::EspKeys& a, const crypto::EspKeys& b) {
    return a.encr_key == b.encr_key && a.integ_key == b.integ_key && a.encr_alg == b.encr_alg;
}

// Both ends exported the same IKE SA: its SPIs and SK_e*, SK_a* keys.
inline bool same_ike_keys(const IkeKeysExported& a, const IkeKeysExported& b) {
    return a.spi_i == b.spi_i && a.spi_r == b.spi_r && a.sk_ei == b.sk_ei && a.sk_er == b.sk_er && a.sk_ai == b.sk_ai &&
           a.sk_ar == b.sk_ar;
}

// a's outbound SA is b's inbound SA (SPI and keys) and vice versa.
inline bool pair_matches(const ChildSaUp& a, const ChildSaUp& b) {
    return a.outbound.spi == b.inbound.spi && a.inbound.spi == b.outbound.spi &&
           same_keys(a.outbound.keys, b.inbound.keys) && same_keys(a.inbound.keys, b.outbound.keys);
}

inline bool no_state(const sim::Network::Node& n) {
    const auto s = n.endpoint->state_counts();
    return s.ike_sas == 0 && s.child_sas == 0 && n.spis->live.empty();
}

}  // namespace ike::test
