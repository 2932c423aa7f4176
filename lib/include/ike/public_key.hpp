// A public key for AUTH signature verification and certificate checks, Botan-free at the API.
// Copies share one immutable loaded key: load once (per certificate), verify many times
// (loading a Botan 2 RSA public key costs ~0.55 ms, so it must not happen per handshake).
#pragma once

#include "ike/cert_error.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ike::crypto {

enum class KeyType { Ed25519, EcdsaP256, EcdsaP384, EcdsaP521, Rsa };

class PublicKey {
public:
    // X.509 SubjectPublicKeyInfo, DER (as in a certificate).
    static CertResult<PublicKey> from_spki_der(std::span<const std::uint8_t> der);

    KeyType type() const noexcept;
    std::size_t bits() const noexcept;  // key size: 256 for Ed25519/P-256, the modulus for RSA
    std::span<const std::uint8_t> spki_der() const noexcept;

    struct Impl;  // defined in pubkey_impl.hpp, for lib/crypto's own .cpp files only
    explicit PublicKey(std::shared_ptr<const Impl> impl) noexcept : m_impl(std::move(impl)) {}
    const Impl& impl() const noexcept { return *m_impl; }

private:
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace ike::crypto
