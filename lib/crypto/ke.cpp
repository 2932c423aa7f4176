// Dispatch from the KE transform ID to the group family.
#include "crypto/ke.hpp"

#include "crypto/ke_groups.hpp"

namespace ike::crypto {
namespace {

CryptoResult<std::unique_ptr<KeyExchange>> dispatch(KeId group, std::span<const std::uint8_t> priv, Rng& rng) {
    switch (group) {
        case KeId::Modp2048:
        case KeId::Modp3072:
        case KeId::Modp4096:
            return detail::make_modp_ke(group, priv, rng);
        case KeId::Ecp256:
        case KeId::Ecp384:
        case KeId::Ecp521:
            return detail::make_ecp_ke(group, priv, rng);
        case KeId::Curve25519:
            return detail::make_x25519_ke(priv, rng);
    }
    return unexpected(CryptoError::UnsupportedTransform);
}

}  // namespace

CryptoResult<std::unique_ptr<KeyExchange>> make_key_exchange(KeId group, Rng& rng) {
    return dispatch(group, {}, rng);
}

CryptoResult<std::unique_ptr<KeyExchange>> make_key_exchange_from_private(
    KeId group, std::span<const std::uint8_t> private_value, Rng& rng) {
    if (private_value.empty()) {
        return unexpected(CryptoError::InvalidKeyLength);
    }
    return dispatch(group, private_value, rng);
}

}  // namespace ike::crypto
