// What Node tells meshctl (node.hpp: Node::snapshot): its peers, IKE SAs and installed child
// SAs as plain values, copied out; status.hpp joins them with the kernel's counters and the
// trust files' dates into the control socket's JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ike/endpoint.hpp"
#include "ike/sa_info.hpp"
#include "peers.hpp"
#include "xfrm/types.hpp"

namespace meshd {

// What the control socket answers with error "refused" (meshctl's exit status 1).
struct CommandRefusal {
    enum class Kind : std::uint8_t { unknown_peer, no_endpoint, stopping, failed } kind = Kind::failed;
    std::string message;
};

struct PeerSnapshot {
    Peer peer;
    std::uint32_t reqid = 0;
    bool listed = false;    // in the directory or the static peers (else: met as responder)
    bool held = false;      // meshctl down --hold
    std::size_t traps = 0;  // trap policies installed
    bool pending = false;   // an initiation is under way
    unsigned failures = 0;
    std::optional<ike::Time> retry_at;  // backoff: no initiation before
};

struct IkeSnapshot {
    ike::IkeSaInfo sa;       // libike's view (SPIs, state, algorithms, next rekey)
    std::string peer;        // node name
    std::optional<ike::Time> up_since;  // IkeSaUp (none while negotiating)
};

struct ChildSnapshot {
    ike::ChildSaId id;
    ike::IkeSaId ike;
    std::string peer;
    std::uint32_t reqid = 0;
    xfrm::Sa in, out;        // as installed (SPIs, addresses, lifetimes)
    ike::TrafficSelectors local_ts, remote_ts;
    std::vector<xfrm::Policy> policies;  // in/fwd/out for its selectors (shared ones included)
    std::string algorithms;
    ike::Time installed_at{};
    ike::Time last_active{};  // the last idle check that saw the counters move
    std::optional<ike::Time> next_rekey;  // the kernel's soft expiry (installed_at + soft time)
    bool deleting = false;
};

struct Snapshot {
    std::string name;  // our identity
    ike::Counters counters;
    ike::StateCounts state;
    std::vector<PeerSnapshot> peers;
    std::vector<IkeSnapshot> ikes;
    std::vector<ChildSnapshot> children;
    bool stopping = false;
};

// A peer's state for status: "up" (a child SA installed), "negotiating" (an initiation or an
// IKE SA not yet established), "held", "trap" (traps in, nothing negotiated), "idle" (no trap:
// no endpoint we can reach, it comes to us).
std::string peer_state(const Snapshot& s, const PeerSnapshot& p);

}  // namespace meshd
