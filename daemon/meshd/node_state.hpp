// Node's inner state, shared by node.cpp (the flows) and node_kernel.cpp (what a tunnel, a trap
// and a policy look like in the kernel). Not a public header.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node.hpp"

namespace meshd {

// The queue and the SPI bookkeeping the SPI allocator handed to libike shares with Node.
struct Shared {
    std::deque<Output> out;
    std::shared_ptr<SpiSource> source;
    // Inbound SPIs allocated (a larval SA each) and not installed yet: released ones are deleted.
    std::map<std::uint32_t, xfrm::Address> larval;
};

struct PeerState {
    Peer peer;
    std::uint32_t reqid = 0;
    bool listed = false;                      // in the directory / static peers (else: met as responder)
    std::vector<std::string> traps;           // keys into State::policies
    std::optional<ike::ChildSaId> pending;    // initiated, not up yet
    ike::Time pending_since{};
    unsigned failures = 0;                    // consecutive
    ike::Time retry_at{};                     // backoff: ACQUIREs before this start nothing
    bool held = false;                        // meshctl down --hold: ACQUIREs start nothing until up
};

struct IkeState {
    std::string peer;
    ike::SocketAddress local;
    ike::SocketAddress remote;
    std::optional<ike::Time> next_keepalive;  // we are behind a NAT: keep its mapping open
    ike::Time up_since{};                     // IkeSaUp (for meshctl: the IKE SA's age)
};

struct Direction {
    xfrm::Sa sa;
    bool gone = false;              // the kernel removed it (hard expiry)
    xfrm::Counters seen;            // at the last idle check
};

struct ChildState {
    ike::ChildSaId id;
    ike::IkeSaId ike;
    std::string peer;
    std::uint32_t reqid = 0;
    Direction in;
    Direction out;
    ike::TrafficSelectors local_ts;
    ike::TrafficSelectors remote_ts;
    std::vector<std::string> policies;   // keys into State::policies
    std::string algorithms;
    ike::Time last_active{};
    // A rekey we answered: our new outbound SA waits until the child it replaces goes (the
    // initiator deletes that one only once it has the new inbound SA), else our first packets
    // on it would reach a peer still without its keys. `out.gone` while it waits.
    std::optional<ike::ChildSaId> replaces;
    bool out_deferred = false;
    ike::Time installed_at{};
    bool rekey_asked = false;
    bool deleting = false;
};

struct PolicyEntry {
    xfrm::Policy policy;
    unsigned refs = 0;   // children using it
    bool trap = false;   // also a trap of a listed peer
};

struct Node::State {
    NodeSettings settings;
    std::shared_ptr<Shared> shared;
    std::optional<ike::Endpoint> ep;
    std::map<std::string, PeerState> peers;
    std::map<std::string, std::uint32_t> reqids;  // stable for the life of the process
    std::uint32_t next_reqid = 0;
    std::map<ike::IkeSaId, IkeState> ikes;
    std::map<ike::ChildSaId, ChildState> children;
    std::map<std::string, PolicyEntry> policies;
    std::map<ike::ChildSaId, ike::ChildSaId> fresh_for;  // a fresh child -> the one it replaces
    std::optional<ike::Time> next_idle_check;
    bool stopping = false;
    bool stopped = false;
    ike::Time stop_deadline{};
    bool no_esp_reported = false;
    std::set<std::string> missing_algorithms_reported;

    void pump(ike::Time now);  // node.cpp: drain libike after a command (node_control.cpp)

    // node_kernel.cpp
    void emit(KernelOp op, std::uint64_t child = 0);
    void log(LogLevel level, std::string event, std::string peer, std::string reason, std::string algorithms = {},
             std::string detail = {});
    std::uint32_t reqid_for(const std::string& name);
    PeerState& peer_named(const std::string& name);
    void install_traps(PeerState& p);
    void remove_traps(PeerState& p);
    std::vector<std::string> child_policies(const ike::TrafficSelectors& local, const ike::TrafficSelectors& remote,
                                            const ike::SocketAddress& local_addr, const ike::SocketAddress& remote_addr,
                                            std::uint32_t reqid, std::uint64_t child);
    void release_policy(const std::string& key, bool as_trap);
    void release_held_packets(const PeerState& p, std::uint64_t child);
    void remove_child_state(ChildState& c);
    xfrm::Sa make_sa(const ike::EspSa& esp, const ike::ChildSaUp& up, std::uint32_t reqid) const;
    void move_sa(Direction& d, const ike::SocketAddress& src, const ike::SocketAddress& dst, bool encap,
                 std::uint64_t child);
    void retarget_policies(const ChildState& c, const ike::SocketAddress& local, const ike::SocketAddress& remote);
    std::optional<ike::IpAddress> local_address_for(const ike::IpAddress& remote) const;
};

}  // namespace meshd
