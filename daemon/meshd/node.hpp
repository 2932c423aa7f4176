// meshd's decision core: which trap policies exist, what to install on ChildSaUp, when to rekey,
// delete, retry. Owns the ike::Endpoint; fed with datagrams, kernel events, ticks, reloads and
// commands (every call takes `now`); emits kernel commands, datagrams, log records and status
// into one ordered queue the adapters drain (poll_output). No I/O, no clock, no threads: the one
// synchronous call out is ALLOCSPI, through the injected SpiSource.
//
// Who decides to rekey a child SA: the kernel. libike's own child rekey timer is switched off
// (Lifetimes::child_soft = 0) and every kernel SA carries the soft limits (time with jitter,
// bytes, packets); its soft EXPIRE calls rekey_child. Only the kernel sees bytes and packets,
// so it is the one owner that can honour all three. IKE SA rekeys stay libike's.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ike/endpoint.hpp"
#include "output.hpp"
#include "peers.hpp"
#include "snapshot.hpp"
#include "xfrm/events.hpp"

namespace meshd {

// XFRM_MSG_ALLOCSPI in production, a counter in tests.
class SpiSource {
public:
    virtual ~SpiSource() = default;
    virtual std::optional<std::uint32_t> alloc_spi(const xfrm::SpiRequest& request) = 0;
};

struct NodeSettings {
    ike::Config ike;                                // credentials, revocation, proposals; local_traffic = our subnets
    std::vector<ike::IpAddress> local_addresses;    // our IKE/ESP endpoints (one per family used)
    std::uint16_t ike_port = 500;
    // Child SA lifetimes, enforced by the kernel (see the header comment).
    std::chrono::seconds child_soft{3600};
    std::chrono::seconds child_hard{3600 + 600};
    std::uint64_t soft_bytes = 0, hard_bytes = 0;      // 0: no limit
    std::uint64_t soft_packets = 0, hard_packets = 0;
    unsigned jitter_percent = 10;                   // soft limits come earlier by up to this much
    std::chrono::seconds idle_timeout{300};         // 0: never
    std::chrono::seconds idle_check{0};             // 0: idle_timeout / 4, at most 30 s
    std::chrono::seconds backoff_initial{2};        // a failing peer waits this, doubling...
    std::chrono::seconds backoff_max{300};          // ...up to this
    std::chrono::seconds stop_wait{2};              // answers to our DELETEs at stop
    std::chrono::seconds fresh_child_margin{30};    // a refused rekey: the fresh child starts at once,
                                                    // and the old one is deleted when it is up
    xfrm::Ownership ownership;
    std::uint32_t trap_priority = 0x3000;           // traps lose against negotiated policies
    std::uint32_t child_priority = 0x2000;
    std::uint32_t replay_window = 64;
    std::chrono::seconds nat_keepalive{20};         // behind a NAT: a keepalive this often (RFC 3948 §2.3)
};

// What a reload brings, already parsed and verified outside Node (a file that fails is refused
// there). Node still refuses as a whole what libike refuses (e.g. a CRL that does not verify).
struct Reload {
    ike::RevocationPolicy revocation;
    std::optional<ike::Credentials> credentials;  // new own certificate/key (and CA)
    std::vector<Peer> peers;                       // the new directory (and static peers)
};

enum class ReloadError : std::uint8_t { policy_refused, credentials_refused };

class Node {
public:
    static ike::Expected<std::unique_ptr<Node>, ike::ConfigError> create(NodeSettings settings, std::vector<Peer> peers,
                                                                         std::unique_ptr<ike::crypto::Rng> rng,
                                                                         std::shared_ptr<SpiSource> spis);
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    // Start: our stale kernel state goes (FlushOurs), then a trap per peer subnet pair, READY.
    void start(ike::Time now);
    void on_datagram(std::span<const std::uint8_t> data, const ike::SocketAddress& local,
                     const ike::SocketAddress& remote, ike::Time now);
    void on_acquire(const xfrm::AcquireEvent& acquire, ike::Time now);
    void on_expire(const xfrm::ExpireEvent& expire, ike::Time now);
    void on_mapping(const xfrm::MappingEvent& mapping, ike::Time now);
    // The answer to a QuerySa (nullopt: the kernel has no such SA).
    void on_sa_usage(const xfrm::SaId& id, std::optional<xfrm::Counters> counters, ike::Time now);
    // A kernel command failed. `lack`: the kernel has no ESP at all, or not this SA's algorithm
    // (each reported once, not at every attempt).
    enum class KernelLack : std::uint8_t { none, esp, algorithm };
    void on_kernel_error(const KernelCommand& command, KernelLack lack, const std::string& message, ike::Time now);
    void on_tick(ike::Time now);
    ike::Expected<void, ReloadError> on_reload(Reload reload, ike::Time now);
    // Stop: DELETE every IKE SA, wait up to stop_wait for answers, remove all our state, Status stopped.
    void stop(ike::Time now);
    // Events libike does not emit yet can be fed here by tests (and is what poll_event feeds).
    void on_ike_event(ike::Event event, ike::Time now);

    std::optional<Output> poll_output();
    std::optional<ike::Time> next_timeout() const;

    bool stopped() const;
    const ike::Endpoint& endpoint() const;
    // The child SAs installed now (for meshctl status and tests).
    struct Tunnel {
        ike::ChildSaId child;
        ike::IkeSaId ike;
        std::string peer;
        std::uint32_t inbound_spi = 0;
        std::uint32_t outbound_spi = 0;
        std::string algorithms;
    };
    std::vector<Tunnel> tunnels() const;

    // meshctl (node_control.cpp): what status shows, and the commands that steer peers.
    Snapshot snapshot() const;
    // A tunnel to the peer now, for its whole subnets (no packet needed); lifts a hold.
    ike::Expected<std::string, CommandRefusal> up(const std::string& peer, ike::Time now);
    // Deletes the peer's IKE SAs (and so its child SAs); its traps stay, so the next packet
    // brings the tunnel back, unless `hold`: then ACQUIREs start nothing until up().
    ike::Expected<std::string, CommandRefusal> down(const std::string& peer, bool hold, ike::Time now);

    struct State;

private:
    explicit Node(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

}  // namespace meshd
