// INTERNAL to lib/crypto (includes Botan): never include from a public header or outside
// lib/crypto. The loaded Botan key behind a PublicKey, and the mapping of Botan's key types.
#pragma once

#include "crypto/pubkey.hpp"

#include <botan/pk_keys.h>

#include <memory>
#include <optional>

namespace ike::crypto {

struct PublicKey::Impl {
    std::unique_ptr<const Botan::Public_Key> key;
    KeyType type{};
    std::vector<std::uint8_t> spki;
};

namespace detail {

// The KeyType of a Botan key, or nothing for algorithms we do not accept (DSA, brainpool...).
std::optional<KeyType> key_type_of(const Botan::Public_Key& key);

// Wraps an owned Botan public key (its SPKI is computed here).
CertResult<PublicKey> wrap_public_key(std::unique_ptr<const Botan::Public_Key> key);

}  // namespace detail
}  // namespace ike::crypto
