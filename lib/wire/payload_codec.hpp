// Internal to lib/wire: decoding and encoding of one payload body (what follows the generic
// payload header). The message layer (message.cpp) does chaining and lengths.
#pragma once

#include "ike/expected.hpp"
#include "wire/error.hpp"
#include "wire/payloads.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace ike::wire::detail {

// One payload as the length pass found it: type, critical bit, the generic header's next
// payload field and the body bytes.
struct RawPayload {
    PayloadType type{};
    bool critical = false;
    PayloadType next{};
    std::size_t offset = 0;  // of the generic payload header
    std::span<const std::uint8_t> body;
};

// Whether this codec interprets the payload type (else it is kept as UnknownPayload).
bool is_known(PayloadType type);

Expected<Payload, DecodeError> decode_payload(const RawPayload& raw);
void encode_body(Writer& w, const Payload& p);

// By kind (sa_codec.cpp, ts_codec.cpp).
Expected<SecurityAssociation, DecodeError> decode_sa(Reader body);
void encode_sa(Writer& w, const SecurityAssociation& sa);
Expected<TrafficSelectors, DecodeError> decode_ts(Reader body, PayloadType type);
void encode_ts(Writer& w, const TrafficSelectors& ts);

}  // namespace ike::wire::detail
