// ikepeer: drives one ike::Endpoint over real UDP sockets (ports 500 and 4500 of one address)
// until meshd exists: initiates a tunnel or waits as responder, prints the events (keys with
// --print-keys) one per line, can DELETE after a while and exits after a given time.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "crypto/privkey.hpp"
#include "crypto/rng.hpp"
#include "crypto/x509_cert.hpp"
#include "ike/endpoint.hpp"
#include "ike/keylog.hpp"
#include "policy/x509_verifier.hpp"

namespace {

constexpr const char* kUsage = R"(usage: ikepeer --local ADDR --cert FILE --key FILE --ca FILE [options]

Runs one IKEv2 endpoint (libike) on UDP ports 500 and 4500 of ADDR.

Credentials (PEM or DER):
  --cert FILE          our end-entity certificate (X.509)
  --key FILE           its private key, PKCS#8 (convert SEC1/PKCS#1 keys with
                       `openssl pkcs8 -topk8 -nocrypt -in KEY`)
  --ca FILE            the one CA we trust (the peer's certificate must chain to it)
  --id NAME            our identity (FQDN); default: the certificate's first DNS SAN
  --chain FILE         an intermediate CA certificate sent after ours (repeatable, in order)
IKE fragmentation (RFC 7383):
  --fragment-size N    largest IP datagram of an IKE message before it is sent as
                       fragments (default 1280; 0: never fragment, do not announce support)
Traffic:
  --local-ts CIDR      the subnet we protect (TSi when initiating; responder narrows to it)
  --initiate ADDR      initiate to the peer at ADDR (port 500); default: wait as responder
  --remote-ts CIDR     the peer's subnet (TSr) when initiating
  --peer-id NAME       the peer identity we expect (FQDN), sent as IDr
  --transport          transport mode instead of tunnel
Actions and output:
  --delete-after SECS  send a DELETE that many seconds after the first child SA is up
  --delete WHAT        what --delete-after deletes: child (default) or ike
  --rekey-child-after SECS  rekey the first child SA (CREATE_CHILD_SA) that many seconds after
                       it is up; the new one is rekeyed again after as many seconds, --rekeys times
  --rekeys N           how many rekeys --rekey-child-after makes (default 1)
  --no-pfs             no key exchange in CREATE_CHILD_SA (default: Curve25519, then ECP-256)
  --rekey-ike-after SECS  rekey the IKE SA that many seconds after the first child SA
                       is up (RFC 7296 §1.3.2); --delete-after then counts from the rekey
  --exit-after SECS    exit after that many seconds (default 30); 0: run until killed
  --exit-on-down       exit once no IKE SA is left after one was up
  --print-keys         print child SA keys (hex) in CHILD_SA_UP lines, and IKE_KEYS lines
                       (IKE SPIs, SK_e*, SK_a* and the suite) as soon as IKE_SA_INIT made
                       them; for tests only
  --keylog FILE        append each IKE SA's keys to FILE as lines of Wireshark's
                       ikev2_decryption_table (the file holds secrets)
  --print-fragments    print a FRAGMENTS line (sent, received, reassembled) whenever they change
  --quiet              print no event lines (a responder under load, tests/bench_capacity)
Load (tests/bench_capacity):
  --ike-group GROUP    offer/accept only AES-GCM-256, PRF-HMAC-SHA2-256 and GROUP in IKE
                       (x25519, ecp256 or modp2048) and AES-GCM-256 for ESP
  --max-half-open N    half-open IKE SAs held at most (default 10000)
  --half-open-per-source N  of them from one address (default 50)
  --cookie-threshold N demand COOKIEs from this many half-open SAs on (default 1000)
  --liveness SECS      IKE silence before a liveness check (default 30; 0: none)
  --help               this text

Each event is one line on stdout: IKE_SA_UP, CHILD_SA_UP, CHILD_SA_DOWN, IKE_SA_DOWN,
AUTH_FAILED, IKE_KEYS, PEER_MOVED, REKEY_FAILED, CRL_EXPIRED (key=value fields); an IKE SA made by a rekey says replaces=ID. Errors go to stderr; the exit status is 0 unless an error
stopped the program (2: bad usage or files, 1: socket errors).
)";

struct Options {
    std::string local, cert, key, ca, id, initiate, peer_id, del = "child", keylog;
    std::vector<std::string> local_ts, remote_ts, chain;
    bool transport = false, print_keys = false, exit_on_down = false, no_pfs = false, print_fragments = false;
    bool quiet = false;
    long fragment_size = -1, max_half_open = -1, half_open_per_source = -1, cookie_threshold = -1;
    double liveness = -1;
    std::string ike_group;
    double delete_after = -1, exit_after = 30, rekey_after = -1, rekey_ike_after = -1;
    unsigned rekeys = 1;
};

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "ikepeer: %s (see --help)\n", msg.c_str());
    std::exit(2);
}

[[noreturn]] void fatal(const std::string& msg, int status = 2) {
    std::fprintf(stderr, "ikepeer: %s\n", msg.c_str());
    std::exit(status);
}

double parse_seconds(const std::string& opt, const std::string& v) {
    try {
        std::size_t n = 0;
        const double d = std::stod(v, &n);
        if (n == v.size() && d >= 0) return d;
    } catch (const std::exception&) {
    }
    usage_error(opt + " wants a number of seconds, not '" + v + "'");
}

long parse_count(const std::string& opt, const std::string& v) {
    try {
        std::size_t n = 0;
        const long d = std::stol(v, &n);
        if (n == v.size() && d >= 0) return d;
    } catch (const std::exception&) {
    }
    usage_error(opt + " wants a non-negative integer, not '" + v + "'");
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (a == "--local") o.local = value();
        else if (a == "--cert") o.cert = value();
        else if (a == "--key") o.key = value();
        else if (a == "--ca") o.ca = value();
        else if (a == "--id") o.id = value();
        else if (a == "--local-ts") o.local_ts.push_back(value());
        else if (a == "--remote-ts") o.remote_ts.push_back(value());
        else if (a == "--initiate") o.initiate = value();
        else if (a == "--peer-id") o.peer_id = value();
        else if (a == "--transport") o.transport = true;
        else if (a == "--delete-after") o.delete_after = parse_seconds(a, value());
        else if (a == "--delete") o.del = value();
        else if (a == "--rekey-ike-after") o.rekey_ike_after = parse_seconds(a, value());
        else if (a == "--exit-after") o.exit_after = parse_seconds(a, value());
        else if (a == "--exit-on-down") o.exit_on_down = true;
        else if (a == "--print-keys") o.print_keys = true;
        else if (a == "--rekey-child-after") o.rekey_after = parse_seconds(a, value());
        else if (a == "--rekeys") o.rekeys = static_cast<unsigned>(parse_seconds(a, value()));
        else if (a == "--no-pfs") o.no_pfs = true;
        else if (a == "--chain") o.chain.push_back(value());
        else if (a == "--fragment-size") o.fragment_size = parse_count(a, value());
        else if (a == "--print-fragments") o.print_fragments = true;
        else if (a == "--keylog") o.keylog = value();
        else if (a == "--quiet") o.quiet = true;
        else if (a == "--ike-group") o.ike_group = value();
        else if (a == "--max-half-open") o.max_half_open = parse_count(a, value());
        else if (a == "--half-open-per-source") o.half_open_per_source = parse_count(a, value());
        else if (a == "--cookie-threshold") o.cookie_threshold = parse_count(a, value());
        else if (a == "--liveness") o.liveness = parse_seconds(a, value());
        else usage_error("unknown option " + a);
    }
    if (o.local.empty() || o.cert.empty() || o.key.empty() || o.ca.empty())
        usage_error("--local, --cert, --key and --ca are required");
    if (o.del != "child" && o.del != "ike") usage_error("--delete wants child or ike");
    if (!o.ike_group.empty() && o.ike_group != "x25519" && o.ike_group != "ecp256" && o.ike_group != "modp2048")
        usage_error("--ike-group wants x25519, ecp256 or modp2048");
    if (!o.initiate.empty() && (o.local_ts.empty() || o.remote_ts.empty()))
        usage_error("--initiate needs --local-ts and --remote-ts");
    return o;
}

std::string read_file(const std::string& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fatal(std::string("cannot read ") + what + " " + path + ": " + std::strerror(errno));
    return std::string(std::istreambuf_iterator<char>(in), {});
}

bool is_pem(const std::string& s) { return s.find("-----BEGIN") != std::string::npos; }
std::span<const std::uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

ike::crypto::Certificate load_cert(const std::string& path, const char* what) {
    const auto data = read_file(path, what);
    auto c = is_pem(data) ? ike::crypto::Certificate::from_pem(data) : ike::crypto::Certificate::from_der(bytes(data));
    if (!c) fatal(std::string(what) + " " + path + ": not an X.509 certificate (" +
                  std::string(ike::crypto::to_string(c.error())) + ")");
    return std::move(*c);
}

std::shared_ptr<const ike::crypto::PrivateKey> load_key(const std::string& path) {
    const auto data = read_file(path, "private key");
    if (data.find("-----BEGIN EC PRIVATE KEY") != std::string::npos ||
        data.find("-----BEGIN RSA PRIVATE KEY") != std::string::npos)
        fatal("private key " + path + ": SEC1/PKCS#1 PEM; convert it to PKCS#8 with "
              "`openssl pkcs8 -topk8 -nocrypt -in " + path + "`");
    auto k = is_pem(data) ? ike::crypto::PrivateKey::from_pem(data) : ike::crypto::PrivateKey::from_pkcs8_der(bytes(data));
    if (!k) fatal("private key " + path + ": not an unencrypted PKCS#8 key (" +
                  std::string(ike::crypto::to_string(k.error())) + ")");
    return std::make_shared<const ike::crypto::PrivateKey>(std::move(*k));
}

ike::TrafficSelector parse_cidr(const std::string& text) {
    const auto slash = text.find('/');
    const auto ip = ike::IpAddress::parse(text.substr(0, slash));
    if (!ip) usage_error("bad address in '" + text + "'");
    const unsigned max = ip->family == ike::IpAddress::Family::v4 ? 32 : 128;
    unsigned len = max;
    if (slash != std::string::npos) {
        try {
            len = static_cast<unsigned>(std::stoul(text.substr(slash + 1)));
        } catch (const std::exception&) {
            len = max + 1;
        }
    }
    if (len > max) usage_error("bad prefix length in '" + text + "'");
    return ike::TrafficSelector::subnet(*ip, len);
}

ike::IpAddress parse_ip(const std::string& text, const char* what) {
    const auto ip = ike::IpAddress::parse(text);
    if (!ip) usage_error(std::string(what) + ": bad address '" + text + "'");
    return *ip;
}

// Random SPIs (the kernel would choose them; here nothing installs ESP).
class RandomSpis final : public ike::SpiAllocator {
public:
    std::optional<std::uint32_t> allocate(const ike::SocketAddress&, const ike::SocketAddress&) override {
        std::uint32_t spi = 0;
        do m_rng->fill(std::span(reinterpret_cast<std::uint8_t*>(&spi), sizeof spi));
        while (spi < 256);
        return spi;
    }
    void release(std::uint32_t) override {}

private:
    std::unique_ptr<ike::crypto::Rng> m_rng = ike::crypto::make_system_rng();
};

// One UDP socket per IKE port, both on the --local address.
struct Sockets {
    int fd500 = -1, fd4500 = -1;
    ike::IpAddress local;
};

int bind_udp(const ike::IpAddress& ip, std::uint16_t port) {
    const bool v4 = ip.family == ike::IpAddress::Family::v4;
    const int fd = ::socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fatal(std::string("socket: ") + std::strerror(errno), 1);
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (v4) {
        auto* s = reinterpret_cast<sockaddr_in*>(&ss);
        s->sin_family = AF_INET;
        s->sin_port = htons(port);
        std::memcpy(&s->sin_addr, ip.bytes.data(), 4);
        len = sizeof *s;
    } else {
        auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(port);
        std::memcpy(&s->sin6_addr, ip.bytes.data(), 16);
        len = sizeof *s;
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0)
        fatal("bind " + ip.to_string() + ":" + std::to_string(port) + ": " + std::strerror(errno), 1);
    return fd;
}

ike::SocketAddress from_sockaddr(const sockaddr_storage& ss) {
    ike::SocketAddress a;
    if (ss.ss_family == AF_INET) {
        const auto* s = reinterpret_cast<const sockaddr_in*>(&ss);
        a.ip = *ike::IpAddress::from_bytes(std::span(reinterpret_cast<const std::uint8_t*>(&s->sin_addr), 4));
        a.port = ntohs(s->sin_port);
    } else {
        const auto* s = reinterpret_cast<const sockaddr_in6*>(&ss);
        a.ip = *ike::IpAddress::from_bytes(std::span(reinterpret_cast<const std::uint8_t*>(&s->sin6_addr), 16));
        a.port = ntohs(s->sin6_port);
    }
    return a;
}

void send_to(const Sockets& s, const ike::Transmit& t) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (t.remote.ip.family == ike::IpAddress::Family::v4) {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_port = htons(t.remote.port);
        std::memcpy(&a->sin_addr, t.remote.ip.bytes.data(), 4);
        len = sizeof *a;
    } else {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(t.remote.port);
        std::memcpy(&a->sin6_addr, t.remote.ip.bytes.data(), 16);
        len = sizeof *a;
    }
    const int fd = t.local.port == 4500 ? s.fd4500 : s.fd500;
    if (::sendto(fd, t.data.data(), t.data.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) < 0)
        std::fprintf(stderr, "ikepeer: sendto %s: %s\n", t.remote.to_string().c_str(), std::strerror(errno));
}

std::string hex(std::span<const std::uint8_t> b) {
    static constexpr char d[] = "0123456789abcdef";
    std::string s;
    for (const auto x : b) {
        s += d[x >> 4];
        s += d[x & 15];
    }
    return s;
}

std::string spi_hex(std::uint32_t spi) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", spi);
    return buf;
}

std::string ts_list(const ike::TrafficSelectors& ts) {
    std::string s;
    for (const auto& t : ts) s += (s.empty() ? "" : ",") + t.to_string();
    return s;
}

const char* reason_name(ike::DownReason r) {
    switch (r) {
        case ike::DownReason::deleted_locally: return "deleted_locally";
        case ike::DownReason::deleted_by_peer: return "deleted_by_peer";
        case ike::DownReason::dead_peer: return "dead_peer";
        case ike::DownReason::retransmit_timeout: return "retransmit_timeout";
        case ike::DownReason::auth_failed: return "auth_failed";
        case ike::DownReason::negotiation_failed: return "negotiation_failed";
        case ike::DownReason::revoked: return "revoked";
        case ike::DownReason::cert_expired: return "cert_expired";
        case ike::DownReason::rekeyed: return "rekeyed";
        case ike::DownReason::lifetime_expired: return "lifetime_expired";
        case ike::DownReason::peer_restarted: return "peer_restarted";
    }
    return "?";
}

const char* auth_name(ike::AuthFailure r) {
    switch (r) {
        case ike::AuthFailure::bad_signature: return "bad_signature";
        case ike::AuthFailure::unknown_ca: return "unknown_ca";
        case ike::AuthFailure::expired: return "expired";
        case ike::AuthFailure::not_yet_valid: return "not_yet_valid";
        case ike::AuthFailure::revoked: return "revoked";
        case ike::AuthFailure::blocklisted: return "blocklisted";
        case ike::AuthFailure::identity_mismatch: return "identity_mismatch";
        case ike::AuthFailure::subnet_not_allowed: return "subnet_not_allowed";
        case ike::AuthFailure::bad_key_usage: return "bad_key_usage";
        case ike::AuthFailure::malformed_certificate: return "malformed_certificate";
        case ike::AuthFailure::no_certificate: return "no_certificate";
        case ike::AuthFailure::unsupported_algorithm: return "unsupported_algorithm";
        case ike::AuthFailure::peer_rejected_us: return "peer_rejected_us";
    }
    return "?";
}

std::string keys_text(const char* dir, const ike::crypto::EspKeys& k) {
    std::string s = std::string(" ") + dir + "_encr=" + std::string(k.encr_alg) + ":" + hex(k.encr_key.bytes());
    if (!k.integ_alg.empty()) s += std::string(" ") + dir + "_integ=" + std::string(k.integ_alg) + ":" + hex(k.integ_key.bytes());
    return s;
}

// The state the main loop acts on after events.
struct Run {
    std::optional<ike::ChildSaId> first_child;
    std::optional<ike::IkeSaId> first_ike;
    std::optional<ike::Time> child_up_at;
    std::optional<ike::ChildSaId> current_child;  // the first child, or what rekeys made of it
    bool current_new = false;                   // its rekey time is still to be set
    ike::Time rekey_due = ike::Time::max();
    unsigned rekeys_sent = 0;
    std::optional<ike::IkeSaId> current_ike;  // follows IKE SA rekeys
    std::optional<ike::Time> rekeyed_at;
    bool deleted = false;
    bool rekey_sent = false;
    bool had_ike = false;
};

void print_event(const ike::Event& ev, const Options& o, Run& run) {
    if (const auto* e = std::get_if<ike::IkeSaUp>(&ev)) {
        run.had_ike = true;
        if (!run.current_ike || (e->replaces && *e->replaces == *run.current_ike)) run.current_ike = e->ike;
        const std::string replaces = e->replaces ? " replaces=" + std::to_string(e->replaces->value) : "";
        std::printf("IKE_SA_UP ike=%llu local=%s remote=%s peer=%s initiator=%d nat_local=%d nat_peer=%d%s\n",
                    static_cast<unsigned long long>(e->ike.value), e->local.to_string().c_str(),
                    e->remote.to_string().c_str(), e->peer_id.to_string().c_str(), e->initiator ? 1 : 0,
                    e->nat.local_behind_nat ? 1 : 0, e->nat.peer_behind_nat ? 1 : 0, replaces.c_str());
    } else if (const auto* k = std::get_if<ike::IkeKeysExported>(&ev)) {
        // New fields go last: the interop scripts read the first ones by position.
        const auto& su = k->suite;
        if (o.print_keys)
            std::printf("IKE_KEYS ike=%llu spi_i=%s spi_r=%s sk_ei=%s sk_er=%s sk_ai=%s sk_ar=%s suite=encr:%u/%u,integ:%u,prf:%u,ke:%u\n",
                        static_cast<unsigned long long>(k->ike.value), hex(k->spi_i).c_str(), hex(k->spi_r).c_str(),
                        hex(k->sk_ei).c_str(), hex(k->sk_er).c_str(), hex(k->sk_ai).c_str(), hex(k->sk_ar).c_str(),
                        unsigned(su.sk.encr), unsigned(su.sk.key_bits), unsigned(su.sk.integ), unsigned(su.prf), unsigned(su.ke));
        if (!o.keylog.empty()) {
            std::ofstream f(o.keylog, std::ios::app);
            f << ike::ikev2_decryption_table_line(*k) << '\n';
            if (!f) std::fprintf(stderr, "ikepeer: cannot write %s\n", o.keylog.c_str());
        }
    } else if (const auto* pm = std::get_if<ike::PeerAddressChanged>(&ev)) {
        std::printf("PEER_MOVED ike=%llu from=%s to=%s\n", static_cast<unsigned long long>(pm->ike.value),
                    pm->old_remote.to_string().c_str(), pm->remote.to_string().c_str());
    } else if (const auto* rf = std::get_if<ike::RekeyFailed>(&ev)) {
        std::printf("REKEY_FAILED ike=%llu child=%llu retrying=%d detail=\"%s\"\n", static_cast<unsigned long long>(rf->ike.value),
                    static_cast<unsigned long long>(rf->child ? rf->child->value : 0), rf->retrying ? 1 : 0, rf->detail.c_str());
    } else if (const auto* ce = std::get_if<ike::CrlExpired>(&ev)) {
        std::printf("CRL_EXPIRED number=%llu strict=%d\n", static_cast<unsigned long long>(ce->crl_number), ce->strict ? 1 : 0);
    } else if (const auto* c = std::get_if<ike::ChildSaUp>(&ev)) {
        std::string line = "CHILD_SA_UP ike=" + std::to_string(c->ike.value) + " child=" + std::to_string(c->child.value) +
                           " in_spi=" + spi_hex(c->inbound.spi) + " out_spi=" + spi_hex(c->outbound.spi) +
                           " encap=" + (c->udp_encapsulation ? "1" : "0") + " esn=" + (c->esn ? "1" : "0") +
                           " local_ts=" + ts_list(c->local_ts) + " remote_ts=" + ts_list(c->remote_ts);
        if (c->replaces) line += " replaces=" + std::to_string(c->replaces->value);
        if (o.print_keys) line += keys_text("in", c->inbound.keys) + keys_text("out", c->outbound.keys);
        std::printf("%s\n", line.c_str());
        if (!run.first_child) {
            run.first_child = c->child;
            run.first_ike = c->ike;
        }
        if (!run.current_child || (c->replaces && *c->replaces == *run.current_child)) {
            run.current_child = c->child;
            run.current_new = true;
        }
    } else if (const auto* d = std::get_if<ike::ChildSaDown>(&ev)) {
        std::printf("CHILD_SA_DOWN ike=%llu child=%llu in_spi=%s out_spi=%s reason=%s detail=\"%s\"\n",
                    static_cast<unsigned long long>(d->ike.value), static_cast<unsigned long long>(d->child.value),
                    spi_hex(d->inbound_spi).c_str(), spi_hex(d->outbound_spi).c_str(), reason_name(d->reason),
                    d->detail.c_str());
    } else if (const auto* i = std::get_if<ike::IkeSaDown>(&ev)) {
        std::printf("IKE_SA_DOWN ike=%llu reason=%s detail=\"%s\"\n", static_cast<unsigned long long>(i->ike.value),
                    reason_name(i->reason), i->detail.c_str());
    } else if (const auto* a = std::get_if<ike::AuthFailed>(&ev)) {
        std::printf("AUTH_FAILED remote=%s reason=%s detail=\"%s\"\n", a->remote.to_string().c_str(),
                    auth_name(a->reason), a->detail.c_str());
    }
    std::fflush(stdout);
}

const char* config_error(ike::ConfigError e) {
    switch (e) {
        case ike::ConfigError::no_credentials: return "no credentials";
        case ike::ConfigError::bad_certificate: return "bad certificate";
        case ike::ConfigError::bad_private_key: return "bad private key";
        case ike::ConfigError::key_mismatch: return "the private key does not belong to the certificate";
        case ike::ConfigError::bad_ca: return "bad CA certificate";
        case ike::ConfigError::no_proposals: return "no proposals";
        case ike::ConfigError::unsupported_transform: return "unsupported transform";
        case ike::ConfigError::bad_crl: return "bad CRL";
        case ike::ConfigError::crl_rollback: return "CRL older than one already accepted";
        case ike::ConfigError::bad_blocklist: return "bad blocklist";
    }
    return "?";
}

void apply_load_options(const Options& o, ike::Config& c) {
    using namespace ike::crypto;
    if (!o.ike_group.empty()) {
        const KeId ke = o.ike_group == "x25519" ? KeId::Curve25519 : o.ike_group == "ecp256" ? KeId::Ecp256 : KeId::Modp2048;
        c.proposals.ike = {{PrfId::HmacSha2_256, {EncrId::AesGcm16, 256, IntegId::None}, ke}};
        c.proposals.esp = {{EncrId::AesGcm16, 256, IntegId::None}};
    }
    if (o.max_half_open >= 0) c.limits.max_half_open = static_cast<unsigned>(o.max_half_open);
    if (o.half_open_per_source >= 0) c.limits.max_half_open_per_source = static_cast<unsigned>(o.half_open_per_source);
    if (o.cookie_threshold >= 0) c.limits.cookie_threshold = static_cast<unsigned>(o.cookie_threshold);
    if (o.liveness >= 0) c.timers.liveness_after = ike::Duration{static_cast<ike::Duration::rep>(o.liveness * 1000)};
}

ike::Config make_config(const Options& o) {
    auto cert = load_cert(o.cert, "certificate");
    auto ca = load_cert(o.ca, "CA certificate");
    ike::Config c;
    c.credentials.private_key = load_key(o.key);
    const auto der = cert.der();
    c.credentials.certificate_chain.emplace_back(der.begin(), der.end());
    for (const auto& f : o.chain) {
        // der() is a view into the certificate: keep the certificate alive while copying it
        const auto mid = load_cert(f, "intermediate certificate");
        const auto mid_der = mid.der();
        c.credentials.certificate_chain.emplace_back(mid_der.begin(), mid_der.end());
    }
    if (o.fragment_size >= 0) c.limits.fragment_size = static_cast<std::size_t>(o.fragment_size);
    const auto ca_der = ca.der();
    c.credentials.ca_certificate.assign(ca_der.begin(), ca_der.end());
    std::string id = o.id;
    if (id.empty()) {
        if (cert.alt_names().dns.empty()) fatal("certificate " + o.cert + " has no DNS subjectAltName: give --id");
        id = cert.alt_names().dns.front();
    }
    c.credentials.local_id = ike::Identity::fqdn(id);
    // lib/policy's X.509 verifier (the engine's default), made here to name the file on error
    auto verifier = ike::policy::make_x509_verifier(ca_der);
    if (!verifier) fatal("CA certificate " + o.ca + ": " + config_error(verifier.error()));
    c.verifier = std::move(*verifier);
    for (const auto& t : o.local_ts) c.local_traffic.push_back(parse_cidr(t));
    if (o.no_pfs) c.proposals.child_ke.clear();
    c.export_keys = o.print_keys || !o.keylog.empty();
    apply_load_options(o, c);
    return c;
}


}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    const auto local_ip = parse_ip(o.local, "--local");
    auto config = make_config(o);
    auto ep = ike::Endpoint::create(std::move(config), ike::crypto::make_system_rng(), std::make_unique<RandomSpis>());
    if (!ep) fatal(std::string("configuration: ") + config_error(ep.error()));

    Sockets s;
    s.local = local_ip;
    s.fd500 = bind_udp(local_ip, 500);
    s.fd4500 = bind_udp(local_ip, 4500);
    std::printf("LISTENING %s ports 500 4500\n", local_ip.to_string().c_str());
    std::fflush(stdout);

    using Clock = std::chrono::system_clock;
    const auto start = Clock::now();
    Run run;
    if (!o.initiate.empty()) {
        ike::InitiateRequest r;
        r.remote = ike::SocketAddress{parse_ip(o.initiate, "--initiate"), 500};
        r.local = ike::SocketAddress{local_ip, 500};
        if (!o.peer_id.empty()) r.peer_id = ike::Identity::fqdn(o.peer_id);
        for (const auto& t : o.local_ts) r.local_ts.push_back(parse_cidr(t));
        for (const auto& t : o.remote_ts) r.remote_ts.push_back(parse_cidr(t));
        r.mode = o.transport ? ike::Mode::transport : ike::Mode::tunnel;
        if (auto id = ep->initiate(r, start); !id) fatal("initiate failed (command error " +
                                                           std::to_string(static_cast<int>(id.error())) + ")", 1);
    }

    std::vector<std::uint8_t> buf(65536);
    std::array<std::uint64_t, 3> fragments{};
    for (;;) {
        while (auto t = ep->poll_transmit()) send_to(s, *t);
        while (auto e = ep->poll_event())
            if (!o.quiet) print_event(*e, o, run);
        if (const auto& c = ep->counters(); o.print_fragments) {
            const std::array<std::uint64_t, 3> f{c.fragments_sent, c.fragments_received, c.messages_reassembled};
            if (f != fragments) {
                fragments = f;
                std::printf("FRAGMENTS sent=%llu received=%llu reassembled=%llu dropped=%llu\n",
                            static_cast<unsigned long long>(f[0]), static_cast<unsigned long long>(f[1]),
                            static_cast<unsigned long long>(f[2]), static_cast<unsigned long long>(c.fragments_dropped));
                std::fflush(stdout);
            }
        }
        auto now = Clock::now();
        if (run.first_child && !run.child_up_at) run.child_up_at = now;
        if (run.current_new && o.rekey_after >= 0) {
            run.current_new = false;
            run.rekey_due = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.rekey_after));
        }
        if (run.current_child && run.rekeys_sent < o.rekeys && now >= run.rekey_due) {
            ++run.rekeys_sent;
            run.rekey_due = ike::Time::max();  // once per child
            const bool ok = ep->rekey_child(*run.current_child, now).has_value();
            std::printf("REKEY_SENT child=%llu ok=%d\n", static_cast<unsigned long long>(run.current_child->value), ok ? 1 : 0);
            std::fflush(stdout);
        }
        if (o.exit_after > 0 && now - start >= std::chrono::duration<double>(o.exit_after)) break;
        if (o.exit_on_down && run.had_ike && ep->state_counts().ike_sas == 0) break;
        if (o.rekey_ike_after >= 0 && run.child_up_at && !run.rekey_sent &&
            now - *run.child_up_at >= std::chrono::duration<double>(o.rekey_ike_after)) {
            run.rekey_sent = true;
            run.rekeyed_at = now;
            const bool ok = ep->rekey_ike(*run.current_ike, now).has_value();
            std::printf("REKEY_SENT what=ike ok=%d\n", ok ? 1 : 0);
            std::fflush(stdout);
            continue;
        }
        const auto delete_from = o.rekey_ike_after >= 0 ? run.rekeyed_at : run.child_up_at;
        if (o.delete_after >= 0 && delete_from && !run.deleted &&
            now - *delete_from >= std::chrono::duration<double>(o.delete_after)) {
            run.deleted = true;
            const bool ok = o.del == "ike" ? ep->delete_ike(*run.current_ike, now).has_value()
                                           : ep->delete_child(*run.first_child, now).has_value();
            std::printf("DELETE_SENT what=%s ok=%d\n", o.del.c_str(), ok ? 1 : 0);
            std::fflush(stdout);
            continue;
        }
        int wait_ms = 200;
        if (auto t = ep->next_timeout()) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*t - now).count();
            wait_ms = static_cast<int>(std::clamp<long long>(ms, 0, 200));
        }
        pollfd fds[2] = {{s.fd500, POLLIN, 0}, {s.fd4500, POLLIN, 0}};
        const int n = ::poll(fds, 2, wait_ms);
        now = Clock::now();
        if (n < 0 && errno != EINTR) fatal(std::string("poll: ") + std::strerror(errno), 1);
        for (const auto& f : fds) {
            if (n <= 0 || !(f.revents & POLLIN)) continue;
            sockaddr_storage from{};
            socklen_t flen = sizeof from;
            const auto got = ::recvfrom(f.fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &flen);
            if (got < 0) continue;
            const ike::SocketAddress local{local_ip, static_cast<std::uint16_t>(f.fd == s.fd4500 ? 4500 : 500)};
            ep->handle_datagram(std::span(buf.data(), static_cast<std::size_t>(got)), local, from_sockaddr(from), now);
        }
        if (auto t = ep->next_timeout(); t && *t <= now) ep->handle_timeout(now);
    }
    const auto counts = ep->state_counts();
    std::printf("EXIT ike_sas=%zu child_sas=%zu\n", counts.ike_sas, counts.child_sas);
    ::close(s.fd500);
    ::close(s.fd4500);
    return 0;
}
