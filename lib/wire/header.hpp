// The IKE header (RFC 7296 §3.1). `Header` holds what a message means; `HeaderFields` adds
// the two fields that encode derives (first payload type, total length).
#pragma once

#include <cstdint>
#include <span>

#include "ike/expected.hpp"
#include "wire/error.hpp"
#include "wire/types.hpp"
#include "wire/writer.hpp"

namespace ike::wire {

inline constexpr std::size_t header_size = 28;

struct Header {
    std::uint64_t spi_i = 0;
    std::uint64_t spi_r = 0;
    std::uint8_t major_version = 2;
    std::uint8_t minor_version = 0;  // sent as 0, ignored on receipt but kept
    ExchangeType exchange = ExchangeType::ike_sa_init;
    bool initiator = false;  // I flag (0x08)
    bool version = false;    // V flag (0x10)
    bool response = false;   // R flag (0x20)
    std::uint32_t message_id = 0;
    bool operator==(const Header&) const = default;
};

struct HeaderFields {
    Header header;
    PayloadType next_payload = PayloadType::none;
    std::uint32_t length = 0;
};

// Reads and checks the 28-byte header of `datagram`; the length field must equal the
// datagram size. Cheap enough to run before anything else (e.g. to find the IKE SA).
Expected<HeaderFields, DecodeError> decode_header(std::span<const std::uint8_t> datagram);

// Writes the header; the caller patches the length at offset 24 when it knows it.
void encode_header(Writer& w, const Header& h, PayloadType next_payload, std::uint32_t length);

}  // namespace ike::wire
