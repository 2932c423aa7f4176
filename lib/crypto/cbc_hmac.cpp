// AES-CBC (no padding: IKEv2 pads itself) and truncated HMAC-SHA2 on Botan, keyed once.
#include "crypto/cbc_hmac.hpp"

#include <botan/cipher_mode.h>
#include <botan/mac.h>

namespace ike::crypto {

struct CbcHmac::Impl {
    std::unique_ptr<Botan::Cipher_Mode> enc;
    std::unique_ptr<Botan::Cipher_Mode> dec;
    std::unique_ptr<Botan::MessageAuthenticationCode> mac;
    std::size_t icv_len;
};

CbcHmac::CbcHmac(std::unique_ptr<Impl> impl) noexcept : m_impl(std::move(impl)) {}
CbcHmac::CbcHmac(CbcHmac&&) noexcept = default;
CbcHmac& CbcHmac::operator=(CbcHmac&&) noexcept = default;
CbcHmac::~CbcHmac() = default;

CryptoResult<CbcHmac> CbcHmac::create(std::uint16_t key_bits, IntegId integ, std::span<const std::uint8_t> encr_key,
                                      std::span<const std::uint8_t> integ_key) {
    const EncrInfo* encr = find_encr(EncrId::AesCbc, key_bits);
    const IntegInfo* info = find_integ(integ);
    if (encr == nullptr || info == nullptr || integ == IntegId::None) {
        return unexpected(CryptoError::UnsupportedTransform);
    }
    if (encr_key.size() != encr->key_len || integ_key.size() != info->key_len) {
        return unexpected(CryptoError::InvalidKeyLength);
    }
    const char* cipher = key_bits == 256 ? "AES-256/CBC/NoPadding" : "AES-128/CBC/NoPadding";
    const char* mac = integ == IntegId::HmacSha2_256_128   ? "HMAC(SHA-256)"
                      : integ == IntegId::HmacSha2_384_192 ? "HMAC(SHA-384)"
                                                           : "HMAC(SHA-512)";
    try {
        auto impl = std::make_unique<Impl>();
        impl->enc = Botan::Cipher_Mode::create_or_throw(cipher, Botan::ENCRYPTION);
        impl->dec = Botan::Cipher_Mode::create_or_throw(cipher, Botan::DECRYPTION);
        impl->mac = Botan::MessageAuthenticationCode::create_or_throw(mac);
        impl->enc->set_key(encr_key.data(), encr_key.size());
        impl->dec->set_key(encr_key.data(), encr_key.size());
        impl->mac->set_key(integ_key.data(), integ_key.size());
        impl->icv_len = info->icv_len;
        return CbcHmac(std::move(impl));
    } catch (const std::exception&) {
        return unexpected(CryptoError::InternalError);
    }
}

std::size_t CbcHmac::icv_len() const noexcept { return m_impl->icv_len; }

void CbcHmac::encrypt(std::span<const std::uint8_t> iv, std::span<const std::uint8_t> blocks,
                      std::vector<std::uint8_t>& out) {
    auto& mode = *m_impl->enc;
    mode.start(iv.data(), iv.size());
    Botan::secure_vector<std::uint8_t> buf(blocks.begin(), blocks.end());
    mode.finish(buf);
    out.insert(out.end(), buf.begin(), buf.end());
}

SecureBytes CbcHmac::decrypt(std::span<const std::uint8_t> iv, std::span<const std::uint8_t> blocks) {
    auto& mode = *m_impl->dec;
    mode.start(iv.data(), iv.size());
    Botan::secure_vector<std::uint8_t> buf(blocks.begin(), blocks.end());
    mode.finish(buf);
    return SecureBytes(buf.begin(), buf.end());
}

std::vector<std::uint8_t> CbcHmac::icv(std::initializer_list<std::span<const std::uint8_t>> parts) {
    auto& mac = *m_impl->mac;
    for (const auto part : parts) {
        mac.update(part.data(), part.size());
    }
    Botan::secure_vector<std::uint8_t> full = mac.final();
    return std::vector<std::uint8_t>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(m_impl->icv_len));
}

}  // namespace ike::crypto
