// Base64 and PEM armour, for the DER that libike takes (CRLs) and signed text files.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace meshd {

// Strict RFC 4648 base64 (padding required, no whitespace).
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);
// The DER inside the first "-----BEGIN <label>-----" block (line breaks inside allowed).
std::optional<std::vector<std::uint8_t>> pem_to_der(std::string_view pem, std::string_view label);

}  // namespace meshd
