// What decode reports when bytes are not a valid IKEv2 message: where (byte offset), which
// rule failed, and what the protocol does next (drop, or answer with a notify).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wire/notify_types.hpp"
#include "wire/types.hpp"

namespace ike::wire {

enum class DecodeRule : std::uint8_t {
    // Header (RFC 7296 §3.1).
    message_too_short,
    length_mismatch,
    ikev1_version,
    invalid_major_version,
    zero_initiator_spi,
    // Generic payload header and chaining (§3.2, §3.14).
    payload_header_truncated,
    payload_length_too_small,
    payload_length_overflow,
    trailing_bytes,
    encrypted_not_last,
    nested_encrypted,
    unsupported_critical_payload,
    // Payload bodies.
    body_truncated,
    sa_no_proposal,
    proposal_length,
    proposal_last_substruc,
    proposal_number,
    proposal_spi_size,
    transform_length,
    transform_last_substruc,
    transform_count,
    attribute_truncated,
    key_length_not_tv,
    id_address_length,
    certreq_hash_length,
    nonce_length,
    notify_data_length,
    delete_spi_size,
    delete_spi_count,
    delete_protocol,
    ts_count,
    ts_length,
    ts_type,
    cp_attribute_truncated,
    cp_attribute_length,
    eap_too_short,
    eap_length,
    skf_fragment_number,
    skf_next_payload,
};

// The readable name of a rule, e.g. "payload length exceeds the message".
std::string_view describe(DecodeRule rule);

enum class Reaction : std::uint8_t {
    drop,    // discard silently (not worth or not safe to answer)
    notify,  // answer with `notify` (RFC 7296 §2.21)
};

struct DecodeError {
    std::size_t offset = 0;  // byte offset in the datagram (or in the SK plaintext)
    DecodeRule rule{};
    PayloadType payload = PayloadType::none;  // the payload being decoded, if any
    Reaction reaction = Reaction::notify;
    NotifyType notify = NotifyType::invalid_syntax;
    // For UNSUPPORTED_CRITICAL_PAYLOAD: the notification data is this payload type.
    std::uint8_t notify_data = 0;

    std::string_view what() const { return describe(rule); }
    bool operator==(const DecodeError&) const = default;
};

// The usual error: INVALID_SYNTAX at `offset`.
inline DecodeError syntax_error(std::size_t offset, DecodeRule rule,
                                PayloadType payload = PayloadType::none) {
    return DecodeError{offset, rule, payload, Reaction::notify, NotifyType::invalid_syntax, 0};
}

}  // namespace ike::wire
