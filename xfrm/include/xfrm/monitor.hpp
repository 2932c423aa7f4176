// The event socket: NETLINK_XFRM subscribed to the ACQUIRE, EXPIRE (which also carries
// POLEXPIRE) and MAPPING groups. Non-blocking; an event loop waits on fd() for readability,
// then calls read_events() to drain what arrived.
#pragma once

#include <vector>

#include "xfrm/error.hpp"
#include "xfrm/events.hpp"
#include "xfrm/socket.hpp"

namespace meshd::xfrm {

struct MonitorBatch {
    std::vector<Event> events;
    std::size_t undecodable = 0;  // messages that failed to parse (counted, not fatal)
    bool overrun = false;         // ENOBUFS: the kernel dropped events; resync by dumping
};

class Monitor {
public:
    static Result<Monitor> open();

    int fd() const;
    // Reads until the socket would block. Never blocks.
    Result<MonitorBatch> read_events();

private:
    explicit Monitor(MnlSocketPtr socket);

    MnlSocketPtr m_socket;
    std::vector<std::uint8_t> m_rx;
};

}  // namespace meshd::xfrm
