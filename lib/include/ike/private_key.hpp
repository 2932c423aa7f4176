// A private key for AUTH signatures and for the CA: loaded from PKCS#8 (PEM or DER) or generated.
// Botan-free at the API; the key material lives in Botan's locked, wiped memory.
#pragma once

#include "ike/cert_error.hpp"
#include "ike/public_key.hpp"
#include "ike/rng.hpp"
#include "ike/secret.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace ike::crypto {

class PrivateKey {
public:
    // "-----BEGIN PRIVATE KEY-----" (PKCS#8). With a passphrase: "ENCRYPTED PRIVATE KEY".
    static CertResult<PrivateKey> from_pem(std::string_view pem);
    static CertResult<PrivateKey> from_pem(std::string_view pem, std::string_view passphrase);
    static CertResult<PrivateKey> from_pkcs8_der(std::span<const std::uint8_t> der);

    // A fresh key. rsa_bits only matters for KeyType::Rsa (2048..8192; 3072 by default).
    static CertResult<PrivateKey> generate(KeyType type, Rng& rng, std::size_t rsa_bits = 3072);

    KeyType type() const noexcept;
    const PublicKey& public_key() const noexcept;
    SecureBytes to_pkcs8_der() const;
    std::string to_pem() const;  // unencrypted PKCS#8: store it with restrictive file modes
    // "ENCRYPTED PRIVATE KEY" (PKCS#8 PBES2: AES-256/CBC, PBKDF2-SHA-256), e.g. the meshca key.
    CertResult<std::string> to_encrypted_pem(std::string_view passphrase, Rng& rng,
                                             std::size_t pbkdf_iterations = 200000) const;

    struct Impl;  // defined in privkey_impl.hpp, for lib/crypto's own .cpp files only
    explicit PrivateKey(std::shared_ptr<const Impl> impl) noexcept : m_impl(std::move(impl)) {}
    const Impl& impl() const noexcept { return *m_impl; }

private:
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace ike::crypto
