// Pure message building: a typed request becomes the bytes of one netlink message, with no
// socket involved, so every builder is unit-tested against iproute2's bytes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "xfrm/types.hpp"

namespace meshd::xfrm {

// One netlink message under construction or ready to send. Its buffer is wiped when the
// Message is destroyed (SA messages carry keys; wiping every message costs nothing measurable).
class Message {
public:
    explicit Message(std::size_t capacity = 1024);
    Message(Message&& other) noexcept = default;
    Message& operator=(Message&& other) noexcept;
    Message(const Message&) = delete;
    Message& operator=(const Message&) = delete;
    ~Message();

    std::span<const std::uint8_t> bytes() const;
    std::uint16_t type() const;
    std::uint16_t flags() const;
    std::uint32_t seq() const;
    void set_seq(std::uint32_t seq);
    bool is_dump() const;

    // For the builders: the raw buffer, which starts with the nlmsghdr.
    void* raw() { return m_buf.data(); }
    std::size_t capacity() const { return m_buf.size(); }
    void wipe();

private:
    std::vector<std::uint8_t> m_buf;
};

Message build_sa_add(const Sa& sa);
Message build_sa_update(const Sa& sa);
Message build_sa_delete(const SaId& id);
Message build_sa_get(const SaId& id);
Message build_sa_dump();
Message build_policy_add(const Policy& policy);
Message build_policy_update(const Policy& policy);
Message build_policy_delete(const PolicyId& id);
Message build_policy_get(const PolicyId& id);
Message build_policy_dump();
Message build_alloc_spi(const SpiRequest& request);

}  // namespace meshd::xfrm
