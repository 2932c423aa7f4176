// The monitor socket: group subscriptions and a non-blocking drain into typed events.
#include "xfrm/monitor.hpp"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <string.h>  // explicit_bzero
#include <sys/socket.h>

#include <cerrno>

#include "xfrm/parse.hpp"

namespace meshd::xfrm {

Monitor::Monitor(MnlSocketPtr socket) : m_socket(std::move(socket)), m_rx(receive_buffer_size) {}

Result<Monitor> Monitor::open() {
    auto error = [](const char* what) {
        return meshd::unexpected(XfrmError{ErrorKind::system, Operation::monitor, what, errno, {}});
    };
    MnlSocketPtr sock(mnl_socket_open2(NETLINK_XFRM, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!sock) {
        return error("NETLINK_XFRM");
    }
    if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
        return error("bind");
    }
    // XFRMNLGRP_EXPIRE carries both XFRM_MSG_EXPIRE and XFRM_MSG_POLEXPIRE.
    for (int group : {XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE, XFRMNLGRP_MAPPING}) {
        if (mnl_socket_setsockopt(sock.get(), NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) {
            return error("NETLINK_ADD_MEMBERSHIP");
        }
    }
    // Bursts of ACQUIREs (a scan hitting many trap policies) should not overflow the queue.
    const int rcvbuf = 1 << 20;
    setsockopt(mnl_socket_get_fd(sock.get()), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    return Monitor(std::move(sock));
}

int Monitor::fd() const { return mnl_socket_get_fd(m_socket.get()); }

Result<MonitorBatch> Monitor::read_events() {
    MonitorBatch batch;
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(m_socket.get(), m_rx.data(), m_rx.size());
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return batch;
            }
            if (errno == ENOBUFS) {
                batch.overrun = true;
                continue;
            }
            return meshd::unexpected(XfrmError{ErrorKind::system, Operation::monitor, "recv", errno, {}});
        }
        const std::size_t used = static_cast<std::size_t>(n);
        auto messages = split_messages(std::span<const std::uint8_t>(m_rx.data(), used));
        if (!messages) {
            ++batch.undecodable;
        } else {
            for (const auto& m : *messages) {
                auto event = parse_event(m);
                if (event) {
                    batch.events.push_back(std::move(*event));
                } else {
                    ++batch.undecodable;
                }
            }
        }
        explicit_bzero(m_rx.data(), used);  // EXPIRE carries the SA, keys included
    }
}

}  // namespace meshd::xfrm
