// Message IDs and reliability of one IKE SA (RFC 7296 §2.1-§2.3): our requests (one
// outstanding, the rest queued, retransmitted with exponential back-off until a give-up) and
// the peer's (window size 1: the next ID is processed, the previous one answered from the
// response cache when it is a byte-exact retransmission, anything else ignored).
#pragma once

#include <cstdint>
#include <array>
#include <optional>
#include <span>
#include <vector>

#include "ike/config.hpp"
#include "ike/types.hpp"

namespace ike::sa {

using Bytes = std::vector<std::uint8_t>;

enum class RequestKind : std::uint8_t {
    ike_sa_init,
    ike_auth,
    delete_child,  // INFORMATIONAL with D(ESP)
    delete_ike,    // INFORMATIONAL with D(IKE)
    liveness,      // empty INFORMATIONAL (§1.4)
    auth_failed,   // INFORMATIONAL with N(AUTHENTICATION_FAILED) (§2.21.2)
    create_child,  // CREATE_CHILD_SA: an additional child SA (§1.3.1)
    rekey_child,   // CREATE_CHILD_SA with N(REKEY_SA) (§1.3.3)
    rekey_ike,     // CREATE_CHILD_SA with SA(IKE) (§1.3.2)
};

struct QueuedRequest {
    RequestKind kind{};
    ChildSaId child{};  // delete_child, create_child, rekey_child
};

struct Outstanding {
    QueuedRequest request;
    std::uint32_t message_id = 0;
    std::vector<Bytes> datagrams;  // as sent (without the non-ESP marker): one, or its RFC 7383 fragments
    Time next_send{};
    Duration interval{};
    unsigned retransmits = 0;
};

enum class RequestCheck : std::uint8_t { process, retransmission, drop };

class MessageWindow {
public:
    // --- our requests ---
    bool busy() const { return m_outstanding.has_value(); }
    const std::optional<Outstanding>& outstanding() const { return m_outstanding; }
    std::uint32_t next_request_id() const { return static_cast<std::uint32_t>(m_next_id); }
    // Message IDs our requests may still use (RFC 7296 §2.2: they never wrap).
    std::uint64_t ids_left() const { return message_ids - m_next_id; }
    void enqueue(QueuedRequest r) { m_queue.push_back(r); }
    void enqueue_front(QueuedRequest r) { m_queue.insert(m_queue.begin(), r); }
    bool next_queued(RequestKind kind) const { return !m_queue.empty() && m_queue.front().kind == kind; }
    std::optional<QueuedRequest> dequeue();
    bool queued(RequestKind kind) const;
    // Records a request just sent; the ID is consumed unless `reuse_id` (IKE_SA_INIT retries).
    void sent(QueuedRequest r, Bytes datagram, const Timers& timers, Time now, bool reuse_id = false);
    void sent(QueuedRequest r, std::vector<Bytes> datagrams, const Timers& timers, Time now, bool reuse_id = false);
    bool is_response_to_outstanding(std::uint32_t message_id) const;
    void response_received() { m_outstanding.reset(); }
    // Due for a retransmission: the datagram to resend, or nullopt if it is time to give up.
    enum class Due : std::uint8_t { nothing, resend, give_up };
    Due due(const Timers& timers, Time now) const;
    const std::vector<Bytes>& retransmit(const Timers& timers, Time now);
    // The outstanding request made again (RFC 7383 §2.5.2 smaller fragments): sent from now on.
    void replace_datagrams(std::vector<Bytes> datagrams) { m_outstanding->datagrams = std::move(datagrams); }

    // --- the peer's requests ---
    RequestCheck check_request(std::uint32_t message_id, std::span<const std::uint8_t> datagram) const;
    void answered(std::span<const std::uint8_t> request, Bytes response);
    void answered(std::span<const std::uint8_t> request, std::vector<Bytes> response);
    const std::vector<Bytes>& cached_response() const { return m_last_response; }
    // 2^32 once the peer's request 0xffffffff was answered: no request is accepted any more (§2.2).
    std::uint64_t expected_request_id() const { return m_expected; }
    // The request answered last (its retransmissions get the cached response).
    bool answered_previous(std::uint32_t message_id) const {
        return m_answered_any && std::uint64_t{message_id} + 1 == m_expected;
    }

    static constexpr std::uint64_t message_ids = std::uint64_t{1} << 32;
    // Tests and tools: a window whose IDs start elsewhere (e.g. near the end of the space).
    static MessageWindow starting_at(std::uint64_t next_request_id, std::uint64_t expected_request_id);

private:
    // 64 bits, so that the end of the 32-bit space is a state of its own rather than a wrap to 0.
    std::uint64_t m_next_id = 0;
    std::optional<Outstanding> m_outstanding;
    // A vector, not a deque: an empty std::deque allocates ~600 octets, for every SA (issue 14).
    std::vector<QueuedRequest> m_queue;
    std::uint64_t m_expected = 0;
    bool m_answered_any = false;
    // The request answered last, as its SHA-256: a retransmission is recognised byte for byte
    // (equal digests) without holding the request (an IKE_AUTH with certificates: ~1.5 KB).
    std::array<std::uint8_t, 32> m_last_request_digest{};
    // Its encrypted answer, sent again for each retransmission (RFC 7296 §2.1: the same
    // response). Held until the next request replaces it: one message per SA.
    std::vector<Bytes> m_last_response;
};

}  // namespace ike::sa
