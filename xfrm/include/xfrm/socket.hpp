// A NETLINK_XFRM request socket: sends one built Message, checks sequence numbers, collects
// multipart dumps, waits for the ACK and turns NLMSG_ERROR (with its extended-ack text) into
// an XfrmError. Knows nothing of what the messages mean.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xfrm/error.hpp"
#include "xfrm/messages.hpp"

struct mnl_socket;

namespace meshd::xfrm {
// Large enough for any kernel netlink skb (dumps use up to 32 KiB).
inline constexpr std::size_t receive_buffer_size = 65536;
}  // namespace meshd::xfrm

namespace meshd::xfrm {

struct MnlSocketCloser {
    void operator()(mnl_socket* socket) const;
};
using MnlSocketPtr = std::unique_ptr<mnl_socket, MnlSocketCloser>;

// One reply message (type + payload), copied out of the receive buffer. Wiped when destroyed:
// SA replies carry keys.
struct Reply {
    std::uint16_t type = 0;
    std::vector<std::uint8_t> payload;

    Reply() = default;
    Reply(std::uint16_t t, std::vector<std::uint8_t> p) : type(t), payload(std::move(p)) {}
    Reply(Reply&&) noexcept = default;
    Reply& operator=(Reply&&) noexcept = default;
    ~Reply();
};

class Socket {
public:
    // Opens NETLINK_XFRM in the caller's network namespace, with NETLINK_EXT_ACK (error text)
    // and NETLINK_CAP_ACK (errors do not echo our request, which may carry keys).
    static Result<Socket> open();

    // Sends `request` (its buffer is wiped afterwards) and returns the data messages of the
    // reply: none for add/delete, one for get/allocspi, all for a dump.
    Result<std::vector<Reply>> transact(Message& request, Operation op, const std::string& object);

    int fd() const;

private:
    explicit Socket(MnlSocketPtr socket);
    Result<void> send(Message& request, Operation op, const std::string& object);

    MnlSocketPtr m_socket;
    std::uint32_t m_port = 0;
    std::uint32_t m_seq = 0;
    std::vector<std::uint8_t> m_rx;
};

}  // namespace meshd::xfrm
