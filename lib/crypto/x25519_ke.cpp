// Curve25519 key exchange for IKEv2 (RFC 8031): 32-octet public values and shared secret, as
// X25519 of RFC 7748. RFC 8031 §2 requires rejecting the all-zero shared secret (a low-order
// peer point); Botan 2's curve25519_donna does not, so the check is here, in constant time.
#include "crypto/ke_groups.hpp"

#include <botan/curve25519.h>

#include <array>

namespace ike::crypto::detail {
namespace {

constexpr std::size_t kLen = 32;

class X25519KeyExchange final : public KeyExchange {
public:
    explicit X25519KeyExchange(SecureBytes priv) : m_private(std::move(priv)) {
        std::array<std::uint8_t, kLen> base{9};
        m_public.resize(kLen);
        Botan::curve25519_donna(m_public.data(), m_private.data(), base.data());
    }

    KeId group() const noexcept override { return KeId::Curve25519; }
    std::span<const std::uint8_t> public_value() const noexcept override { return m_public; }

    CryptoResult<SharedSecret> shared_secret(std::span<const std::uint8_t> peer) override {
        if (peer.size() != kLen) {
            return unexpected(CryptoError::PublicValueLength);
        }
        SecureBytes k(kLen);
        Botan::curve25519_donna(k.data(), m_private.data(), peer.data());
        std::uint8_t acc = 0;
        for (const std::uint8_t b : k) {
            acc = static_cast<std::uint8_t>(acc | b);
        }
        if (acc == 0) {
            return unexpected(CryptoError::AllZeroSharedSecret);
        }
        return SharedSecret(std::move(k));
    }

private:
    SecureBytes m_private;
    std::vector<std::uint8_t> m_public;
};

}  // namespace

CryptoResult<std::unique_ptr<KeyExchange>> make_x25519_ke(std::span<const std::uint8_t> private_value, Rng& rng) {
    SecureBytes priv(kLen);
    if (private_value.empty()) {
        rng.fill(priv);  // clamping (RFC 7748 §5) is done by curve25519_donna itself
    } else if (private_value.size() == kLen) {
        priv.assign(private_value.begin(), private_value.end());
    } else {
        return unexpected(CryptoError::InvalidKeyLength);
    }
    return std::unique_ptr<KeyExchange>(std::make_unique<X25519KeyExchange>(std::move(priv)));
}

}  // namespace ike::crypto::detail
