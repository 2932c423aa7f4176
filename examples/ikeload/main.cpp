// ikeload: a UDP load generator of IKEv2 initiations built on libike. Each handshake comes from
// its own identity (client-N.load, its own certificate and subnet) so that no responder folds
// them together; many run at once (--concurrency), optionally paced (--rate). Load generator's
// shortcuts: all clients share one key pair, and the responder's certificate chain is verified
// once and then taken from a cache (its AUTH signature is still checked by the engine).
// Prints handshakes/s, latency percentiles, its own CPU and, given the responder's pid, the
// responder's CPU per handshake and RSS growth per SA (from /proc).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "ike/endpoint.hpp"
#include "pki.hpp"
#include "policy/x509_verifier.hpp"

namespace {

using namespace ikeload;
using Steady = std::chrono::steady_clock;

constexpr const char* kUsage = R"(usage:
  ikeload pki --dir DIR --suite SUITE
      writes a CA, the responder's certificate and key (responder.load, 10.0.0.0/24) and the
      clients' shared key into DIR (PEM; keys as PKCS#8)
  ikeload run --dir DIR --suite SUITE --server ADDR --local ADDR [options]
      --count N           handshakes, each from its own identity (default 1000)
      --concurrency N     handshakes in flight at most (default 64)
      --rate R            handshakes started per second at most (default 0: no limit)
      --responder-pid PID report that process's CPU per handshake and RSS growth per SA
      --timeout SECS      give up after this long (default 120)
      --local-port P      our UDP port for IKE (default 500) and, after a NAT is detected, the one
      --nat-port P        that stands for our port 4500 (default 4500): others when the responder
                          holds 500 and 4500 on every address, as charon does
SUITE: ed25519 (Ed25519 + X25519), ecdsa (ECDSA-P256 + ECP-256), rsa (RSA-PSS 2048 + MODP-2048);
AES-GCM-256 and PRF-HMAC-SHA2-256 in IKE, AES-GCM-256 for the child SA.
The last line is RESULT key=value ...; the exit status is 1 if any handshake failed.
)";

struct Options {
    std::string mode, dir, suite, server, local;
    std::size_t count = 1000, concurrency = 64;
    double rate = 0, timeout = 120;
    long responder_pid = 0;
    std::uint16_t local_port = 500, nat_port = 4500;
};

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr, "ikeload: %s\n%s", why.c_str(), kUsage);
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    if (argc < 2) usage("no mode");
    o.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) usage(a + " needs a value");
        const std::string v = argv[++i];
        if (a == "--dir") o.dir = v;
        else if (a == "--suite") o.suite = v;
        else if (a == "--server") o.server = v;
        else if (a == "--local") o.local = v;
        else if (a == "--count") o.count = std::stoul(v);
        else if (a == "--concurrency") o.concurrency = std::max<std::size_t>(1, std::stoul(v));
        else if (a == "--rate") o.rate = std::stod(v);
        else if (a == "--timeout") o.timeout = std::stod(v);
        else if (a == "--responder-pid") o.responder_pid = std::stol(v);
        else if (a == "--local-port") o.local_port = static_cast<std::uint16_t>(std::stoul(v));
        else if (a == "--nat-port") o.nat_port = static_cast<std::uint16_t>(std::stoul(v));
        else usage("unknown option " + a);
    }
    if (o.dir.empty() || !find_suite(o.suite)) usage("--dir and --suite are required");
    if (o.mode == "run" && (o.server.empty() || o.local.empty())) usage("run needs --server and --local");
    return o;
}

// The responder's chain is the same in every handshake: verify it once (a generator's shortcut).
class CachingVerifier final : public ike::CertificateVerifier {
public:
    explicit CachingVerifier(std::shared_ptr<const ike::CertificateVerifier> inner) : m_inner(std::move(inner)) {}
    ike::Expected<ike::VerifiedPeer, ike::VerifyFailure> verify(std::span<const std::vector<std::uint8_t>> chain,
                                                                const ike::RevocationPolicy& revocation,
                                                                ike::Time now) const override {
        if (m_peer && std::equal(chain.begin(), chain.end(), m_chain.begin(), m_chain.end())) return *m_peer;
        auto r = m_inner->verify(chain, revocation, now);
        if (r) {
            m_chain.assign(chain.begin(), chain.end());
            m_peer = *r;
        }
        return r;
    }
    ike::Expected<void, ike::VerifyFailure> recheck(const ike::PeerFacts& peer, const ike::RevocationPolicy& revocation,
                                                    ike::Time now) const override {
        return m_inner->recheck(peer, revocation, now);
    }
    std::array<std::uint8_t, 20> ca_key_id() const override { return m_inner->ca_key_id(); }

private:
    std::shared_ptr<const ike::CertificateVerifier> m_inner;
    mutable std::vector<std::vector<std::uint8_t>> m_chain;
    mutable std::optional<ike::VerifiedPeer> m_peer;
};

// One counter for all clients: they share an address, so their inbound SPIs must differ (a
// responder keys its outbound SAs by destination and SPI).
class CountingSpis final : public ike::SpiAllocator {
public:
    explicit CountingSpis(std::shared_ptr<std::uint32_t> next) : m_next(std::move(next)) {}
    std::optional<std::uint32_t> allocate(const ike::SocketAddress&, const ike::SocketAddress&) override { return (*m_next)++; }
    void release(std::uint32_t) override {}

private:
    std::shared_ptr<std::uint32_t> m_next;
};

int udp_socket(const ike::IpAddress& ip, std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    std::memcpy(&a.sin_addr, ip.bytes.data(), 4);
    const int big = 8 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
        fatal("bind " + ip.to_string() + ":" + std::to_string(port) + ": " + std::strerror(errno));
    return fd;
}

// The responder's CPU time (user + system, all threads) and resident set, from /proc.
struct ProcSample {
    double cpu_s = 0, rss_kb = 0;
};
ProcSample sample(long pid) {
    ProcSample s;
    if (pid <= 0) return s;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) return s;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) s.cpu_s += std::stod(field);
        if (i == 15) s.cpu_s += std::stod(field);
    }
    s.cpu_s /= static_cast<double>(sysconf(_SC_CLK_TCK));
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stod(line.substr(6));
    return s;
}

double own_cpu_s() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

enum class State { waiting, running, up, failed };

struct Slot {
    std::unique_ptr<ike::Endpoint> ep;
    State state = State::waiting;
    Steady::time_point started;
};

class Load {
public:
    Load(const Options& o, const Suite& suite) : m_o(o) {
        const auto server = ike::IpAddress::parse(o.server), local = ike::IpAddress::parse(o.local);
        if (!server || !local || server->family != ike::IpAddress::Family::v4 || local->family != ike::IpAddress::Family::v4)
            usage("--server and --local want IPv4 addresses");
        m_server = *server;
        m_local = *local;
        auto pki = load_pki(o.dir, o.count);
        const auto ca_der = pki.ca.certificate().der();
        auto inner = ike::policy::make_x509_verifier(ca_der);
        if (!inner) fatal("CA certificate refused");
        const auto verifier = std::make_shared<CachingVerifier>(std::move(*inner));
        const auto spis = std::make_shared<std::uint32_t>(0x10000000);
        for (const auto& c : pki.clients) {
            ike::Config cfg;
            cfg.credentials.local_id = ike::Identity::fqdn(c.name);
            cfg.credentials.certificate_chain = {c.certificate};
            cfg.credentials.private_key = pki.client_key;
            cfg.credentials.ca_certificate.assign(ca_der.begin(), ca_der.end());
            cfg.verifier = verifier;
            const auto a = host(c.address);
            cfg.local_traffic = {ike::TrafficSelector::host(a)};
            cfg.proposals.ike = {{ike::crypto::PrfId::HmacSha2_256,
                                  {ike::crypto::EncrId::AesGcm16, 256, ike::crypto::IntegId::None}, suite.ke}};
            cfg.proposals.esp = {{ike::crypto::EncrId::AesGcm16, 256, ike::crypto::IntegId::None}};
            cfg.timers.liveness_after = ike::Duration{0};
            cfg.timers.retransmit_tries = 3;
            auto ep = ike::Endpoint::create(std::move(cfg), ike::crypto::make_system_rng(), std::make_unique<CountingSpis>(spis));
            if (!ep) fatal("client endpoint refused its configuration");
            m_slots.push_back(Slot{std::make_unique<ike::Endpoint>(std::move(*ep)), State::waiting, {}});
            m_addresses.push_back(a);
        }
        m_fd500 = udp_socket(m_local, o.local_port);
        m_fd4500 = udp_socket(m_local, o.nat_port);
    }

    int run() {
        const auto before = sample(m_o.responder_pid);
        const double cpu0 = own_cpu_s();
        const auto t0 = Steady::now();
        const auto deadline = t0 + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(m_o.timeout));
        std::vector<std::uint8_t> buf(65536);
        while (m_finished < m_slots.size() && Steady::now() < deadline) {
            start_more(t0);
            int wait_ms = m_started < m_slots.size() && m_o.rate > 0 ? 1 : 20;
            pollfd fds[2] = {{m_fd500, POLLIN, 0}, {m_fd4500, POLLIN, 0}};
            ::poll(fds, 2, m_running.empty() && m_started < m_slots.size() ? 0 : wait_ms);
            for (const auto& f : fds)
                for (int n = 0; n < 256; ++n) {
                    sockaddr_in from{};
                    socklen_t len = sizeof from;
                    const auto got = ::recvfrom(f.fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
                    if (got <= 0) break;
                    receive(std::span(buf.data(), static_cast<std::size_t>(got)), f.fd == m_fd4500 ? 4500 : m_o.local_port, from);
                }
            timers();
        }
        const double wall = std::chrono::duration<double>(Steady::now() - t0).count();
        const double cpu = own_cpu_s() - cpu0;
        const auto after = sample(m_o.responder_pid);
        return report(wall, cpu, before, after);
    }

private:
    static ike::IpAddress host(std::uint32_t a) {
        return ike::IpAddress::v4(static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
                                  static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a));
    }

    void start_more(Steady::time_point t0) {
        const double elapsed = std::chrono::duration<double>(Steady::now() - t0).count();
        while (m_started < m_slots.size() && m_running.size() < m_o.concurrency &&
               (m_o.rate <= 0 || static_cast<double>(m_started) < m_o.rate * elapsed + 1)) {
            const std::size_t i = m_started++;
            ike::InitiateRequest r;
            r.remote = ike::SocketAddress{m_server, 500};
            r.local = ike::SocketAddress{m_local, m_o.local_port};
            r.peer_id = ike::Identity::fqdn("responder.load");
            r.local_ts = {ike::TrafficSelector::host(m_addresses[i])};
            r.remote_ts = {ike::TrafficSelector::subnet(ike::IpAddress::v4(10, 0, 0, 0), 24)};
            m_slots[i].started = Steady::now();
            m_slots[i].state = State::running;
            m_running.push_back(i);
            if (!m_slots[i].ep->initiate(r, std::chrono::system_clock::now())) finish(i, false, "initiate refused");
            drain(i);
        }
    }

    // Datagrams go to the client whose IKE SPI (the initiator's: ours) they carry.
    static std::uint64_t initiator_spi(std::span<const std::uint8_t> d, std::uint16_t port) {
        if (port == 4500) d = d.size() >= 4 ? d.subspan(4) : std::span<const std::uint8_t>{};
        std::uint64_t spi = 0;
        for (std::size_t k = 0; k < 8 && k < d.size(); ++k) spi = spi << 8 | d[k];
        return spi;
    }

    void receive(std::span<const std::uint8_t> d, std::uint16_t port, const sockaddr_in& from) {
        const auto it = m_by_spi.find(initiator_spi(d, port));
        if (it == m_by_spi.end()) return;
        ike::SocketAddress remote{*ike::IpAddress::from_bytes(std::span(reinterpret_cast<const std::uint8_t*>(&from.sin_addr), 4)),
                                  ntohs(from.sin_port)};
        m_slots[it->second].ep->handle_datagram(d, ike::SocketAddress{m_local, port}, remote, std::chrono::system_clock::now());
        drain(it->second);
    }

    void timers() {
        const auto now = std::chrono::system_clock::now();
        for (std::size_t k = 0; k < m_running.size(); ++k) {
            const auto i = m_running[k];
            if (auto t = m_slots[i].ep->next_timeout(); t && *t <= now) {
                m_slots[i].ep->handle_timeout(now);
                drain(i);
            }
        }
    }

    void drain(std::size_t i) {
        auto& s = m_slots[i];
        while (auto t = s.ep->poll_transmit()) {
            m_by_spi[initiator_spi(t->data, t->local.port)] = i;
            sockaddr_in to{};
            to.sin_family = AF_INET;
            to.sin_port = htons(t->remote.port);
            std::memcpy(&to.sin_addr, t->remote.ip.bytes.data(), 4);
            ::sendto(t->local.port == 4500 ? m_fd4500 : m_fd500, t->data.data(), t->data.size(), 0,
                     reinterpret_cast<sockaddr*>(&to), sizeof to);
        }
        while (auto e = s.ep->poll_event()) {
            if (s.state != State::running) continue;
            if (std::holds_alternative<ike::ChildSaUp>(*e)) finish(i, true, {});
            else if (const auto* d = std::get_if<ike::IkeSaDown>(&*e)) finish(i, false, "IKE SA down: " + d->detail);
            else if (const auto* a = std::get_if<ike::AuthFailed>(&*e)) finish(i, false, "authentication: " + a->detail);
            else if (const auto* c = std::get_if<ike::ChildSaDown>(&*e)) finish(i, false, "child SA down: " + c->detail);
        }
    }

    void finish(std::size_t i, bool ok, const std::string& why) {
        auto& s = m_slots[i];
        s.state = ok ? State::up : State::failed;
        ++m_finished;
        m_running.erase(std::find(m_running.begin(), m_running.end(), i));
        if (ok) {
            m_latency_ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - s.started).count());
        } else if (++m_failed <= 5) {
            std::fprintf(stderr, "ikeload: handshake %zu failed: %s\n", i, why.c_str());
        }
    }

    int report(double wall, double cpu, const ProcSample& before, const ProcSample& after) {
        std::sort(m_latency_ms.begin(), m_latency_ms.end());
        const auto pct = [&](double p) {
            if (m_latency_ms.empty()) return 0.0;
            return m_latency_ms[std::min(m_latency_ms.size() - 1, static_cast<std::size_t>(p * static_cast<double>(m_latency_ms.size())))];
        };
        const double ok = static_cast<double>(m_latency_ms.size());
        const double per = ok > 0 ? 1.0 / ok : 0;
        std::printf("RESULT suite=%s ok=%zu failed=%zu unfinished=%zu seconds=%.3f hs_per_s=%.1f p50_ms=%.2f p99_ms=%.2f "
                    "gen_cpu_ms_per_hs=%.3f gen_spare_pct=%.1f resp_cpu_ms_per_hs=%.3f resp_busy_pct=%.1f "
                    "resp_rss_kb_per_sa=%.2f\n",
                    m_o.suite.c_str(), m_latency_ms.size(), m_failed, m_slots.size() - m_finished, wall, ok / wall,
                    pct(0.50), pct(0.99), cpu * 1e3 * per, 100.0 * (1 - cpu / wall),
                    (after.cpu_s - before.cpu_s) * 1e3 * per, 100.0 * (after.cpu_s - before.cpu_s) / wall,
                    (after.rss_kb - before.rss_kb) * per);
        return m_failed == 0 && m_finished == m_slots.size() ? 0 : 1;
    }

    const Options& m_o;
    ike::IpAddress m_server, m_local;
    std::vector<Slot> m_slots;
    std::vector<ike::IpAddress> m_addresses;
    std::vector<std::size_t> m_running;
    std::unordered_map<std::uint64_t, std::size_t> m_by_spi;
    std::vector<double> m_latency_ms;
    std::size_t m_started = 0, m_finished = 0, m_failed = 0;
    int m_fd500 = -1, m_fd4500 = -1;
};

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    const Suite& suite = *find_suite(o.suite);
    if (o.mode == "pki") {
        make_pki(o.dir, suite);
        return 0;
    }
    if (o.mode != "run") usage("mode " + o.mode + "?");
    Load load(o, suite);
    std::printf("ikeload: %s, %zu handshakes from distinct identities, concurrency %zu, rate %s\n", suite.description,
                o.count, o.concurrency, o.rate > 0 ? std::to_string(o.rate).c_str() : "unlimited");
    std::fflush(stdout);
    return load.run();
}
