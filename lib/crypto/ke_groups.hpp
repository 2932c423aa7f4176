// Internal to lib/crypto: the per-family key exchange constructors behind make_key_exchange().
// Botan-free; an empty private_value means "generate one from the Rng".
#pragma once

#include "crypto/ke.hpp"

namespace ike::crypto::detail {

CryptoResult<std::unique_ptr<KeyExchange>> make_modp_ke(KeId group, std::span<const std::uint8_t> private_value, Rng& rng);
CryptoResult<std::unique_ptr<KeyExchange>> make_ecp_ke(KeId group, std::span<const std::uint8_t> private_value, Rng& rng);
CryptoResult<std::unique_ptr<KeyExchange>> make_x25519_ke(std::span<const std::uint8_t> private_value, Rng& rng);

}  // namespace ike::crypto::detail
