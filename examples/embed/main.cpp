// embed: libike inside someone else's program, as a gateway would use it. It links the installed
// package only (find_package(libike) or pkg-config), owns its UDP sockets (ports 500 and 4500 of
// one address), feeds the Endpoint what arrives, sends what it polls out and sleeps until
// next_timeout(). It initiates one child SA to a peer and exits 0 once it is up on both ends
// (CHILD_SA_UP printed), 1 on an authentication failure, a lost IKE SA or a timeout.
//   embed --local ADDR --peer ADDR --peer-id NAME --id NAME --cert PEM --key PEM --ca PEM
//         --local-ts CIDR --remote-ts CIDR [--timeout SECONDS]
#include <ike/endpoint.hpp>
#include <ike/private_key.hpp>
#include <ike/rng.hpp>
#include <ike/version.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace {

using Clock = std::chrono::system_clock;  // ike::Time is a system_clock time point

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "embed: %s\n", why.c_str());
    std::exit(2);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) die("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The first PEM block of a file as DER: libike takes certificates as DER; the key it parses itself.
std::vector<std::uint8_t> pem_to_der(const std::string& pem, const std::string& path) {
    const auto begin = pem.find("-----BEGIN ");
    const auto body = pem.find('\n', begin);
    const auto end = pem.find("-----END ", body);
    if (begin == std::string::npos || body == std::string::npos || end == std::string::npos)
        die(path + ": no PEM block");
    std::vector<std::uint8_t> out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (std::size_t i = body; i < end; ++i) {
        const char c = pem[i];
        int v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else continue;  // line breaks and '=' padding
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>(acc >> bits));
        }
    }
    return out;
}

ike::IpAddress ip_of(const std::string& text) {
    const auto ip = ike::IpAddress::parse(text);
    if (!ip) die("not an IP address: " + text);
    return *ip;
}

ike::TrafficSelector subnet_of(const std::string& cidr) {
    const auto slash = cidr.find('/');
    if (slash == std::string::npos) return ike::TrafficSelector::host(ip_of(cidr));
    return ike::TrafficSelector::subnet(ip_of(cidr.substr(0, slash)), std::stoul(cidr.substr(slash + 1)));
}

// One bound UDP socket and the conversions between the kernel's addresses and libike's.
class UdpPort {
public:
    UdpPort(const ike::IpAddress& ip, std::uint16_t port) : m_local{ip, port} {
        const auto [sa, len] = to_sockaddr(m_local);
        m_fd = ::socket(sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<const sockaddr*>(&sa), len) != 0)
            die("bind " + m_local.to_string() + ": " + std::strerror(errno));
    }
    UdpPort(const UdpPort&) = delete;
    UdpPort& operator=(const UdpPort&) = delete;
    ~UdpPort() { ::close(m_fd); }

    int fd() const { return m_fd; }
    const ike::SocketAddress& local() const { return m_local; }

    void send(const ike::SocketAddress& to, std::span<const std::uint8_t> data) const {
        const auto [sa, len] = to_sockaddr(to);
        if (::sendto(m_fd, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&sa), len) < 0)
            std::fprintf(stderr, "embed: sendto %s: %s\n", to.to_string().c_str(), std::strerror(errno));
    }

    // One datagram into the endpoint, with the addresses it came on.
    void receive_into(ike::Endpoint& ep, ike::Time now) const {
        std::uint8_t buf[65536];
        sockaddr_storage from{};
        socklen_t len = sizeof from;
        const auto n = ::recvfrom(m_fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) return;
        ep.handle_datagram(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(n)), m_local,
                           from_sockaddr(from), now);
    }

private:
    static std::pair<sockaddr_storage, socklen_t> to_sockaddr(const ike::SocketAddress& a) {
        sockaddr_storage ss{};
        if (a.ip.family == ike::IpAddress::Family::v4) {
            sockaddr_in s{};
            s.sin_family = AF_INET;
            s.sin_port = htons(a.port);
            std::memcpy(&s.sin_addr, a.ip.bytes.data(), 4);
            std::memcpy(&ss, &s, sizeof s);
            return {ss, sizeof s};
        }
        sockaddr_in6 s{};
        s.sin6_family = AF_INET6;
        s.sin6_port = htons(a.port);
        std::memcpy(&s.sin6_addr, a.ip.bytes.data(), 16);
        std::memcpy(&ss, &s, sizeof s);
        return {ss, sizeof s};
    }
    static ike::SocketAddress from_sockaddr(const sockaddr_storage& ss) {
        ike::SocketAddress a;
        if (ss.ss_family == AF_INET) {
            sockaddr_in s{};
            std::memcpy(&s, &ss, sizeof s);
            a.ip = *ike::IpAddress::from_bytes(std::span(reinterpret_cast<const std::uint8_t*>(&s.sin_addr), 4));
            a.port = ntohs(s.sin_port);
        } else {
            sockaddr_in6 s{};
            std::memcpy(&s, &ss, sizeof s);
            a.ip = *ike::IpAddress::from_bytes(std::span(reinterpret_cast<const std::uint8_t*>(&s.sin6_addr), 16));
            a.port = ntohs(s.sin6_port);
        }
        return a;
    }

    ike::SocketAddress m_local;
    int m_fd = -1;
};

// A gateway asks its kernel for inbound SPIs (XFRM_MSG_ALLOCSPI); this one counts, which is
// enough when nothing is installed in a kernel.
class CountingSpis : public ike::SpiAllocator {
public:
    std::optional<std::uint32_t> allocate(const ike::SocketAddress&, const ike::SocketAddress&) override {
        return m_next++;
    }
    void release(std::uint32_t) override {}

private:
    std::uint32_t m_next = 0xc0000100;
};

std::map<std::string, std::string> parse_args(int argc, char** argv) {
    std::map<std::string, std::string> o{{"--timeout", "20"}};
    for (int i = 1; i + 1 < argc; i += 2) o[argv[i]] = argv[i + 1];
    for (const char* need : {"--local", "--peer", "--peer-id", "--id", "--cert", "--key", "--ca", "--local-ts", "--remote-ts"})
        if (!o.count(need)) die(std::string("missing ") + need + " (see the comment at the top of main.cpp)");
    return o;
}

ike::Config make_config(const std::map<std::string, std::string>& o) {
    ike::Config c;
    c.credentials.local_id = ike::Identity::fqdn(o.at("--id"));
    c.credentials.certificate_chain.push_back(pem_to_der(read_file(o.at("--cert")), o.at("--cert")));
    c.credentials.ca_certificate = pem_to_der(read_file(o.at("--ca")), o.at("--ca"));
    auto key = ike::crypto::PrivateKey::from_pem(read_file(o.at("--key")));
    if (!key) die(o.at("--key") + ": " + std::string(ike::crypto::to_string(key.error())));
    c.credentials.private_key = std::make_shared<const ike::crypto::PrivateKey>(std::move(*key));
    c.local_traffic.push_back(subnet_of(o.at("--local-ts")));
    return c;  // proposals, timers, lifetimes and limits keep their defaults
}

// What the gateway does with each event: here, print it and decide whether we are done.
enum class Outcome { running, child_up, failed };

Outcome act(const ike::Event& event) {
    if (const auto* up = std::get_if<ike::IkeSaUp>(&event)) {
        std::printf("IKE_SA_UP ike=%llu peer=%s remote=%s\n", static_cast<unsigned long long>(up->ike.value),
                    up->peer_id.to_string().c_str(), up->remote.to_string().c_str());
    } else if (const auto* child = std::get_if<ike::ChildSaUp>(&event)) {
        // A gateway installs child->inbound and child->outbound (SPIs, keys, addresses) in its
        // ESP data path here, then policies for local_ts <-> remote_ts.
        std::printf("CHILD_SA_UP child=%llu in_spi=%08x out_spi=%08x cipher=%s local_ts=%s remote_ts=%s\n",
                    static_cast<unsigned long long>(child->child.value), child->inbound.spi, child->outbound.spi,
                    std::string(child->outbound.keys.encr_alg).c_str(), child->local_ts.front().to_string().c_str(),
                    child->remote_ts.front().to_string().c_str());
        return Outcome::child_up;
    } else if (const auto* failed = std::get_if<ike::AuthFailed>(&event)) {
        std::printf("AUTH_FAILED reason=%d detail=%s\n", static_cast<int>(failed->reason), failed->detail.c_str());
        return Outcome::failed;
    } else if (const auto* down = std::get_if<ike::IkeSaDown>(&event)) {
        std::printf("IKE_SA_DOWN reason=%d detail=%s\n", static_cast<int>(down->reason), down->detail.c_str());
        return Outcome::failed;
    }
    return Outcome::running;
}

}  // namespace

int main(int argc, char** argv) {
    const auto o = parse_args(argc, argv);
    std::printf("libike %s\n", LIBIKE_VERSION_STRING);
    auto ep = ike::Endpoint::create(make_config(o), ike::crypto::make_system_rng(), std::make_unique<CountingSpis>());
    if (!ep) die("configuration refused (ConfigError " + std::to_string(static_cast<int>(ep.error())) + ")");

    const auto local_ip = ip_of(o.at("--local"));
    const UdpPort ike_port(local_ip, 500), nat_t_port(local_ip, 4500);  // 4500: after NAT detection

    ike::InitiateRequest request;
    request.remote = ike::SocketAddress{ip_of(o.at("--peer")), 500};
    request.local = ike_port.local();
    request.peer_id = ike::Identity::fqdn(o.at("--peer-id"));
    request.local_ts.push_back(subnet_of(o.at("--local-ts")));
    request.remote_ts.push_back(subnet_of(o.at("--remote-ts")));
    if (!ep->initiate(request, Clock::now())) die("initiate refused");

    const auto deadline = Clock::now() + std::chrono::seconds(std::stoi(o.at("--timeout")));
    for (;;) {
        // 1. drain the output queues after every input
        while (auto t = ep->poll_transmit()) (t->local.port == 4500 ? nat_t_port : ike_port).send(t->remote, t->data);
        while (auto e = ep->poll_event()) {
            switch (act(*e)) {
                case Outcome::running: break;
                case Outcome::child_up: return 0;
                case Outcome::failed: return 1;
            }
        }
        // 2. sleep until a datagram arrives or the endpoint's next deadline
        const auto now = Clock::now();
        if (now >= deadline) {
            std::printf("TIMEOUT\n");
            return 1;
        }
        auto wake = deadline;
        if (const auto t = ep->next_timeout()) wake = std::min(wake, *t);
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
        pollfd fds[2] = {{ike_port.fd(), POLLIN, 0}, {nat_t_port.fd(), POLLIN, 0}};
        if (::poll(fds, 2, static_cast<int>(std::max<long long>(ms, 0))) < 0 && errno != EINTR) die("poll failed");
        // 3. push in what came, then the time
        if (fds[0].revents & POLLIN) ike_port.receive_into(*ep, Clock::now());
        if (fds[1].revents & POLLIN) nat_t_port.receive_into(*ep, Clock::now());
        if (const auto t = ep->next_timeout(); t && *t <= Clock::now()) ep->handle_timeout(Clock::now());
    }
}
