// The request socket: send, then read until the ACK (or DONE for a dump), matching sequence
// numbers and the port id, wiping every buffer that may have held keys.
#include "xfrm/socket.hpp"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <string.h>  // explicit_bzero
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>

#include "xfrm/parse.hpp"

namespace meshd::xfrm {

void MnlSocketCloser::operator()(mnl_socket* socket) const { mnl_socket_close(socket); }

Reply::~Reply() {
    if (!payload.empty()) {
        explicit_bzero(payload.data(), payload.size());
    }
}

namespace {

XfrmError system_error(Operation op, const std::string& object, int errnum) {
    return XfrmError{ErrorKind::system, op, object, errnum, {}};
}

XfrmError protocol_error(Operation op, const std::string& object, std::string what) {
    return XfrmError{ErrorKind::protocol, op, object, 0, std::move(what)};
}

void wipe(std::vector<std::uint8_t>& buffer, std::size_t used) {
    if (used > 0) {
        explicit_bzero(buffer.data(), used);
    }
}

}  // namespace

Socket::Socket(MnlSocketPtr socket)
    : m_socket(std::move(socket)), m_port(mnl_socket_get_portid(m_socket.get())),
      m_rx(receive_buffer_size) {}

Result<Socket> Socket::open() {
    MnlSocketPtr sock(mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC));
    if (!sock) {
        return meshd::unexpected(system_error(Operation::open_socket, "NETLINK_XFRM", errno));
    }
    if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
        return meshd::unexpected(system_error(Operation::open_socket, "bind", errno));
    }
    int on = 1;
    // Both are optional refinements: an old kernel without them still works, less verbosely.
    mnl_socket_setsockopt(sock.get(), NETLINK_EXT_ACK, &on, sizeof on);
    mnl_socket_setsockopt(sock.get(), NETLINK_CAP_ACK, &on, sizeof on);
    // A kernel that never answers must not hang the caller forever.
    const timeval timeout{10, 0};
    setsockopt(mnl_socket_get_fd(sock.get()), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return Socket(std::move(sock));
}

int Socket::fd() const { return mnl_socket_get_fd(m_socket.get()); }

Result<void> Socket::send(Message& request, Operation op, const std::string& object) {
    request.set_seq(++m_seq);
    const auto bytes = request.bytes();
    const ssize_t sent = mnl_socket_sendto(m_socket.get(), bytes.data(), bytes.size());
    const int saved = errno;
    request.wipe();
    if (sent < 0) {
        return meshd::unexpected(system_error(op, object, saved));
    }
    return {};
}

Result<std::vector<Reply>> Socket::transact(Message& request, Operation op,
                                            const std::string& object) {
    if (auto sent = send(request, op, object); !sent) {
        return meshd::unexpected(sent.error());
    }
    std::vector<Reply> replies;
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(m_socket.get(), m_rx.data(), m_rx.size());
        if (n < 0) {
            return meshd::unexpected(system_error(op, object, errno));
        }
        const std::size_t used = static_cast<std::size_t>(n);
        auto messages = split_messages(std::span<const std::uint8_t>(m_rx.data(), used));
        if (!messages) {
            wipe(m_rx, used);
            return meshd::unexpected(protocol_error(op, object, messages.error().what));
        }
        bool finished = false;
        std::optional<XfrmError> failure;
        for (const auto& m : *messages) {
            // Late replies to an earlier request (one that timed out) are not ours to read.
            if (m.seq != m_seq || (m.pid != 0 && m.pid != m_port)) {
                continue;
            }
            if (m.type == NLMSG_ERROR) {
                auto ack = parse_ack(m);
                if (!ack) {
                    failure = protocol_error(op, object, ack.error().what);
                } else if (ack->errnum != 0) {
                    failure = kernel_error(op, object, ack->errnum, ack->ext_ack);
                }
                finished = true;
                break;
            }
            if (m.type == NLMSG_DONE) {
                int status = 0;
                if (m.payload.size() >= sizeof status) {
                    std::memcpy(&status, m.payload.data(), sizeof status);
                }
                if (status < 0) {
                    failure = kernel_error(op, object, status == INT_MIN ? EINVAL : -status, {});
                }
                finished = true;
                break;
            }
            if (m.type == NLMSG_NOOP) {
                continue;
            }
            if (m.type == NLMSG_OVERRUN) {
                failure = protocol_error(op, object, "NLMSG_OVERRUN");
                finished = true;
                break;
            }
            replies.emplace_back(m.type, std::vector<std::uint8_t>(m.payload.begin(), m.payload.end()));
        }
        wipe(m_rx, used);
        if (failure) {
            return meshd::unexpected(*failure);
        }
        // A dump ends with NLMSG_DONE; every other request with its ACK (we always ask for one).
        if (finished) {
            return replies;
        }
    }
}

}  // namespace meshd::xfrm
