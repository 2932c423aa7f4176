// HMAC-SHA2 as IKEv2 PRF, prf+, and truncated integrity (RFC 4868, RFC 7296 §2.13).
#include "crypto/prf.hpp"

#include <botan/exceptn.h>
#include <botan/mac.h>

#include <string>

namespace ike::crypto {
namespace {

const char* hmac_name(PrfId id) noexcept {
    switch (id) {
        case PrfId::HmacSha2_256: return "HMAC(SHA-256)";
        case PrfId::HmacSha2_384: return "HMAC(SHA-384)";
        case PrfId::HmacSha2_512: return "HMAC(SHA-512)";
    }
    return nullptr;
}

std::unique_ptr<Botan::MessageAuthenticationCode> make_hmac(const char* name) {
    try {
        return Botan::MessageAuthenticationCode::create(name);
    } catch (const std::exception&) {
        return nullptr;
    }
}

}  // namespace

struct Prf::Impl {
    const PrfInfo* info;
    std::unique_ptr<Botan::MessageAuthenticationCode> mac;
};

Prf::Prf(std::unique_ptr<Impl> impl) noexcept : m_impl(std::move(impl)) {}
Prf::Prf(Prf&&) noexcept = default;
Prf& Prf::operator=(Prf&&) noexcept = default;
Prf::~Prf() = default;

CryptoResult<Prf> Prf::create(PrfId id) {
    const PrfInfo* info = find_prf(id);
    const char* name = hmac_name(id);
    if (info == nullptr || name == nullptr) {
        return unexpected(CryptoError::UnsupportedTransform);
    }
    auto mac = make_hmac(name);
    if (!mac) {
        return unexpected(CryptoError::InternalError);
    }
    return Prf(std::make_unique<Impl>(Impl{info, std::move(mac)}));
}

PrfId Prf::id() const noexcept { return m_impl->info->id; }
std::size_t Prf::output_len() const noexcept { return m_impl->info->output_len; }
std::size_t Prf::key_len() const noexcept { return m_impl->info->key_len; }

SecureBytes Prf::compute(Bytes key, std::initializer_list<Bytes> data) {
    auto& mac = *m_impl->mac;
    // HMAC accepts any key length; Botan requires a non-null pointer only.
    static const std::uint8_t empty = 0;
    mac.set_key(key.empty() ? &empty : key.data(), key.size());
    for (const Bytes part : data) {
        mac.update(part.data(), part.size());
    }
    SecureBytes out(mac.output_length());
    mac.final(out.data());
    return out;
}

CryptoResult<SecureBytes> Prf::prf_plus(Bytes key, std::initializer_list<Bytes> seed, std::size_t length) {
    const std::size_t block = output_len();
    if (length > 255 * block) {
        return unexpected(CryptoError::InvalidLength);
    }
    auto& mac = *m_impl->mac;
    static const std::uint8_t empty = 0;
    mac.set_key(key.empty() ? &empty : key.data(), key.size());

    SecureBytes out;
    out.reserve(length + block);
    SecureBytes t(block);
    for (std::uint8_t n = 1; out.size() < length; ++n) {
        if (n > 1) {
            mac.update(t.data(), t.size());
        }
        for (const Bytes part : seed) {
            mac.update(part.data(), part.size());
        }
        mac.update(n);
        mac.final(t.data());
        out.insert(out.end(), t.begin(), t.end());
    }
    out.resize(length);
    return out;
}

CryptoResult<std::vector<std::uint8_t>> integ_compute(IntegId id, Bytes key, std::initializer_list<Bytes> data) {
    const IntegInfo* info = find_integ(id);
    if (info == nullptr) {
        return unexpected(CryptoError::UnsupportedTransform);
    }
    if (key.size() != info->key_len) {
        return unexpected(CryptoError::InvalidKeyLength);
    }
    const char* name = id == IntegId::HmacSha2_256_128   ? "HMAC(SHA-256)"
                       : id == IntegId::HmacSha2_384_192 ? "HMAC(SHA-384)"
                                                         : "HMAC(SHA-512)";
    auto mac = make_hmac(name);
    if (!mac) {
        return unexpected(CryptoError::InternalError);
    }
    mac->set_key(key.data(), key.size());
    for (const Bytes part : data) {
        mac->update(part.data(), part.size());
    }
    Botan::secure_vector<std::uint8_t> full = mac->final();
    return std::vector<std::uint8_t>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(info->icv_len));
}

}  // namespace ike::crypto
