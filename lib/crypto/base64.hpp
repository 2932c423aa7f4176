// Base64 (RFC 4648 §4, with padding) for the text files meshca signs: strict on decode (no
// whitespace, no missing padding), so one signature has one spelling.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ike::crypto {

std::string base64_encode(std::span<const std::uint8_t> data);
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace ike::crypto
