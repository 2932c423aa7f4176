// Endpoints on the simulated network with real X.509 credentials from x509_pki.hpp, through the
// verifier Endpoint::create builds when Config::verifier is null.
#pragma once

#include "x509_pki.hpp"  // first: Catch2 before scenario.hpp

#include <functional>

#include "../sa/scenario.hpp"
#include "ike/endpoint.hpp"

namespace ike::test::x509 {

inline constexpr Duration settle{120000};

struct X509Mesh {
    std::unique_ptr<crypto::Rng> rng = crypto::make_seeded_rng(11);
    CertificateAuthority ca = make_root(*rng);
    sim::Network net{3};

    Config config(int n, const NodeCert& node, const CertificateAuthority* issuer = nullptr) const {
        Config c;
        c.credentials.local_id = Identity::fqdn("node" + std::to_string(n) + ".mesh");
        c.credentials.certificate_chain = {der(node.cert)};
        if (issuer) c.credentials.certificate_chain.push_back(der(issuer->certificate()));  // an intermediate
        c.credentials.private_key = node.key;
        c.credentials.ca_certificate = der(ca.certificate());
        c.local_traffic = {subnet(n)};
        c.timers.liveness_after = Duration{0};
        return c;  // no verifier: the X.509 one
    }

    // `issuer`: a rogue root (not in the chain) or, with `chain_issuer`, an intermediate we send.
    sim::Network::Node& add(int n, KeyType type, const crypto::NodeProfile& profile,
                            const CertificateAuthority* issuer = nullptr, bool chain_issuer = false,
                            const std::function<void(Config&)>& tweak = {}) {
        const auto node = issue(issuer ? *issuer : ca, *rng, profile, type);
        auto pool = std::make_shared<sim::SpiPool>();
        pool->next = 0x1000u * static_cast<std::uint32_t>(n);
        auto c = config(n, node, chain_issuer ? issuer : nullptr);
        if (tweak) tweak(c);
        auto ep = Endpoint::create(std::move(c), crypto::make_seeded_rng(static_cast<std::uint64_t>(n) * 31 + 5),
                                   sim::make_spi_allocator(pool));
        REQUIRE(ep);
        return net.add("node" + std::to_string(n) + ".mesh", wan(n), std::move(*ep), pool);
    }
    sim::Network::Node& add(int n, KeyType type) { return add(n, type, node_profile(n)); }

    void initiate(int from, int to) {
        REQUIRE(net.node("node" + std::to_string(from) + ".mesh").endpoint->initiate(Mesh::request(from, to), net.now()));
    }

    // Runs until the initiator's IKE SA is gone and neither side holds state.
    void run_failure(int from, int to) {
        auto& a = net.node("node" + std::to_string(from) + ".mesh");
        auto& b = net.node("node" + std::to_string(to) + ".mesh");
        initiate(from, to);
        CHECK(net.run_until([&] { return count<IkeSaDown>(a) > 0 && no_state(a) && no_state(b); }, settle));
        CHECK(no_state(a));
        CHECK(no_state(b));
        CHECK(count<ChildSaUp>(a) == 0);
        CHECK(count<ChildSaUp>(b) == count<ChildSaDown>(b));
    }
};

}  // namespace ike::test::x509
