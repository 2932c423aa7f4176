// The Traffic Selector payloads TSi and TSr (RFC 7296 §3.13).
#include "wire/payload_codec.hpp"

namespace ike::wire::detail {
namespace {

std::size_t address_size(TsType t) {
    switch (t) {
        case TsType::ipv4_addr_range: return 4;
        case TsType::ipv6_addr_range: return 16;
    }
    return 0;
}

}  // namespace

Expected<TrafficSelectors, DecodeError> decode_ts(Reader body, PayloadType type) {
    const auto fail = [type](std::size_t at, DecodeRule rule) {
        return unexpected(syntax_error(at, rule, type));
    };
    const std::size_t start = body.offset();
    if (!body.has(4)) return fail(start, DecodeRule::body_truncated);
    const std::uint8_t count = body.u8();
    body.skip(3);
    if (count == 0) return fail(start, DecodeRule::ts_count);
    TrafficSelectors out;
    for (unsigned i = 0; i < count; ++i) {
        const std::size_t at = body.offset();
        if (!body.has(4)) return fail(start, DecodeRule::ts_count);
        TrafficSelector ts;
        ts.type = static_cast<TsType>(body.u8());
        ts.ip_protocol = body.u8();
        const std::uint16_t len = body.u16();
        const std::size_t addr = address_size(ts.type);
        if (addr == 0) return fail(at, DecodeRule::ts_type);
        if (len != 8 + 2 * addr) return fail(at + 2, DecodeRule::ts_length);
        if (!body.has(len - 4u)) return fail(at + 2, DecodeRule::ts_length);
        ts.start_port = body.u16();
        ts.end_port = body.u16();
        ts.start_address = body.bytes(addr);
        ts.end_address = body.bytes(addr);
        out.selectors.push_back(std::move(ts));
    }
    if (!body.empty()) return fail(start, DecodeRule::ts_count);
    return out;
}

void encode_ts(Writer& w, const TrafficSelectors& ts) {
    w.u8(static_cast<std::uint8_t>(ts.selectors.size()));
    w.zeros(3);
    for (const auto& s : ts.selectors) {
        w.u8(raw(s.type));
        w.u8(s.ip_protocol);
        w.u16(static_cast<std::uint16_t>(8 + s.start_address.size() + s.end_address.size()));
        w.u16(s.start_port);
        w.u16(s.end_port);
        w.bytes(s.start_address);
        w.bytes(s.end_address);
    }
}

}  // namespace ike::wire::detail
