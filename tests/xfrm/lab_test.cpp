// Real ESP in the lab guest (tests/lab/uml-run: a 6.1 kernel with esp4, GCM, ChaCha20-Poly1305):
// for every supported transform, an SA pair and policies installed with meshd_xfrm in two
// namespaces joined by a veth pair; a ping passes, tcpdump on the link sees ESP and no plaintext
// ICMP, the SA counters rise, a short soft lifetime produces an EXPIRE, and delete works.
// Run as root inside the guest: test_xfrm_lab "[esp]".
#include <catch2/catch.hpp>
#include <linux/udp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>

#include "netns.hpp"
#include "xfrm/client.hpp"
#include "xfrm/format.hpp"
#include "xfrm/monitor.hpp"

using namespace meshd::xfrm;
using meshd::xfrm::test::ScopedNetns;

namespace {

Address addr(const char* text) { return *Address::parse(text); }

std::vector<std::uint8_t> key(std::size_t n, std::uint8_t seed) {
    std::vector<std::uint8_t> k(n);
    for (std::size_t i = 0; i < n; ++i) {
        k[i] = static_cast<std::uint8_t>(seed + i * 7);
    }
    return k;
}

struct Case {
    const char* name;
    std::function<Transform(std::uint8_t seed)> transform;
    Mode mode = Mode::tunnel;
    bool esn = false;
    bool encap = false;
};

std::string shell_output(const std::string& command) {
    std::string out;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    char buf[512];
    while (pipe && fgets(buf, sizeof buf, pipe.get()) != nullptr) {
        out += buf;
    }
    return out;
}

std::size_t count_lines_with(const std::string& text, const std::string& needle) {
    std::istringstream in(text);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) {
        n += line.find(needle) != std::string::npos;
    }
    return n;
}

std::string scratch() {
    const char* dir = std::getenv("LAB_SCRATCH");
    return dir != nullptr ? dir : "/tmp";
}

// A UDP socket on 4500 with UDP_ENCAP_ESPINUDP: the receiver side of RFC 3948 encapsulation.
struct EncapSocket {
    int fd = -1;
    EncapSocket() {
        fd = socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(4500);
        int type = UDP_ENCAP_ESPINUDP;
        const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                        setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof type) == 0;
        if (!ok) {
            throw std::runtime_error("cannot open the UDP encapsulation socket");
        }
    }
    EncapSocket(const EncapSocket&) = delete;
    EncapSocket& operator=(const EncapSocket&) = delete;
    ~EncapSocket() { ::close(fd); }
};

// One side of the pair: SAs both ways (as in `ip xfrm`, each side holds both) and policies.
struct Side {
    Address me, peer;          // 192.0.2.x on the veth
    const char* my_net;        // 10.1.0.0 / 10.2.0.0
    const char* peer_net;
};

Sa make_sa(const Case& c, const Address& src, const Address& dst, std::uint32_t spi, std::uint8_t seed) {
    Sa sa;
    sa.src = src;
    sa.dst = dst;
    sa.spi = spi;
    sa.reqid = 0x4d450000 + (spi & 0xff);
    sa.mode = c.mode;
    sa.transform = c.transform(seed);
    sa.replay = Replay{c.esn, c.esn ? 128u : 32u};
    if (c.encap) {
        sa.encap = Encap{};
    }
    return sa;
}

Template tmpl(const Case& c, const Address& src, const Address& dst, std::uint32_t reqid) {
    Template t;
    if (c.mode == Mode::tunnel) {
        t.src = src;
        t.dst = dst;
    }
    t.mode = c.mode;
    t.reqid = reqid;
    return t;
}

void install(Client& client, const Case& c, const Side& s, const Sa& out_sa, const Sa& in_sa) {
    REQUIRE(client.add_sa(out_sa).has_value());
    REQUIRE(client.add_sa(in_sa).has_value());
    const bool tunnel = c.mode == Mode::tunnel;
    const auto out_sel = tunnel ? Selector::between(addr(s.my_net), 24, addr(s.peer_net), 24)
                                : Selector::between(s.me, 32, s.peer, 32);
    const auto in_sel = tunnel ? Selector::between(addr(s.peer_net), 24, addr(s.my_net), 24)
                               : Selector::between(s.peer, 32, s.me, 32);
    Policy out;
    out.selector = out_sel;
    out.dir = Direction::out;
    out.templates = {tmpl(c, s.me, s.peer, out_sa.reqid)};
    REQUIRE(client.add_policy(out).has_value());
    for (Direction dir : {Direction::in, Direction::fwd}) {
        if (!tunnel && dir == Direction::fwd) {
            continue;
        }
        Policy in;
        in.selector = in_sel;
        in.dir = dir;
        in.templates = {tmpl(c, s.peer, s.me, in_sa.reqid)};
        REQUIRE(client.add_policy(in).has_value());
    }
}

void run_pair(const Case& c, bool check_soft_expire) {
    INFO("transform " << c.name);
    // A and B joined through a bridge in a third namespace W: tcpdump runs there, on the
    // transit. (On an endpoint's own device it would also see the decrypted inner packets,
    // which the kernel re-injects on that device after tunnel-mode decapsulation.)
    ScopedNetns a(false);
    ScopedNetns b(false);
    ScopedNetns w(false);
    const std::string A = a.name(), B = b.name(), W = w.name();
    REQUIRE(ScopedNetns::run(
                "ip link add vA netns " + A + " type veth peer name wA netns " + W + " && " +
                "ip link add vB netns " + B + " type veth peer name wB netns " + W + " && " +
                "ip -n " + W + " link add br0 type bridge && ip -n " + W +
                " link set wA master br0 && ip -n " + W + " link set wB master br0 && " +
                "ip -n " + W + " link set br0 up && ip -n " + W + " link set wA up && ip -n " + W +
                " link set wB up && " +
                "ip -n " + A + " addr add 192.0.2.1/24 dev vA && ip -n " + B +
                " addr add 192.0.2.2/24 dev vB && ip -n " + A + " link set vA up && ip -n " + B +
                " link set vB up && ip -n " + A + " addr add 10.1.0.1/32 dev lo && ip -n " + B +
                " addr add 10.2.0.1/32 dev lo && ip -n " + A +
                " route add 10.2.0.0/24 via 192.0.2.2 src 10.1.0.1 && ip -n " + B +
                " route add 10.1.0.0/24 via 192.0.2.1 src 10.2.0.1") == 0);
    auto client_a = a.inside([] { return Client::open(); });
    auto client_b = b.inside([] { return Client::open(); });
    auto monitor_a = a.inside([] { return Monitor::open(); });
    REQUIRE(client_a.has_value());
    REQUIRE(client_b.has_value());
    REQUIRE(monitor_a.has_value());
    std::unique_ptr<EncapSocket> encap_a, encap_b;
    if (c.encap) {
        encap_a = a.inside([] { return std::make_unique<EncapSocket>(); });
        encap_b = b.inside([] { return std::make_unique<EncapSocket>(); });
    }

    const Side side_a{addr("192.0.2.1"), addr("192.0.2.2"), "10.1.0.0", "10.2.0.0"};
    const Side side_b{addr("192.0.2.2"), addr("192.0.2.1"), "10.2.0.0", "10.1.0.0"};
    Sa a_to_b = make_sa(c, side_a.me, side_a.peer, 0x1001, 1);
    const Sa b_to_a = make_sa(c, side_b.me, side_b.peer, 0x2002, 101);
    if (check_soft_expire) {
        a_to_b.lifetime.soft_add_seconds = 2;
        a_to_b.lifetime.hard_add_seconds = 120;
    }
    install(*client_a, c, side_a, a_to_b, b_to_a);
    auto a_to_b_in_b = a_to_b;
    a_to_b_in_b.lifetime = Lifetime{};
    install(*client_b, c, side_b, b_to_a, a_to_b_in_b);

    // tcpdump on the transit, then a ping from A to B.
    const std::string pcap = scratch() + "/" + W + ".pcap";
    const std::string pidfile = scratch() + "/" + W + ".pid";
    REQUIRE(ScopedNetns::run("ip netns exec " + W + " tcpdump -i wA -n -U -w " + pcap + " ip" +
                             " & echo $! > " + pidfile) == 0);
    for (int i = 0; i < 100 && !std::ifstream(pcap).good(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::string ping = c.mode == Mode::tunnel ? "ping -c 3 -i 0.2 -W 2 -I 10.1.0.1 10.2.0.1"
                                                    : "ping -c 3 -i 0.2 -W 2 192.0.2.2";
    CHECK(ScopedNetns::run("ip netns exec " + A + " " + ping) == 0);
    // The kernel may hold the last packets in tcpdump's ring while the (slow, one-CPU) guest
    // has not scheduled it yet: a loaded CI run stopped it after 4 of 6 ("6 received by
    // filter, 4 captured"). Wait until the file shows all six (or 5 s) before stopping it.
    for (int i = 0; i < 50; ++i) {
        if (count_lines_with(shell_output("tcpdump -n -r " + pcap + " 2>/dev/null"), "ESP") >= 6) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    // by the capture file's name as well as the pid: a CI run under load once found the pid file
    // empty here, tcpdump went on and the capture was read before its last packets
    ScopedNetns::run("kill -INT $(cat " + pidfile + ") 2>/dev/null; pkill -INT -f -- '-w " + pcap + "'; sleep 0.5");
    const auto wire = shell_output("tcpdump -n -r " + pcap + " 2>/dev/null");
    INFO("tcpdump saw:\n" << wire);
    CHECK(count_lines_with(wire, "ESP") >= 6);  // 3 requests, 3 replies
    CHECK(count_lines_with(wire, "ICMP") == 0);  // IPv4 only: the capture filter is `ip`
    std::remove(pcap.c_str());
    std::remove(pidfile.c_str());

    // Counters on both ends of each direction.
    auto out_a = client_a->get_sa(SaId::of(a_to_b));
    auto in_b = client_b->get_sa(SaId::of(a_to_b));
    auto out_b = client_b->get_sa(SaId::of(b_to_a));
    REQUIRE(out_a.has_value());
    REQUIRE(in_b.has_value());
    REQUIRE(out_b.has_value());
    CHECK(out_a->counters.packets >= 3);
    CHECK(out_a->counters.bytes > 0);
    CHECK(out_a->counters.use_time > 0);
    CHECK(in_b->counters.packets >= 3);
    CHECK(out_b->counters.packets >= 3);
    CHECK(in_b->integrity_failures == 0);
    CHECK(out_a->sa.transform == a_to_b.transform);  // the kernel returns what we installed

    // Update in place (XFRM_MSG_UPDSA): a new byte limit, same SPI and keys; counters stay.
    auto updated = a_to_b;
    updated.lifetime.hard_bytes = 1u << 30;
    REQUIRE(client_a->update_sa(updated).has_value());
    auto after = client_a->get_sa(SaId::of(a_to_b));
    REQUIRE(after.has_value());
    CHECK(after->sa.lifetime.hard_bytes == (1u << 30));
    CHECK(after->counters.packets >= out_a->counters.packets);

    if (check_soft_expire) {
        std::optional<ExpireEvent> expire;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
        while (!expire && std::chrono::steady_clock::now() < deadline) {
            pollfd pfd{monitor_a->fd(), POLLIN, 0};
            poll(&pfd, 1, 200);
            auto batch = monitor_a->read_events();
            REQUIRE(batch.has_value());
            for (auto& e : batch->events) {
                if (auto* x = std::get_if<ExpireEvent>(&e); x && x->sa.sa.spi == a_to_b.spi) {
                    expire = *x;
                }
            }
        }
        REQUIRE(expire.has_value());
        CHECK_FALSE(expire->hard);
        CHECK(expire->sa.sa.reqid == a_to_b.reqid);
    }

    // Delete: the SAs are gone and the policies (still requiring ESP) let nothing through.
    for (auto* client : {&*client_a, &*client_b}) {
        REQUIRE(client->delete_sa(SaId::of(a_to_b)).has_value());
        REQUIRE(client->delete_sa(SaId::of(b_to_a)).has_value());
        auto gone = client->get_sa(SaId::of(a_to_b));
        REQUIRE_FALSE(gone.has_value());
        CHECK(gone.error().errnum == ESRCH);
    }
    CHECK(ScopedNetns::run("ip netns exec " + A + " " + ping) != 0);
}

Transform gcm(std::size_t key_bytes, std::uint8_t seed) { return *aes_gcm(key(key_bytes + 4, seed)); }

}  // namespace

TEST_CASE("ESP AES-GCM-128 tunnel, with a soft lifetime", "[esp]") {
    run_pair({"rfc4106(gcm(aes)) 128", [](std::uint8_t s) { return gcm(16, s); }}, true);
}

TEST_CASE("ESP AES-GCM-256 tunnel with ESN", "[esp]") {
    run_pair({"rfc4106(gcm(aes)) 256 esn", [](std::uint8_t s) { return gcm(32, s); },
              Mode::tunnel, true},
             false);
}

TEST_CASE("ESP ChaCha20-Poly1305 tunnel", "[esp]") {
    run_pair({"rfc7539esp(chacha20,poly1305)",
              [](std::uint8_t s) { return *chacha20_poly1305(key(36, s)); }},
             false);
}

TEST_CASE("ESP AES-CBC + HMAC-SHA2 (RFC 4868), tunnel and transport", "[esp]") {
    run_pair({"cbc(aes) 128 + hmac(sha256)",
              [](std::uint8_t s) { return *aes_cbc_hmac(key(16, s), Hmac::sha256, key(32, s + 50)); }},
             false);
    run_pair({"cbc(aes) 256 + hmac(sha384)",
              [](std::uint8_t s) { return *aes_cbc_hmac(key(32, s), Hmac::sha384, key(48, s + 50)); }},
             false);
    run_pair({"cbc(aes) 256 + hmac(sha512) transport",
              [](std::uint8_t s) { return *aes_cbc_hmac(key(32, s), Hmac::sha512, key(64, s + 50)); },
              Mode::transport},
             false);
}

TEST_CASE("ESP AES-GCM-128 tunnel in UDP encapsulation (NAT-T, port 4500)", "[esp]") {
    run_pair({"rfc4106(gcm(aes)) 128 espinudp", [](std::uint8_t s) { return gcm(16, s); },
              Mode::tunnel, false, true},
             false);
}
