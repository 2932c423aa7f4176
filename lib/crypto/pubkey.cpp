// Loading public keys from SubjectPublicKeyInfo and classifying them into the key types IKE
// authentication accepts (Ed25519, ECDSA on the NIST curves, RSA of at least 2048 bits).
#include "crypto/pubkey_impl.hpp"

#include <botan/ecc_key.h>
#include <botan/exceptn.h>
#include <botan/x509_key.h>

namespace ike::crypto {
namespace detail {

std::optional<KeyType> key_type_of(const Botan::Public_Key& key) {
    const std::string name = key.algo_name();
    if (name == "Ed25519") {
        return KeyType::Ed25519;
    }
    if (name == "RSA") {
        if (key.key_length() < 2048) {
            return std::nullopt;
        }
        return KeyType::Rsa;
    }
    if (name == "ECDSA") {
        const auto* ec = dynamic_cast<const Botan::EC_PublicKey*>(&key);
        if (ec == nullptr) {
            return std::nullopt;
        }
        const Botan::OID curve = ec->domain().get_curve_oid();
        if (curve == Botan::OID("1.2.840.10045.3.1.7")) {
            return KeyType::EcdsaP256;
        }
        if (curve == Botan::OID("1.3.132.0.34")) {
            return KeyType::EcdsaP384;
        }
        if (curve == Botan::OID("1.3.132.0.35")) {
            return KeyType::EcdsaP521;
        }
    }
    return std::nullopt;
}

CertResult<PublicKey> wrap_public_key(std::unique_ptr<const Botan::Public_Key> key) {
    const auto type = key_type_of(*key);
    if (!type) {
        return unexpected(CertError::UnsupportedAlgorithm);
    }
    auto impl = std::make_shared<PublicKey::Impl>();
    impl->spki = Botan::X509::BER_encode(*key);
    impl->type = *type;
    impl->key = std::move(key);
    return PublicKey(std::move(impl));
}

}  // namespace detail

CertResult<PublicKey> PublicKey::from_spki_der(std::span<const std::uint8_t> der) {
    try {
        std::unique_ptr<const Botan::Public_Key> key(
            Botan::X509::load_key(std::vector<std::uint8_t>(der.begin(), der.end())));
        if (!key) {
            return unexpected(CertError::Malformed);
        }
        return detail::wrap_public_key(std::move(key));
    } catch (const Botan::Lookup_Error&) {
        return unexpected(CertError::UnsupportedAlgorithm);
    } catch (const std::exception&) {
        return unexpected(CertError::Malformed);
    }
}

KeyType PublicKey::type() const noexcept { return m_impl->type; }

std::size_t PublicKey::bits() const noexcept { return m_impl->key->key_length(); }

std::span<const std::uint8_t> PublicKey::spki_der() const noexcept { return m_impl->spki; }

}  // namespace ike::crypto
