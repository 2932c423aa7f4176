// Helpers for the codec tests: hex literals and hand-built IKE messages around payload bytes.
#pragma once

#include <cctype>
#include <string_view>

#include <catch2/catch.hpp>

#include "wire/message.hpp"

namespace ike::wire::test {

inline Bytes hex(std::string_view s) {
    Bytes out;
    int hi = -1;
    for (const char c : s) {
        if (std::isspace(static_cast<unsigned char>(c))) continue;
        const int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                                                                  : std::tolower(c) - 'a' + 10;
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
            hi = -1;
        }
    }
    return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// A generic payload header (RFC 7296 §3.2) and body.
inline Bytes payload(std::uint8_t next, const Bytes& body, bool critical = false) {
    const auto len = body.size() + 4;
    Bytes out{next, static_cast<std::uint8_t>(critical ? 0x80 : 0), static_cast<std::uint8_t>(len >> 8),
              static_cast<std::uint8_t>(len)};
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

// An IKE header (RFC 7296 §3.1) with SPIi 0102030405060708, SPIr 0 and message ID 0,
// followed by `payloads`, with the right length.
inline Bytes message(std::uint8_t first, const Bytes& payloads, std::uint8_t exchange = 34,
                     std::uint8_t flags = 0x08) {
    Bytes out = hex("0102030405060708 0000000000000000");
    const auto len = 28 + payloads.size();
    out.insert(out.end(), {first, 0x20, exchange, flags, 0, 0, 0, 0,
                           static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16),
                           static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)});
    out.insert(out.end(), payloads.begin(), payloads.end());
    return out;
}

// A message holding one payload of `type` with `body`.
inline Bytes single(std::uint8_t type, const Bytes& body, bool critical = false) {
    return message(type, payload(0, body, critical));
}

// Decodes, requires success and a byte-exact re-encoding, and returns the only payload.
template <typename P>
P decode_single(const Bytes& bytes) {
    auto m = decode(bytes);
    if (!m) FAIL("decode error at " << m.error().offset << ": " << m.error().what());
    REQUIRE(m->payloads.size() == 1);
    REQUIRE(encode(*m) == bytes);
    REQUIRE(std::holds_alternative<P>(m->payloads[0]));
    return std::get<P>(m->payloads[0]);
}

inline DecodeError decode_error(const Bytes& bytes) {
    auto m = decode(bytes);
    REQUIRE_FALSE(m.has_value());
    return m.error();
}

}  // namespace ike::wire::test
