// The registry of the IKEv2 transforms libike implements (ids and suites: ike/transforms.hpp),
// with the sizes the key schedule and the proposal code need.
// find_*() is the registry the proposal code queries: nullptr means "not supported".
#pragma once

#include "ike/transforms.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ike::crypto {

enum class Role { Initiator, Responder };

struct EncrInfo {
    EncrId id;
    std::uint16_t key_bits;  // the Key Length attribute; 0 when the transform has none (ChaCha20)
    bool aead;
    std::size_t key_len;     // cipher key octets
    std::size_t salt_len;    // octets of salt taken after the key from key material (AEAD)
    std::size_t iv_len;      // octets of IV carried in each message
    std::size_t block_len;   // padding alignment of the plaintext (1 = none)
    std::size_t icv_len;     // AEAD tag octets (0 for CBC: the INTEG transform supplies it)
    std::string_view name;
    std::size_t keymat_len() const noexcept { return key_len + salt_len; }
};

struct IntegInfo {
    IntegId id;
    std::size_t key_len;
    std::size_t icv_len;  // truncated output octets
    std::string_view name;
};

struct PrfInfo {
    PrfId id;
    std::size_t key_len;     // preferred key length (RFC 7296 §2.13): SK_d, SK_pi, SK_pr sizes
    std::size_t output_len;
    std::string_view name;
};

struct KeInfo {
    KeId id;
    std::size_t public_len;  // KE payload Key Exchange Data octets
    std::size_t shared_len;  // g^ir octets
    std::string_view name;
};

// key_bits: the Key Length attribute of the proposal, 0 when absent. AES needs it; ChaCha20-
// Poly1305 must not carry one (RFC 7634 §2), but 256 is accepted as equivalent.
const EncrInfo* find_encr(std::uint16_t id, std::uint16_t key_bits) noexcept;
const IntegInfo* find_integ(std::uint16_t id) noexcept;
const PrfInfo* find_prf(std::uint16_t id) noexcept;
const KeInfo* find_ke(std::uint16_t id) noexcept;

inline const EncrInfo* find_encr(EncrId id, std::uint16_t key_bits) noexcept {
    return find_encr(static_cast<std::uint16_t>(id), key_bits);
}
inline const IntegInfo* find_integ(IntegId id) noexcept { return find_integ(static_cast<std::uint16_t>(id)); }
inline const PrfInfo* find_prf(PrfId id) noexcept { return find_prf(static_cast<std::uint16_t>(id)); }
inline const KeInfo* find_ke(KeId id) noexcept { return find_ke(static_cast<std::uint16_t>(id)); }

// Everything supported, in order of preference (strongest first within each family).
std::span<const EncrInfo> supported_encr() noexcept;
std::span<const IntegInfo> supported_integ() noexcept;
std::span<const PrfInfo> supported_prf() noexcept;
std::span<const KeInfo> supported_ke() noexcept;

}  // namespace ike::crypto
