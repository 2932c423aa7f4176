// AES-GCM-16 and ChaCha20-Poly1305 on Botan's AEAD_Mode, keyed once per SA direction.
#include "crypto/aead.hpp"

#include <botan/aead.h>
#include <botan/exceptn.h>

#include <array>
#include <cstring>

namespace ike::crypto {
namespace {

constexpr std::size_t kSaltLen = 4;
constexpr std::size_t kIvLen = 8;

const char* botan_aead_name(EncrId id, std::uint16_t key_bits) noexcept {
    switch (id) {
        case EncrId::AesGcm16: return key_bits == 256 ? "AES-256/GCM(16)" : "AES-128/GCM(16)";
        case EncrId::ChaCha20Poly1305: return "ChaCha20Poly1305";
        case EncrId::AesCbc: return nullptr;
    }
    return nullptr;
}

}  // namespace

struct Aead::Impl {
    std::unique_ptr<Botan::AEAD_Mode> enc;
    std::unique_ptr<Botan::AEAD_Mode> dec;
    std::array<std::uint8_t, kSaltLen + kIvLen> nonce{};

    void set_iv(std::span<const std::uint8_t> iv8) { std::memcpy(nonce.data() + kSaltLen, iv8.data(), kIvLen); }
};

Aead::Aead(std::unique_ptr<Impl> impl) noexcept : m_impl(std::move(impl)) {}
Aead::Aead(Aead&&) noexcept = default;
Aead& Aead::operator=(Aead&&) noexcept = default;
Aead::~Aead() {
    if (m_impl) {
        secure_wipe(m_impl->nonce.data(), m_impl->nonce.size());
    }
}

CryptoResult<Aead> Aead::create(EncrId id, std::uint16_t key_bits, std::span<const std::uint8_t> key_and_salt) {
    const EncrInfo* info = find_encr(id, key_bits);
    const char* name = botan_aead_name(id, key_bits);
    if (info == nullptr || !info->aead || name == nullptr) {
        return unexpected(CryptoError::UnsupportedTransform);
    }
    if (key_and_salt.size() != info->keymat_len()) {
        return unexpected(CryptoError::InvalidKeyLength);
    }
    try {
        auto impl = std::make_unique<Impl>();
        impl->enc = Botan::AEAD_Mode::create_or_throw(name, Botan::ENCRYPTION);
        impl->dec = Botan::AEAD_Mode::create_or_throw(name, Botan::DECRYPTION);
        impl->enc->set_key(key_and_salt.data(), info->key_len);
        impl->dec->set_key(key_and_salt.data(), info->key_len);
        std::memcpy(impl->nonce.data(), key_and_salt.data() + info->key_len, kSaltLen);
        return Aead(std::move(impl));
    } catch (const std::exception&) {
        return unexpected(CryptoError::InternalError);
    }
}

std::size_t Aead::tag_len() const noexcept { return m_impl->enc->tag_size(); }

CryptoResult<void> Aead::seal(std::span<const std::uint8_t> iv8, std::span<const std::uint8_t> aad,
                              std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out) {
    if (iv8.size() != kIvLen) {
        return unexpected(CryptoError::InvalidLength);
    }
    try {
        auto& mode = *m_impl->enc;
        m_impl->set_iv(iv8);
        mode.set_associated_data(aad.data(), aad.size());
        mode.start(m_impl->nonce.data(), m_impl->nonce.size());
        Botan::secure_vector<std::uint8_t> buf(plaintext.begin(), plaintext.end());
        mode.finish(buf);
        out.insert(out.end(), buf.begin(), buf.end());
        return {};
    } catch (const std::exception&) {
        return unexpected(CryptoError::InternalError);
    }
}

CryptoResult<SecureBytes> Aead::open(std::span<const std::uint8_t> iv8, std::span<const std::uint8_t> aad,
                                     std::span<const std::uint8_t> ciphertext_and_tag) {
    if (iv8.size() != kIvLen) {
        return unexpected(CryptoError::InvalidLength);
    }
    auto& mode = *m_impl->dec;
    if (ciphertext_and_tag.size() < mode.tag_size()) {
        return unexpected(CryptoError::MalformedCiphertext);
    }
    try {
        m_impl->set_iv(iv8);
        mode.set_associated_data(aad.data(), aad.size());
        mode.start(m_impl->nonce.data(), m_impl->nonce.size());
        Botan::secure_vector<std::uint8_t> buf(ciphertext_and_tag.begin(), ciphertext_and_tag.end());
        mode.finish(buf);  // the tag is compared in constant time inside Botan
        return SecureBytes(buf.begin(), buf.end());
    } catch (const Botan::Invalid_Authentication_Tag&) {
        return unexpected(CryptoError::IntegrityCheckFailed);
    } catch (const std::exception&) {
        return unexpected(CryptoError::InternalError);
    }
}

}  // namespace ike::crypto
