// bench_engine: two libike Endpoints in one process joined by a direct loop (no simulated
// loss): complete IKE_SA_INIT + IKE_AUTH handshakes (with the first child SA) per second on one
// core per suite, beside the pure crypto cost of the same handshake, and the bytes an Endpoint
// holds per established IKE SA with one child SA. X.509 certificates from lib/crypto's CA.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "crypto/auth_sig.hpp"
#include "crypto/ca_issue.hpp"
#include "crypto/ke.hpp"
#include "crypto/x509_verify.hpp"
#include "ike/endpoint.hpp"
#include "policy/x509_verifier.hpp"

namespace {

using namespace ike;
using crypto::KeyType;

double thread_cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// µs of thread CPU time per call of op(n) doing n units: the best of `runs` runs.
double best_of(int runs, int n, const std::function<void(int)>& op) {
    double best = 0;
    for (int r = 0; r < runs; ++r) {
        const double t0 = thread_cpu_us();
        op(n);
        const double us = (thread_cpu_us() - t0) / n;
        best = r == 0 ? us : std::min(best, us);
    }
    return best;
}

template <typename T, typename E>
T must(Expected<T, E> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "bench_engine: %s failed\n", what);
        std::exit(1);
    }
    return std::move(*r);
}

template <typename E>
void must(Expected<void, E> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "bench_engine: %s failed\n", what);
        std::exit(1);
    }
}

class CountingSpis final : public SpiAllocator {
public:
    explicit CountingSpis(std::uint32_t base) : m_next(base) {}
    std::optional<std::uint32_t> allocate(const SocketAddress&, const SocketAddress&) override { return m_next++; }
    void release(std::uint32_t) override {}

private:
    std::uint32_t m_next;
};

struct Suite {
    const char* name;
    KeyType key;
    crypto::IkeSuite ike;
    crypto::EspSuite esp;
};

const Suite kSuites[] = {
    {"Ed25519 + X25519 (AES-GCM-256)", KeyType::Ed25519,
     {crypto::PrfId::HmacSha2_256, {crypto::EncrId::AesGcm16, 256, crypto::IntegId::None}, crypto::KeId::Curve25519},
     {crypto::EncrId::AesGcm16, 256, crypto::IntegId::None}},
    {"ECDSA-P256 + ECP-256 (AES-GCM-256)", KeyType::EcdsaP256,
     {crypto::PrfId::HmacSha2_256, {crypto::EncrId::AesGcm16, 256, crypto::IntegId::None}, crypto::KeId::Ecp256},
     {crypto::EncrId::AesGcm16, 256, crypto::IntegId::None}},
    {"RSA-PSS 3072 + MODP-2048 (AES-CBC-256/SHA2-256)", KeyType::Rsa,
     {crypto::PrfId::HmacSha2_256, {crypto::EncrId::AesCbc, 256, crypto::IntegId::HmacSha2_256_128}, crypto::KeId::Modp2048},
     {crypto::EncrId::AesCbc, 256, crypto::IntegId::HmacSha2_256_128}},
};

IpAddress v4(std::uint32_t a) {  // host order
    return IpAddress::v4(static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
                         static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a));
}

// One CA (Ed25519, as a mesh would run it) and two nodes with keys of the suite's type.
struct Pki {
    Time now = std::chrono::system_clock::now();
    std::unique_ptr<crypto::Rng> rng = crypto::make_system_rng();
    crypto::CertificateAuthority ca;
    struct Node {
        std::shared_ptr<const crypto::PrivateKey> key;
        crypto::Certificate cert;
    };
    Node initiator, responder;

    explicit Pki(KeyType type)
        : ca(make_ca(*rng, now)), initiator(node(type, "i.bench", "10.1.0.0/16", 10)),
          responder(node(type, "r.bench", "10.2.0.0/16", 11)) {}

    static crypto::CertificateAuthority make_ca(crypto::Rng& rng, Time now) {
        crypto::CaProfile p;
        p.common_name = "bench CA";
        p.not_before = now - std::chrono::hours(24);
        p.not_after = now + std::chrono::hours(24 * 365);
        crypto::IpAddrBlocks blocks;
        blocks.add(must(crypto::IpRange::parse("10.0.0.0/8"), "range"));
        p.ip_blocks = blocks;
        return must(crypto::CertificateAuthority::create_self_signed(
                        must(crypto::PrivateKey::generate(KeyType::Ed25519, rng), "ca key"), p, rng),
                    "ca");
    }

    Node node(KeyType type, const char* name, const char* subnet, std::uint64_t serial) {
        auto key = std::make_shared<const crypto::PrivateKey>(must(crypto::PrivateKey::generate(type, *rng), "keygen"));
        crypto::NodeProfile p;
        p.common_name = name;
        p.alt_names.dns.emplace_back(name);
        crypto::IpAddrBlocks blocks;
        blocks.add(must(crypto::IpRange::parse(subnet), "range"));
        p.ip_blocks = blocks;
        p.not_before = now - std::chrono::hours(24);
        p.not_after = now + std::chrono::hours(24 * 30);
        p.serial = serial;
        return Node{key, must(ca.issue_node(key->public_key(), p, *rng), "issue")};
    }

    Config config(const Node& n, const char* name, const char* subnet, const Suite& s) const {
        Config c;
        c.credentials.local_id = Identity::fqdn(name);
        c.credentials.certificate_chain.emplace_back(n.cert.der().begin(), n.cert.der().end());
        c.credentials.private_key = n.key;
        const auto ca_der = ca.certificate().der();
        c.credentials.ca_certificate.assign(ca_der.begin(), ca_der.end());
        c.verifier = must(policy::make_x509_verifier(ca_der), "CA verifier");  // the engine's default, made once per endpoint
        const auto r = must(crypto::IpRange::parse(subnet), "range");
        c.local_traffic = {TrafficSelector{*IpAddress::from_bytes(std::span(r.first.data(), 4)),
                                           *IpAddress::from_bytes(std::span(r.last.data(), 4))}};
        c.proposals.ike = {s.ike};
        c.proposals.esp = {s.esp};
        c.timers.liveness_after = Duration{0};
        c.limits.max_half_open_per_source = 1u << 30;
        c.limits.max_half_open = 1u << 30;
        c.limits.cookie_threshold = 1u << 30;
        return c;
    }
};

[[noreturn]] void fail(const std::string& what, const std::string& detail) {
    std::fprintf(stderr, "bench_engine: %s: %s\n", what.c_str(), detail.c_str());
    std::exit(1);
}

// Two endpoints and a loop that moves every datagram across at once.
struct Pair {
    Endpoint i, r;
    Time now;
    std::uint32_t next_peer = 0;
    std::size_t child_ups = 0;

    Pair(const Pki& pki, const Suite& s)
        : i(must(Endpoint::create(pki.config(pki.initiator, "i.bench", "10.1.0.0/16", s), crypto::make_system_rng(),
                                  std::make_unique<CountingSpis>(0x10000000)), "endpoint i")),
          r(must(Endpoint::create(pki.config(pki.responder, "r.bench", "10.2.0.0/16", s), crypto::make_system_rng(),
                                  std::make_unique<CountingSpis>(0x20000000)), "endpoint r")),
          now(pki.now) {}

    // One more handshake (new_ike_sa: not a CREATE_CHILD_SA on the first IKE SA), run to completion.
    // Always the same peer identity: the initiator then sends INITIAL_CONTACT only on the first,
    // and the responder keeps the others (§2.4).
    void handshake() {
        const std::uint32_t k = next_peer++;
        InitiateRequest req;
        req.remote = SocketAddress{v4(0x64400001u), 500};  // 100.64.0.1
        req.local = SocketAddress{v4(0xc6120001u), 500};
        req.peer_id = Identity::fqdn("r.bench");
        req.local_ts = {TrafficSelector::subnet(IpAddress::v4(10, 1, 0, 0), 16)};
        req.remote_ts = {TrafficSelector::subnet(IpAddress::v4(10, 2, 0, 0), 16)};
        req.new_ike_sa = true;
        must(i.initiate(req, now), "initiate");
        const std::size_t want = child_ups + 2;
        for (int rounds = 0; child_ups < want; ++rounds) {
            if (rounds > 20) {
                std::fprintf(stderr, "bench_engine: handshake %u did not complete\n", k);
                std::exit(1);
            }
            pump(i, r);
            pump(r, i);
        }
    }

    void pump(Endpoint& from, Endpoint& to) {
        while (auto t = from.poll_transmit()) to.handle_datagram(t->data, t->remote, t->local, now);
        while (auto e = from.poll_event()) {
            if (std::holds_alternative<ChildSaUp>(*e)) ++child_ups;
            if (const auto* a = std::get_if<AuthFailed>(&*e)) fail("authentication failed", a->detail);
            if (const auto* d = std::get_if<IkeSaDown>(&*e))
                fail("IKE SA down (reason " + std::to_string(static_cast<int>(d->reason)) + ")", d->detail);
        }
    }
};

// The same handshake's public-key crypto, both sides: two KE key pairs and shared secrets, two
// AUTH signatures and their checks, two certificate parses + chain checks against the CA. (Key
// schedule, SK protection and KEYMAT are a few µs; bench_crypto's full "+ cert chains" row
// has them too.)
double crypto_cost_us(const Pki& pki, const Suite& s) {
    const auto anchor = must(crypto::TrustAnchor::create(pki.ca.certificate()), "anchor");
    const auto hashes = crypto::supported_hash_algorithms();
    const std::vector<std::uint8_t> octets(400, 0x5a);
    auto& rng = *pki.rng;
    const auto der_i = pki.initiator.cert.der(), der_r = pki.responder.cert.der();
    return best_of(5, 20, [&](int n) {
        for (int k = 0; k < n; ++k) {
            auto ke_i = must(crypto::make_key_exchange(s.ike.ke, rng), "ke");
            auto ke_r = must(crypto::make_key_exchange(s.ike.ke, rng), "ke");
            (void)must(ke_r->shared_secret(ke_i->public_value()), "dh");
            (void)must(ke_i->shared_secret(ke_r->public_value()), "dh");
            for (const auto* side : {&pki.initiator, &pki.responder}) {
                const auto sig = must(crypto::make_signature_auth(*side->key, hashes, octets, rng), "sign");
                const auto der = side == &pki.initiator ? der_i : der_r;
                const auto leaf = must(crypto::Certificate::from_der(der), "parse");
                (void)must(crypto::verify_certificate_chain(anchor, leaf, {}, pki.now), "chain");
                must(crypto::verify_signature_auth(leaf.public_key(), hashes, sig, octets), "verify");
            }
        }
    });
}

void throughput() {
    std::printf("Handshakes: IKE_SA_INIT + IKE_AUTH + first child SA, both endpoints in this thread,\n"
                "X.509 chains (Ed25519 CA) verified on both sides. µs = thread CPU time\n"
                "(CLOCK_THREAD_CPUTIME_ID, not wall time: the machine is shared), best of 5 runs.\n\n");
    std::printf("| %-48s | %10s | %12s | %12s | %8s |\n", "suite (AUTH key + KE group)", "hs/s", "µs/hs engine",
                "µs/hs crypto", "ratio");
    std::printf("|%s|%s|%s|%s|%s|\n", std::string(50, '-').c_str(), std::string(12, '-').c_str(),
                std::string(14, '-').c_str(), std::string(14, '-').c_str(), std::string(10, '-').c_str());
    for (const auto& s : kSuites) {
        const Pki pki(s.key);
        const int n = s.key == KeyType::Rsa ? 10 : 50;
        const double engine = best_of(5, n, [&](int count) {
            Pair p(pki, s);  // fresh endpoints each run: the SA tables do not grow across runs
            for (int k = 0; k < count; ++k) p.handshake();
        });
        const double crypto = crypto_cost_us(pki, s);
        std::printf("| %-48s | %10.0f | %12.1f | %12.1f | %8.2f |\n", s.name, 1e6 / engine, engine, crypto,
                    engine / crypto);
    }
    std::printf("(ratio = engine / crypto: 1.00 would be no library overhead. \"crypto\": both sides'\n"
                " KE key pairs + shared secrets, AUTH sign + verify, certificate parse + chain check.\n"
                " The engine figure includes creating the two endpoints, amortised over the run.)\n");
}

// Heap in use: small blocks (uordblks) and mmapped ones (hblkhd).
double heap_in_use() {
    const auto m = mallinfo2();
    return static_cast<double>(m.uordblks + m.hblkhd);
}

// Resident set size of the process (/proc/self/statm, pages in memory).
double rss_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) return 0;
    unsigned long size = 0, resident = 0;
    const int got = std::fscanf(f, "%lu %lu", &size, &resident);
    std::fclose(f);
    return got == 2 ? static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) : 0;
}

void memory(std::size_t count) {
    const Suite& s = kSuites[0];
    const Pki pki(s.key);
    malloc_trim(0);  // what earlier rows freed goes back first: RSS growth is this row's
    const double before = heap_in_use();
    const double rss_before = rss_bytes();
    auto p = std::make_unique<Pair>(pki, s);
    const std::size_t tail = std::max<std::size_t>(count / 10, 1);
    for (std::size_t k = 0; k + tail < count; ++k) p->handshake();
    // CPU per handshake over the last tenth: does the cost grow with the SAs already held?
    const double t0 = thread_cpu_us();
    for (std::size_t k = 0; k < tail; ++k) p->handshake();
    const double us_tail = (thread_cpu_us() - t0) / static_cast<double>(tail);
    const double after = heap_in_use();
    const double rss_after = rss_bytes();
    const auto st_i = p->i.state_counts(), st_r = p->r.state_counts();
    const double sides = static_cast<double>(2 * count);
    const double per_side = (after - before) / sides;
    std::printf("| %9zu | %9zu / %-9zu | %9zu / %-9zu | %12.0f | %12.0f | %14.0f |\n", count, st_i.ike_sas,
                st_r.ike_sas, st_i.child_sas, st_r.child_sas, per_side, (rss_after - rss_before) / sides, us_tail);
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // rows appear as they are measured (long runs)
    // usage: bench_engine [SA-COUNT...]   (default 10000 100000)
    //        bench_engine --memory-only [SA-COUNT...]  (no rates: for a heap profiler)
    std::vector<std::size_t> sizes;
    bool rates = true;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--memory-only")
            rates = false;
        else
            sizes.push_back(std::stoul(argv[i]));
    }
    if (sizes.empty()) sizes = {10000, 100000};
    std::printf("bench_engine (one thread, Botan 2, libike endpoints in a direct loop)\n\n");
    if (rates) throughput();
    std::printf("\nMemory held per established IKE SA with one child SA (Ed25519 + X25519 suite):\n"
                "heap in use (mallinfo2(): uordblks + hblkhd) and the process RSS (/proc/self/statm)\n"
                "after the handshakes minus before, divided by the SAs of both sides (bytes per side);\n"
                "and the thread CPU µs per handshake over the last tenth of them (with that many SAs\n"
                "already held).\n\n");
    std::printf("| %9s | %-21s | %-21s | %12s | %12s | %14s |\n", "IKE SAs", "IKE SAs (i / r)", "child SAs (i / r)",
                "heap B/side", "RSS B/side", "µs/hs at end");
    std::printf("|%s|%s|%s|%s|%s|%s|\n", std::string(11, '-').c_str(), std::string(23, '-').c_str(),
                std::string(23, '-').c_str(), std::string(14, '-').c_str(), std::string(14, '-').c_str(),
                std::string(16, '-').c_str());
    for (const std::size_t n : sizes) memory(n);
    return 0;
}
