// A simulated network for libike endpoints: N endpoints in one process, a virtual clock, a
// priority queue of datagrams in flight, and seeded loss, delay, reordering and duplication.
// Optional NAT: an endpoint behind it appears under a public address with remapped ports.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ike/endpoint.hpp"

namespace ike::sim {

struct Conditions {
    double loss = 0.0;         // probability a datagram is dropped
    double duplicate = 0.0;    // probability it is delivered twice
    double reorder = 0.0;      // probability it is held back by up to `reorder_delay`
    Duration min_delay{5};
    Duration max_delay{20};
    Duration reorder_delay{300};
    // Largest IP datagram the path carries (IP and UDP headers included); larger ones are
    // dropped, as by a router that cannot forward them and a firewall eating IP fragments.
    // 0: no limit.
    std::size_t path_mtu = 0;
};

// Deterministic SPI allocator shared with the test, so leaks are visible.
struct SpiPool {
    std::uint32_t next = 0x1000;
    std::map<std::uint32_t, bool> live;
    bool exhausted = false;  // tests set it to make allocation fail
};
std::unique_ptr<SpiAllocator> make_spi_allocator(std::shared_ptr<SpiPool> pool);

// The virtual clock starts here (2026-06-01 00:00 UTC), inside the test certificates' validity.
Time start_time();

class Network {
public:
    explicit Network(std::uint64_t seed, Conditions c = {});

    struct Node {
        std::string name;
        IpAddress ip;  // the endpoint's own (private, if behind a NAT) address
        std::unique_ptr<Endpoint> endpoint;
        std::shared_ptr<SpiPool> spis;
        std::vector<Event> events;  // every event it emitted, in order
    };
    Node& add(std::string name, IpAddress ip, Endpoint endpoint, std::shared_ptr<SpiPool> spis);
    // Puts the endpoint at `inside` behind a NAT whose public address is `outside`.
    void add_nat(const IpAddress& inside, const IpAddress& outside);
    // The NAT forgets the mappings of `inside` (a NAT rebinding, RFC 7296 §2.23): its next
    // datagrams leave from new public ports, and datagrams to the old ones are dropped.
    void rebind_nat(const IpAddress& inside);
    Node& node(const std::string& name);
    std::vector<std::unique_ptr<Node>>& nodes() { return m_nodes; }

    Time now() const { return m_now; }
    Conditions& conditions() { return m_cond; }
    // Runs the simulation until done() holds or `max` of virtual time passed; drains every
    // endpoint's transmits and events, delivers datagrams, fires timeouts. Returns done().
    bool run_until(const std::function<bool()>& done, Duration max);
    // Runs until nothing is in flight and no timer is pending, or `max` passed.
    bool run_idle(Duration max);
    void advance(Duration d) { m_now += d; }

    // Sends raw bytes into the network as if from `from` (spoofed or hand-made datagrams).
    void inject(const SocketAddress& from, const SocketAddress& to, std::vector<std::uint8_t> data);

    std::uint64_t delivered = 0, dropped = 0, duplicated = 0, too_big = 0;
    // Drops a datagram when it is sent if this returns true (targeted loss in scenario tests).
    std::function<bool(const SocketAddress& from, const SocketAddress& to, std::span<const std::uint8_t>)> drop;
    // Sees every datagram as it is delivered (after NAT), e.g. to capture one for a replay.
    std::function<void(const SocketAddress& from, const SocketAddress& to, std::span<const std::uint8_t>)> tap;

private:
    struct InFlight {
        Time at;
        std::uint64_t seq;
        SocketAddress from, to;
        std::vector<std::uint8_t> data;
        bool operator>(const InFlight& o) const { return at != o.at ? at > o.at : seq > o.seq; }
    };
    void drain();
    // Re-reads node i's deadline after the network called its endpoint, and marks it for drain().
    void touch(std::size_t i);
    void reindex();  // at each run_until(): the caller may have called endpoints, added or removed nodes
    void fire_timers();
    void send(const SocketAddress& from, const SocketAddress& to, std::vector<std::uint8_t> data);
    void deliver(InFlight& d);
    std::optional<Time> next_timer();
    SocketAddress outbound_nat(const SocketAddress& a);
    std::optional<SocketAddress> inbound_nat(const SocketAddress& a) const;
    Duration random_delay();

    Conditions m_cond;
    std::mt19937_64 m_rng;
    Time m_now;
    std::uint64_t m_seq = 0;
    std::vector<std::unique_ptr<Node>> m_nodes;
    // What keeps an event O(log N) rather than O(N), so meshes of 10,000 nodes run
    // (tests/bench_scale): nodes by address, the nodes the network called since the last
    // drain(), and every node's deadline in a heap whose stale entries are skipped. Indexes
    // into m_nodes, rebuilt at each run_until().
    std::map<IpAddress, std::size_t> m_by_ip;
    std::set<std::size_t> m_dirty;
    std::vector<std::optional<Time>> m_deadline;
    std::priority_queue<std::pair<Time, std::size_t>, std::vector<std::pair<Time, std::size_t>>, std::greater<>> m_timers;
    std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>> m_queue;
    std::map<IpAddress, IpAddress> m_nat_outside;  // inside -> outside
    std::map<std::pair<IpAddress, std::uint16_t>, std::uint16_t> m_nat_out;  // inside (ip, port) -> outside port
    std::map<std::pair<IpAddress, std::uint16_t>, SocketAddress> m_nat_in;  // outside (ip, port) -> inside
    std::uint16_t m_next_nat_port = 30000;
};

}  // namespace ike::sim
