// Building and opening messages of an IKE SA: plain IKE_SA_INIT messages, and every later
// message inside the SK payload (RFC 7296 §3.14) through lib/crypto.
#pragma once

#include <optional>
#include <span>

#include "sa/ike_sa.hpp"
#include "wire/message.hpp"

namespace ike::sa {

// The header of a message of this SA in our role.
wire::Header header_for(const IkeSa& sa, wire::ExchangeType exchange, bool response, std::uint32_t message_id);

// Encodes and encrypts `inner` under the SA's outbound keys; nullopt if the crypto layer
// refuses (e.g. the IV space is exhausted).
std::optional<Bytes> seal(IkeSa& sa, const wire::Header& header, std::span<const wire::Payload> inner);

// Checks the ICV and decrypts the SK payload of `message` (decoded from `datagram`), then
// decodes the inner chain. nullopt: drop the message (no state changes).
std::optional<std::vector<wire::Payload>> open(IkeSa& sa, std::span<const std::uint8_t> datagram,
                                               const wire::Message& message);

}  // namespace ike::sa
