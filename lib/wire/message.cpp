// Message decoding (length pass, then meaning pass) and encoding (RFC 7296 §3.1, §3.2, §3.14).
#include "wire/message.hpp"

#include "wire/payload_codec.hpp"

namespace ike::wire {
namespace {

using detail::RawPayload;

bool is_encrypted(PayloadType t) {
    return t == PayloadType::sk || t == PayloadType::skf;
}

// Pass 1: generic payload headers only. Every payload lies inside `bytes`, the chain ends
// exactly at its end, and an SK/SKF payload (whose Next Payload names its first inner
// payload, not a following one) is the last.
Expected<std::vector<RawPayload>, DecodeError> split_chain(PayloadType first,
                                                           std::span<const std::uint8_t> bytes,
                                                           std::size_t base, bool outer) {
    std::vector<RawPayload> out;
    Reader r(bytes, base);
    PayloadType type = first;
    while (type != PayloadType::none) {
        const std::size_t at = r.offset();
        if (!r.has(4)) return unexpected(syntax_error(at, DecodeRule::payload_header_truncated, type));
        RawPayload p;
        p.type = type;
        p.offset = at;
        p.next = static_cast<PayloadType>(r.u8());
        p.critical = (r.u8() & 0x80) != 0;  // the other 7 bits are reserved: ignored
        const std::uint16_t len = r.u16();
        if (len < 4) return unexpected(syntax_error(at + 2, DecodeRule::payload_length_too_small, type));
        if (!r.has(len - 4u))
            return unexpected(syntax_error(at + 2, DecodeRule::payload_length_overflow, type));
        p.body = r.view(len - 4u);
        out.push_back(p);
        if (is_encrypted(type)) {
            if (!outer) return unexpected(syntax_error(at, DecodeRule::nested_encrypted, type));
            if (!r.empty()) return unexpected(syntax_error(r.offset(), DecodeRule::encrypted_not_last, type));
            break;
        }
        type = p.next;
    }
    if (!r.empty()) return unexpected(syntax_error(r.offset(), DecodeRule::trailing_bytes));
    return out;
}

Expected<std::vector<Payload>, DecodeError> decode_chain(PayloadType first,
                                                         std::span<const std::uint8_t> bytes,
                                                         std::size_t base, bool outer) {
    auto split = split_chain(first, bytes, base, outer);
    if (!split) return unexpected(split.error());
    // Pass 2: meaning. Critical unknown payloads are reported first (RFC 7296 §2.5): a
    // peer that sent one cares about that answer more than about a syntax error elsewhere.
    for (const auto& p : *split) {
        if (p.critical && !detail::is_known(p.type)) {
            return unexpected(DecodeError{p.offset, DecodeRule::unsupported_critical_payload,
                                          p.type, Reaction::notify,
                                          NotifyType::unsupported_critical_payload, raw(p.type)});
        }
    }
    std::vector<Payload> out;
    out.reserve(split->size());
    for (const auto& p : *split) {
        auto d = detail::decode_payload(p);
        if (!d) return unexpected(d.error());
        out.push_back(std::move(*d));
    }
    return out;
}

// The Next Payload field of payload i: the following payload's type, except in SK and SKF
// where it is the first inner payload's type.
PayloadType next_field(std::span<const Payload> payloads, std::size_t i) {
    if (const auto* sk = std::get_if<Encrypted>(&payloads[i])) return sk->first_inner;
    if (const auto* f = std::get_if<EncryptedFragment>(&payloads[i])) return f->first_inner;
    return i + 1 < payloads.size() ? payload_type(payloads[i + 1]) : PayloadType::none;
}

void encode_chain(Writer& w, std::span<const Payload> payloads) {
    for (std::size_t i = 0; i < payloads.size(); ++i) {
        const std::size_t start = w.size();
        w.u8(raw(next_field(payloads, i)));
        w.u8(is_critical(payloads[i]) ? 0x80 : 0x00);
        w.u16(0);
        detail::encode_body(w, payloads[i]);
        w.patch_u16(start + 2, static_cast<std::uint16_t>(w.size() - start));
    }
}

}  // namespace

Expected<Message, DecodeError> decode(std::span<const std::uint8_t> datagram) {
    auto h = decode_header(datagram);
    if (!h) return unexpected(h.error());
    auto payloads = decode_chain(h->next_payload, datagram.subspan(header_size), header_size, true);
    if (!payloads) return unexpected(payloads.error());
    return Message{h->header, std::move(*payloads)};
}

Expected<std::vector<Payload>, DecodeError> decode_inner(PayloadType first,
                                                         std::span<const std::uint8_t> plaintext) {
    return decode_chain(first, plaintext, 0, false);
}

Bytes encode(const Message& m) {
    Writer w;
    const PayloadType first = m.payloads.empty() ? PayloadType::none : payload_type(m.payloads[0]);
    encode_header(w, m.header, first, 0);
    encode_chain(w, m.payloads);
    w.patch_u32(24, static_cast<std::uint32_t>(w.size()));
    return w.take();
}

EncodedChain encode_inner(std::span<const Payload> payloads) {
    Writer w;
    encode_chain(w, payloads);
    return {payloads.empty() ? PayloadType::none : payload_type(payloads[0]), w.take()};
}

std::optional<EncryptedSpans> encrypted_spans(std::span<const std::uint8_t> datagram, const Message& m) {
    if (m.payloads.empty()) return std::nullopt;
    const Bytes* body = nullptr;
    std::size_t fixed = 4;  // generic payload header
    if (const auto* sk = std::get_if<Encrypted>(&m.payloads.back())) {
        body = &sk->body;
    } else if (const auto* f = std::get_if<EncryptedFragment>(&m.payloads.back())) {
        body = &f->body;
        fixed = 8;  // plus Fragment Number and Total Fragments
    } else {
        return std::nullopt;
    }
    if (datagram.size() < header_size + fixed + body->size()) return std::nullopt;
    const std::size_t split = datagram.size() - body->size();
    return EncryptedSpans{datagram.first(split), datagram.subspan(split)};
}

std::optional<std::span<const std::uint8_t>> strip_non_esp_marker(
    std::span<const std::uint8_t> datagram) {
    if (datagram.size() < 4) return std::nullopt;
    for (std::size_t i = 0; i < 4; ++i)
        if (datagram[i] != 0) return std::nullopt;
    return datagram.subspan(4);
}

}  // namespace ike::wire
