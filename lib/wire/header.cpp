// Header decoding and encoding (RFC 7296 §3.1).
#include "wire/header.hpp"

#include "wire/reader.hpp"

namespace ike::wire {
namespace {

constexpr std::uint8_t flag_initiator = 0x08;
constexpr std::uint8_t flag_version = 0x10;
constexpr std::uint8_t flag_response = 0x20;

DecodeError drop(std::size_t offset, DecodeRule rule) {
    return DecodeError{offset, rule, PayloadType::none, Reaction::drop, NotifyType::invalid_syntax,
                       0};
}

}  // namespace

Expected<HeaderFields, DecodeError> decode_header(std::span<const std::uint8_t> datagram) {
    Reader r(datagram);
    if (!r.has(header_size)) return unexpected(drop(datagram.size(), DecodeRule::message_too_short));
    HeaderFields f;
    f.header.spi_i = r.u64();
    f.header.spi_r = r.u64();
    f.next_payload = static_cast<PayloadType>(r.u8());
    const std::uint8_t version = r.u8();
    f.header.major_version = static_cast<std::uint8_t>(version >> 4);
    f.header.minor_version = static_cast<std::uint8_t>(version & 0x0f);
    f.header.exchange = static_cast<ExchangeType>(r.u8());
    const std::uint8_t flags = r.u8();
    f.header.initiator = (flags & flag_initiator) != 0;
    f.header.version = (flags & flag_version) != 0;
    f.header.response = (flags & flag_response) != 0;
    f.header.message_id = r.u32();
    f.length = r.u32();

    // §3.1: a major version above ours gets INVALID_MAJOR_VERSION; IKEv1 (and 0) is not ours
    // to answer.
    if (f.header.major_version > 2) {
        return unexpected(DecodeError{17, DecodeRule::invalid_major_version, PayloadType::none,
                                      Reaction::notify, NotifyType::invalid_major_version, 0});
    }
    if (f.header.major_version < 2) return unexpected(drop(17, DecodeRule::ikev1_version));
    if (f.length != datagram.size()) return unexpected(drop(24, DecodeRule::length_mismatch));
    if (f.header.spi_i == 0) return unexpected(drop(0, DecodeRule::zero_initiator_spi));
    return f;
}

void encode_header(Writer& w, const Header& h, PayloadType next_payload, std::uint32_t length) {
    w.u64(h.spi_i);
    w.u64(h.spi_r);
    w.u8(raw(next_payload));
    w.u8(static_cast<std::uint8_t>((h.major_version << 4) | (h.minor_version & 0x0f)));
    w.u8(raw(h.exchange));
    std::uint8_t flags = 0;
    if (h.initiator) flags |= flag_initiator;
    if (h.version) flags |= flag_version;
    if (h.response) flags |= flag_response;
    w.u8(flags);
    w.u32(h.message_id);
    w.u32(length);
}

}  // namespace ike::wire
