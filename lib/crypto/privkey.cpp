// Private keys: PKCS#8 load and store, and generation for tests and the meshca tool.
#include "crypto/privkey_impl.hpp"

#include <botan/data_src.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/ed25519.h>
#include <botan/exceptn.h>
#include <botan/pkcs8.h>
#include <botan/rsa.h>
#include <botan/x509_key.h>

namespace ike::crypto {
namespace {

CertResult<PrivateKey> wrap(std::unique_ptr<const Botan::Private_Key> key) {
    if (!key) {
        return unexpected(CertError::Malformed);
    }
    std::unique_ptr<const Botan::Public_Key> pub(
        Botan::X509::load_key(Botan::X509::BER_encode(*key)));
    auto public_key = detail::wrap_public_key(std::move(pub));
    if (!public_key) {
        return unexpected(public_key.error());
    }
    const KeyType type = public_key->type();
    auto impl = std::make_shared<PrivateKey::Impl>(
        PrivateKey::Impl{std::move(key), type, std::move(*public_key)});
    return PrivateKey(std::move(impl));
}

template <typename Load>
CertResult<PrivateKey> load_guarded(Load&& load) {
    try {
        return wrap(load());
    } catch (const Botan::Lookup_Error&) {
        return unexpected(CertError::UnsupportedAlgorithm);
    } catch (const std::exception&) {
        return unexpected(CertError::Malformed);
    }
}

const char* curve_name(KeyType type) {
    switch (type) {
        case KeyType::EcdsaP256: return "secp256r1";
        case KeyType::EcdsaP384: return "secp384r1";
        case KeyType::EcdsaP521: return "secp521r1";
        case KeyType::Ed25519:
        case KeyType::Rsa: break;
    }
    return nullptr;
}

}  // namespace

CertResult<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
    return load_guarded([&] {
        Botan::DataSource_Memory src(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size());
        return Botan::PKCS8::load_key(src);
    });
}

CertResult<PrivateKey> PrivateKey::from_pem(std::string_view pem, std::string_view passphrase) {
    return load_guarded([&] {
        Botan::DataSource_Memory src(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size());
        return Botan::PKCS8::load_key(src, std::string(passphrase));
    });
}

CertResult<PrivateKey> PrivateKey::from_pkcs8_der(std::span<const std::uint8_t> der) {
    return load_guarded([&] {
        Botan::DataSource_Memory src(der.data(), der.size());
        return Botan::PKCS8::load_key(src);
    });
}

CertResult<PrivateKey> PrivateKey::generate(KeyType type, Rng& rng, std::size_t rsa_bits) {
    detail::BotanRngAdapter brng(rng);
    try {
        switch (type) {
            case KeyType::Ed25519:
                return wrap(std::make_unique<Botan::Ed25519_PrivateKey>(brng));
            case KeyType::EcdsaP256:
            case KeyType::EcdsaP384:
            case KeyType::EcdsaP521:
                return wrap(std::make_unique<Botan::ECDSA_PrivateKey>(
                    brng, Botan::EC_Group(curve_name(type))));
            case KeyType::Rsa:
                if (rsa_bits < 2048 || rsa_bits > 8192) {
                    return unexpected(CertError::InvalidArgument);
                }
                return wrap(std::make_unique<Botan::RSA_PrivateKey>(brng, rsa_bits));
        }
    } catch (const std::exception&) {
        return unexpected(CertError::UnsupportedAlgorithm);
    }
    return unexpected(CertError::UnsupportedAlgorithm);
}

KeyType PrivateKey::type() const noexcept { return m_impl->type; }

const PublicKey& PrivateKey::public_key() const noexcept { return m_impl->public_key; }

SecureBytes PrivateKey::to_pkcs8_der() const {
    const auto der = Botan::PKCS8::BER_encode(*m_impl->key);
    return SecureBytes(der.begin(), der.end());
}

std::string PrivateKey::to_pem() const { return Botan::PKCS8::PEM_encode(*m_impl->key); }

CertResult<std::string> PrivateKey::to_encrypted_pem(std::string_view passphrase, Rng& rng,
                                                     std::size_t pbkdf_iterations) const {
    if (passphrase.empty() || pbkdf_iterations == 0) {
        return unexpected(CertError::InvalidArgument);
    }
    detail::BotanRngAdapter brng(rng);
    try {
        return Botan::PKCS8::PEM_encode_encrypted_pbkdf_iter(
            *m_impl->key, brng, std::string(passphrase), pbkdf_iterations, "AES-256/CBC", "SHA-256");
    } catch (const std::exception&) {
        return unexpected(CertError::UnsupportedAlgorithm);
    }
}

}  // namespace ike::crypto
