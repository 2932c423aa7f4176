// AEAD as IKEv2 and ESP use it: AES-GCM with a 16-octet tag (RFC 4106, RFC 5282) and
// ChaCha20-Poly1305 (RFC 7634). The key material is the cipher key followed by a 4-octet salt;
// the 12-octet nonce is salt | 8-octet explicit IV. The caller guarantees the IV never repeats
// for a key (SkProtector does, with a counter). Botan stays behind a pimpl.
#pragma once

#include "crypto/errors.hpp"
#include "crypto/secret.hpp"
#include "crypto/transforms.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ike::crypto {

class Aead {
public:
    // key_and_salt: EncrInfo::keymat_len() octets (key | salt).
    static CryptoResult<Aead> create(EncrId id, std::uint16_t key_bits, std::span<const std::uint8_t> key_and_salt);

    Aead(Aead&&) noexcept;
    Aead& operator=(Aead&&) noexcept;
    ~Aead();

    std::size_t tag_len() const noexcept;

    // Appends ciphertext | tag to out.
    CryptoResult<void> seal(std::span<const std::uint8_t> iv8, std::span<const std::uint8_t> aad,
                            std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out);
    // Checks the tag and returns the plaintext; IntegrityCheckFailed on any mismatch.
    CryptoResult<SecureBytes> open(std::span<const std::uint8_t> iv8, std::span<const std::uint8_t> aad,
                                   std::span<const std::uint8_t> ciphertext_and_tag);

private:
    struct Impl;
    explicit Aead(std::unique_ptr<Impl> impl) noexcept;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace ike::crypto
