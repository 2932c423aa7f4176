// What the kernel tells a monitor socket, decoded: the events that drive on-demand tunnels
// (ACQUIRE), rekeying (soft EXPIRE), teardown (hard EXPIRE, POLEXPIRE) and NAT-T (MAPPING).
#pragma once

#include <cstdint>
#include <variant>

#include "xfrm/types.hpp"

namespace meshd::xfrm {

// XFRM_MSG_ACQUIRE: a packet hit a policy that has no SA yet. `packet` is the packet's own
// flow (/32 or /128, with protocol and ports); `policy` is the policy it hit (with templates),
// whose selector is the full subnet pair. IKE needs both (RFC 7296 §2.9: TSi/TSr first
// selector).
struct AcquireEvent {
    std::uint8_t proto = proto_esp;
    Address src;  // tunnel endpoints the kernel asks an SA for
    Address dst;
    Selector packet;
    PolicyInfo policy;
    std::uint32_t seq = 0;  // echo in SpiRequest::seq / the larval SA
};

// XFRM_MSG_EXPIRE: soft (rekey now) or hard (the SA is gone).
struct ExpireEvent {
    SaInfo sa;
    bool hard = false;
};

// XFRM_MSG_POLEXPIRE: a policy reached its lifetime.
struct PolicyExpireEvent {
    PolicyInfo policy;
    bool hard = false;
};

// XFRM_MSG_MAPPING: the peer's NAT mapping changed (a UDP-encapsulated SA saw ESP from a new
// address or port).
struct MappingEvent {
    Address dst;
    std::uint32_t spi = 0;
    std::uint8_t proto = proto_esp;
    std::uint32_t reqid = 0;
    Address old_src;
    std::uint16_t old_sport = 0;
    Address new_src;
    std::uint16_t new_sport = 0;
};

using Event = std::variant<AcquireEvent, ExpireEvent, PolicyExpireEvent, MappingEvent>;

}  // namespace meshd::xfrm
