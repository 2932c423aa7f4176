// IKE message fragmentation (RFC 7383): splitting an encrypted message into SKF payloads that
// are each encrypted and integrity protected, and reassembling the peer's fragments with caps
// on fragment count and memory, each fragment authenticated before it is kept.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "crypto/secret.hpp"
#include "wire/header.hpp"
#include "wire/message.hpp"
#include "wire/payloads.hpp"

namespace ike::sa {

struct Context;
struct IkeSa;
struct Received;
using FragmentBytes = std::vector<std::uint8_t>;

// Bytes held by every reassembly of one endpoint (Limits::max_reassembly_total).
struct ReassemblyBudget {
    std::size_t used = 0;
};

// One message being reassembled: fragments kept by number, already decrypted.
struct PartialMessage {
    std::uint32_t message_id = 0;
    std::uint16_t total = 0;
    wire::ExchangeType exchange{};
    wire::PayloadType first_inner = wire::PayloadType::none;
    std::vector<crypto::SecureBytes> pieces;  // index: Fragment Number - 1
    std::vector<bool> have;
    std::size_t received = 0;
    std::size_t bytes = 0;  // accounted against the SA's and the endpoint's caps
};

// The reassembly state of one IKE SA: at most one request of the peer's and one response to
// our outstanding request (both windows have size 1). Gives its bytes back to the endpoint's
// budget when the SA goes. Two null pointers while nothing is fragmented: every IKE SA has one.
class FragmentState {
public:
    FragmentState() = default;
    FragmentState(const FragmentState&) = delete;
    FragmentState& operator=(const FragmentState&) = delete;
    FragmentState(FragmentState&& o) noexcept;
    FragmentState& operator=(FragmentState&& o) noexcept;
    ~FragmentState();

    std::unique_ptr<PartialMessage>& slot(bool response) { return response ? m_response : m_request; }
    std::size_t bytes() const;
    void bind(ReassemblyBudget* budget) { m_budget = budget; }
    ReassemblyBudget* budget() const { return m_budget; }
    void discard(bool response);
    void account(bool response, std::size_t n);  // adds n to the slot's and the budget's bytes

private:
    void release_all();
    std::unique_ptr<PartialMessage> m_request, m_response;
    ReassemblyBudget* m_budget = nullptr;
};

bool is_fragment(const wire::Message& m);

// The datagrams of an encrypted message: one SK message, or SKF fragments when fragmentation
// was negotiated and the message's IP datagram would exceed Limits::fragment_size. Empty if
// the crypto layer refuses.
std::vector<FragmentBytes> seal_message(Context& ctx, IkeSa& sa, const wire::Header& header,
                                        std::span<const wire::Payload> inner);

// A fragment of a request of the peer's: authenticated first; a fragment of the request just
// answered resends the answer (Fragment Number 1 only, RFC 7383 §2.6.1); one of the expected
// request is kept. Returns the request's inner payloads once every fragment is in.
std::optional<std::vector<wire::Payload>> take_request_fragment(Context& ctx, IkeSa& sa, const Received& rx);
// A fragment of the response to our outstanding request (its message ID already checked).
std::optional<std::vector<wire::Payload>> take_response_fragment(Context& ctx, IkeSa& sa, const Received& rx);

}  // namespace ike::sa
