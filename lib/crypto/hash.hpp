// Plain message digests the IKE engine needs outside the PRF: SHA-1 for NAT detection
// (RFC 7296 §2.23) and CERTREQ authority hashes (§3.7), SHA-256 for blocklists.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>

namespace ike::crypto {

std::array<std::uint8_t, 20> sha1(std::initializer_list<std::span<const std::uint8_t>> parts);
std::array<std::uint8_t, 32> sha256(std::initializer_list<std::span<const std::uint8_t>> parts);

}  // namespace ike::crypto
