// IKE message fragmentation (RFC 7383): splitting an encrypted message into SKF payloads that
// are each encrypted and integrity protected, and reassembling the peer's fragments with caps
// on fragment count and memory, each fragment authenticated before it is kept.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "crypto/secret.hpp"
#include "sa/reassembly.hpp"
#include "wire/header.hpp"
#include "wire/message.hpp"
#include "wire/payloads.hpp"

namespace ike::sa {

struct Context;
struct IkeSa;
struct Received;
using FragmentBytes = std::vector<std::uint8_t>;

// Our last request of an IKE SA as sealed, while it is outstanding: RFC 7383 §2.5.2 sends it
// again in smaller fragments when the path seems to drop the ones we chose.
struct FragmentedRequest {
    wire::Header header;
    wire::EncodedChain chain;   // the inner payloads, encoded
    std::size_t limit = 0;      // the IP datagram size its datagrams were made for (0: no smaller try left)
    std::size_t count = 0;      // its datagrams (1: one SK message)
    unsigned retransmits = 0;   // at this size
};

bool is_fragment(const wire::Message& m);

// The datagrams of an encrypted message: one SK message, or SKF fragments when fragmentation
// was negotiated and the message's IP datagram would exceed Limits::fragment_size. Empty if
// the crypto layer refuses.
std::vector<FragmentBytes> seal_message(Context& ctx, IkeSa& sa, const wire::Header& header,
                                        std::span<const wire::Payload> inner);

// RFC 7383 §2.5.2: called for each retransmission of the outstanding request; after
// Timers::fragment_fallback_after of them at one size, its datagrams made again for the next
// smaller size (with more fragments, so the peer restarts reassembly), to replace the ones sent.
std::optional<std::vector<FragmentBytes>> smaller_fragments(Context& ctx, IkeSa& sa);

// RFC 7383 reassembly timeout (Timers::reassembly_timeout): when the SA's oldest incomplete
// message is due, and dropping the ones that are.
std::optional<Time> reassembly_deadline(const Context& ctx, const IkeSa& sa);
void expire_reassembly(Context& ctx, IkeSa& sa);

// A fragment of a request of the peer's: authenticated first; a fragment of the request just
// answered resends the answer (Fragment Number 1 only, RFC 7383 §2.6.1); one of the expected
// request is kept. Returns the request's inner payloads once every fragment is in.
std::optional<std::vector<wire::Payload>> take_request_fragment(Context& ctx, IkeSa& sa, const Received& rx);
// A fragment of the response to our outstanding request (its message ID already checked).
std::optional<std::vector<wire::Payload>> take_response_fragment(Context& ctx, IkeSa& sa, const Received& rx);

}  // namespace ike::sa
