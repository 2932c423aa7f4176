// Child SA KEYMAT (RFC 7296 §2.17) and its ESP layout (RFC 4106 §8.1, RFC 7634 §4, RFC 4868).
#include "crypto/esp_keys.hpp"

namespace ike::crypto {
namespace {

struct KernelNames {
    std::string_view encr;
    std::size_t icv_bits;
};

KernelNames kernel_encr(EncrId id) noexcept {
    switch (id) {
        case EncrId::AesGcm16: return {"rfc4106(gcm(aes))", 128};
        case EncrId::ChaCha20Poly1305: return {"rfc7539esp(chacha20,poly1305)", 128};
        case EncrId::AesCbc: return {"cbc(aes)", 0};
    }
    return {};
}

std::string_view kernel_integ(IntegId id) noexcept {
    switch (id) {
        case IntegId::HmacSha2_256_128: return "hmac(sha256)";
        case IntegId::HmacSha2_384_192: return "hmac(sha384)";
        case IntegId::HmacSha2_512_256: return "hmac(sha512)";
        case IntegId::None: return {};
    }
    return {};
}

struct Sizes {
    const EncrInfo* encr;
    const IntegInfo* integ;  // nullptr for AEAD
};

CryptoResult<Sizes> sizes(const EspSuite& suite) {
    const EncrInfo* encr = find_encr(suite.encr, suite.key_bits);
    if (encr == nullptr) {
        return unexpected(CryptoError::UnsupportedTransform);
    }
    if (encr->aead) {
        if (suite.integ != IntegId::None) {
            return unexpected(CryptoError::UnsupportedTransform);
        }
        return Sizes{encr, nullptr};
    }
    const IntegInfo* integ = find_integ(suite.integ);
    if (integ == nullptr) {
        return unexpected(CryptoError::UnsupportedTransform);
    }
    return Sizes{encr, integ};
}

}  // namespace

CryptoResult<std::size_t> esp_keymat_length(const EspSuite& suite) {
    auto s = sizes(suite);
    if (!s) {
        return unexpected(s.error());
    }
    return s->encr->keymat_len() + (s->integ != nullptr ? s->integ->key_len : 0);
}

CryptoResult<EspKeys> esp_keys_from_keymat(const EspSuite& suite, std::span<const std::uint8_t> keymat) {
    auto s = sizes(suite);
    if (!s) {
        return unexpected(s.error());
    }
    const std::size_t e = s->encr->keymat_len();
    const std::size_t a = s->integ != nullptr ? s->integ->key_len : 0;
    if (keymat.size() != e + a) {
        return unexpected(CryptoError::InvalidKeyLength);
    }
    const KernelNames names = kernel_encr(suite.encr);
    EspKeys keys{suite,
                 s->encr->aead,
                 names.encr,
                 EspEncrKey(keymat.first(e)),
                 names.icv_bits,
                 kernel_integ(suite.integ),
                 EspIntegKey(keymat.subspan(e, a)),
                 s->integ != nullptr ? s->integ->icv_len * 8 : 0};
    return keys;
}

CryptoResult<ChildSaKeys> derive_child_sa_keys(PrfId prf_id, const SkD& sk_d, const EspSuite& suite, Bytes ni,
                                               Bytes nr, const SharedSecret* g_ir_pfs) {
    auto per_dir = esp_keymat_length(suite);
    if (!per_dir) {
        return unexpected(per_dir.error());
    }
    auto prf = Prf::create(prf_id);
    if (!prf) {
        return unexpected(prf.error());
    }
    const std::size_t n = *per_dir;
    auto keymat = g_ir_pfs != nullptr ? prf->prf_plus(sk_d.bytes(), {g_ir_pfs->bytes(), ni, nr}, 2 * n)
                                      : prf->prf_plus(sk_d.bytes(), {ni, nr}, 2 * n);
    if (!keymat) {
        return unexpected(keymat.error());
    }
    const std::span<const std::uint8_t> km(*keymat);
    auto i_to_r = esp_keys_from_keymat(suite, km.first(n));
    auto r_to_i = esp_keys_from_keymat(suite, km.subspan(n, n));
    if (!i_to_r || !r_to_i) {
        return unexpected(CryptoError::InternalError);
    }
    return ChildSaKeys{std::move(*i_to_r), std::move(*r_to_i)};
}

}  // namespace ike::crypto
