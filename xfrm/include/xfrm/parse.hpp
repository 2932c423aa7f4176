// Pure parsing of what the kernel sends: a receive buffer -> netlink messages (a length pass)
// -> typed SAs, policies, acknowledgements and events (a meaning pass). No socket, no side
// effects: this is what the `netlink` fuzzer drives.
#pragma once

#include <cstdint>
#include <ranges>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <meshd/expected.hpp>
#include "xfrm/events.hpp"
#include "xfrm/types.hpp"

namespace meshd::xfrm {

struct ParseError {
    std::string what;
};

template <typename T>
using Parsed = meshd::Expected<T, ParseError>;

// One message of a receive buffer. It does not own its bytes: `payload` points into the buffer
// given to split_messages, which must outlive the message (see there).
struct NetlinkMessage {
    std::uint16_t type = 0;
    std::uint16_t flags = 0;
    std::uint32_t seq = 0;
    std::uint32_t pid = 0;
    std::span<const std::uint8_t> payload;
};

// Every message of a buffer, each length checked; fails on any malformed header. The messages
// point into `buffer`, so it must outlive them: pass a named buffer or a span of one. An owning
// temporary (`split_messages(load())` with a std::vector result) would be freed at the end of
// the statement and leave every payload dangling, so that call is deleted (below).
Parsed<std::vector<NetlinkMessage>> split_messages(std::span<const std::uint8_t> buffer);
template <typename Buffer>
    requires(!std::is_lvalue_reference_v<Buffer> && !std::ranges::borrowed_range<Buffer>)
Parsed<std::vector<NetlinkMessage>> split_messages(Buffer&& owning_temporary) = delete;

// NLMSG_ERROR: errnum 0 is an ACK. `ext_ack` is NLMSGERR_ATTR_MSG when the kernel sent one.
struct Ack {
    int errnum = 0;  // positive errno
    std::string ext_ack;
    std::uint32_t request_seq = 0;
};
Parsed<Ack> parse_ack(const NetlinkMessage& message);

// XFRM_MSG_NEWSA (a get, a dump or an ALLOCSPI reply).
Parsed<SaInfo> parse_sa(std::span<const std::uint8_t> payload);
// XFRM_MSG_NEWPOLICY (a get or a dump reply).
Parsed<PolicyInfo> parse_policy(std::span<const std::uint8_t> payload);

// A multicast event (ACQUIRE, EXPIRE, POLEXPIRE, MAPPING); other types are an error.
Parsed<Event> parse_event(const NetlinkMessage& message);

}  // namespace meshd::xfrm
