// Hex helpers for the crypto tests (whitespace in the input is ignored, so vectors can be pasted
// in the RFCs' grouped layout).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace test_hex {

inline std::vector<std::uint8_t> hex(std::string_view s) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::vector<std::uint8_t> out;
    int hi = -1;
    for (const char c : s) {
        const int v = nibble(c);
        if (v < 0) {
            continue;
        }
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
            hi = -1;
        }
    }
    return out;
}

inline std::string to_hex(std::span<const std::uint8_t> b) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (const auto x : b) {
        s += digits[x >> 4];
        s += digits[x & 15];
    }
    return s;
}

inline std::vector<std::uint8_t> ascii(std::string_view s) { return {s.begin(), s.end()}; }

template <typename Container>
std::vector<std::uint8_t> vec(const Container& c) {
    return {c.begin(), c.end()};
}

}  // namespace test_hex
