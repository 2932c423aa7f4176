// Whole IKEv2 messages: decode (bytes -> typed message or typed error) and encode (typed
// message -> bytes, deterministic). decode(encode(m)) == m; encode(decode(b)) == b for every
// well-formed b (reserved fields zero, as RFC 7296 requires of senders).
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "ike/expected.hpp"
#include "wire/error.hpp"
#include "wire/header.hpp"
#include "wire/payloads.hpp"

namespace ike::wire {

struct Message {
    Header header;
    std::vector<Payload> payloads;  // in wire order; an SK or SKF payload is the last one
    bool operator==(const Message&) const = default;
};

// Decodes one IKE message (the non-ESP marker already removed). Two passes: the first walks
// the generic payload headers and checks every length and the chaining, the second gives
// each payload its meaning. Pure: no side effects, no logging.
Expected<Message, DecodeError> decode(std::span<const std::uint8_t> datagram);

// Decodes the payload chain inside an SK payload once the crypto layer has decrypted it
// (plaintext without padding and pad length). Offsets in errors are relative to it.
// An SK or SKF payload inside is an error.
Expected<std::vector<Payload>, DecodeError> decode_inner(PayloadType first,
                                                         std::span<const std::uint8_t> plaintext);

Bytes encode(const Message& m);

// The inner chain for an SK payload, before encryption: the first payload's type goes
// into the SK payload's Next Payload field.
struct EncodedChain {
    PayloadType first = PayloadType::none;
    Bytes bytes;
};
EncodedChain encode_inner(std::span<const Payload> payloads);

// For a decoded message ending in SK (or SKF): the bytes that integrity protection treats as
// associated data (RFC 5282 §5.1: the IKE header up to the end of the SK payload header; for
// SKF, RFC 7383 §2.5.3, including Fragment Number and Total Fragments) and the protected body
// (IV, ciphertext, ICV). nullopt when the message has no SK/SKF payload or `datagram` is not
// the one `m` was decoded from.
struct EncryptedSpans {
    std::span<const std::uint8_t> aad;
    std::span<const std::uint8_t> body;
};
std::optional<EncryptedSpans> encrypted_spans(std::span<const std::uint8_t> datagram, const Message& m);

// RFC 3948 §2.2 / RFC 7296 §2.23: on UDP port 4500 an IKE message follows four zero bytes
// (the non-ESP marker). Returns the IKE message, or nullopt if the datagram is ESP (non-zero
// SPI) or a NAT keepalive (too short).
std::optional<std::span<const std::uint8_t>> strip_non_esp_marker(
    std::span<const std::uint8_t> datagram);

}  // namespace ike::wire
