// Base64 (RFC 4648 §4) and PEM armour (RFC 7468) decoding.
#include "pem.hpp"

#include <string>

namespace meshd {

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view s) {
    static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (s.size() % 4 != 0) return std::nullopt;
    std::vector<std::uint8_t> out;
    std::uint32_t acc = 0;
    int bits = 0;
    std::size_t pad = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '=') {
            if (i + 2 < s.size()) return std::nullopt;  // padding only in the last two places
            ++pad;
            continue;
        }
        if (pad) return std::nullopt;
        const auto v = alphabet.find(s[i]);
        if (v == std::string_view::npos) return std::nullopt;
        acc = acc << 6 | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>(acc >> bits & 0xff));
        }
    }
    return out;
}

std::optional<std::vector<std::uint8_t>> pem_to_der(std::string_view pem, std::string_view label) {
    const std::string begin = "-----BEGIN " + std::string(label) + "-----";
    const std::string end = "-----END " + std::string(label) + "-----";
    const auto b = pem.find(begin);
    if (b == std::string_view::npos) return std::nullopt;
    const auto e = pem.find(end, b + begin.size());
    if (e == std::string_view::npos) return std::nullopt;
    std::string body;
    for (const char ch : pem.substr(b + begin.size(), e - b - begin.size()))
        if (ch != '\n' && ch != '\r' && ch != ' ' && ch != '\t') body.push_back(ch);
    return base64_decode(body);
}

}  // namespace meshd
