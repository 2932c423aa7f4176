// Key exchange for IKEv2: MODP 2048/3072/4096 (RFC 3526), ECP 256/384/521 (RFC 5903) and
// Curve25519 (RFC 8031). public_value() is the KE payload's Key Exchange Data exactly as sent;
// shared_secret() checks the peer's value (RFC 6989) and returns g^ir, or a typed error.
#pragma once

#include "crypto/errors.hpp"
#include "crypto/rng.hpp"
#include "crypto/secret.hpp"
#include "crypto/transforms.hpp"

#include <cstdint>
#include <memory>
#include <span>

namespace ike::crypto {

struct SharedSecretTag {};
using SharedSecret = Secret<SharedSecretTag>;  // g^ir

class KeyExchange {
public:
    virtual ~KeyExchange() = default;
    virtual KeId group() const noexcept = 0;
    // Our public value, encoded for the KE payload (RFC 7296 §3.4, RFC 5903 §7, RFC 8031 §3).
    virtual std::span<const std::uint8_t> public_value() const noexcept = 0;
    // g^ir from the peer's KE data. Errors: PublicValueLength, PublicValueOutOfRange (MODP),
    // PointNotOnCurve / PointAtInfinity (ECP), AllZeroSharedSecret (X25519).
    virtual CryptoResult<SharedSecret> shared_secret(std::span<const std::uint8_t> peer_public) = 0;
};

// A fresh key pair from the injected Rng.
CryptoResult<std::unique_ptr<KeyExchange>> make_key_exchange(KeId group, Rng& rng);

// A key pair from a given private value (big-endian exponent/scalar for MODP/ECP, the 32-octet
// string for X25519). For known-answer tests and reproducible simulations only. The Rng still
// seeds scalar blinding where the group uses it.
CryptoResult<std::unique_ptr<KeyExchange>> make_key_exchange_from_private(
    KeId group, std::span<const std::uint8_t> private_value, Rng& rng);

}  // namespace ike::crypto
