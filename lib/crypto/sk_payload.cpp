// The SK payload: AEAD (RFC 5282 §3-§5) and AES-CBC + HMAC (RFC 7296 §3.14) framing, padding,
// IV generation and constant-time ICV checks.
#include "crypto/sk_payload.hpp"

#include "crypto/aead.hpp"
#include "crypto/cbc_hmac.hpp"

#include <array>
#include <limits>
#include <optional>

namespace ike::crypto {
namespace {

constexpr std::size_t kAeadIvLen = 8;
constexpr std::size_t kCbcBlock = 16;

// Total plaintext (inner | padding | pad length) for `inner` octets: the smallest multiple of
// the block size holding inner + 1 (RFC 7296 §3.14; AEAD ciphers have block size 1, RFC 5282 §3).
std::vector<std::uint8_t> join(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    std::vector<std::uint8_t> out;
    out.reserve(a.size() + b.size());
    out.insert(out.end(), a.begin(), a.end());
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

std::size_t padded_len(std::size_t inner, std::size_t block) noexcept {
    const std::size_t min = inner + 1;
    return (min + block - 1) / block * block;
}

// The keyed cipher of one direction: an AEAD, or AES-CBC with its HMAC.
struct SkCipher {
    const EncrInfo* encr = nullptr;
    std::optional<Aead> aead;
    std::optional<CbcHmac> cbc;
};

// One direction's raw keys and, while in use, the cipher made from them (release_cipher()).
struct LazyCipher {
    SkSuite suite{};
    SecureBytes encr_key, integ_key;
    bool aead = false;
    std::size_t icv_len = 0;  // AEAD tag or integrity check value
    std::optional<SkCipher> c;

    CryptoResult<void> ensure();
};

CryptoResult<SkCipher> make_cipher(const SkSuite& suite, std::span<const std::uint8_t> encr_key,
                                   std::span<const std::uint8_t> integ_key) {
    SkCipher c;
    c.encr = find_encr(suite.encr, suite.key_bits);
    if (c.encr == nullptr) {
        return unexpected(CryptoError::UnsupportedTransform);
    }
    if (c.encr->aead) {
        if (suite.integ != IntegId::None || !integ_key.empty()) {
            return unexpected(CryptoError::UnsupportedTransform);  // RFC 5282 §8
        }
        auto aead = Aead::create(suite.encr, suite.key_bits, encr_key);
        if (!aead) {
            return unexpected(aead.error());
        }
        c.aead.emplace(std::move(*aead));
    } else {
        auto cbc = CbcHmac::create(suite.key_bits, suite.integ, encr_key, integ_key);
        if (!cbc) {
            return unexpected(cbc.error());
        }
        c.cbc.emplace(std::move(*cbc));
    }
    return c;
}

CryptoResult<void> LazyCipher::ensure() {
    if (c) return {};
    auto made = make_cipher(suite, encr_key, integ_key);
    if (!made) return unexpected(made.error());
    c.emplace(std::move(*made));
    return {};
}

CryptoResult<LazyCipher> make_lazy(const SkSuite& suite, std::span<const std::uint8_t> encr_key,
                                   std::span<const std::uint8_t> integ_key) {
    auto cipher = make_cipher(suite, encr_key, integ_key);
    if (!cipher) return unexpected(cipher.error());
    LazyCipher l;
    l.suite = suite;
    l.encr_key.assign(encr_key.begin(), encr_key.end());
    l.integ_key.assign(integ_key.begin(), integ_key.end());
    l.aead = cipher->aead.has_value();
    l.icv_len = l.aead ? cipher->aead->tag_len() : cipher->cbc->icv_len();
    l.c.emplace(std::move(*cipher));
    return l;
}

}  // namespace

struct SkProtector::Impl {
    LazyCipher c;
    std::uint64_t counter = 0;
    bool exhausted = false;
    std::unique_ptr<Rng> iv_rng;  // CBC IVs: a DRBG seeded from the injected Rng
};

SkProtector::SkProtector(std::unique_ptr<Impl> impl) noexcept : m_impl(std::move(impl)) {}
SkProtector::SkProtector(SkProtector&&) noexcept = default;
SkProtector& SkProtector::operator=(SkProtector&&) noexcept = default;
SkProtector::~SkProtector() = default;

CryptoResult<SkProtector> SkProtector::create(const SkSuite& suite, std::span<const std::uint8_t> encr_key,
                                              std::span<const std::uint8_t> integ_key, Rng& rng,
                                              std::uint64_t first_iv) {
    auto cipher = make_lazy(suite, encr_key, integ_key);
    if (!cipher) {
        return unexpected(cipher.error());
    }
    auto impl = std::make_unique<Impl>();
    impl->c = std::move(*cipher);
    impl->counter = first_iv;
    if (!impl->c.aead) {
        impl->iv_rng = make_child_rng(rng);
    }
    return SkProtector(std::move(impl));
}

CryptoResult<SkProtector> SkProtector::outbound(const SkSuite& suite, const IkeSaKeys& keys, Role self, Rng& rng) {
    if (self == Role::Initiator) {
        return create(suite, keys.sk_ei.bytes(), keys.sk_ai.bytes(), rng);
    }
    return create(suite, keys.sk_er.bytes(), keys.sk_ar.bytes(), rng);
}

std::size_t SkProtector::body_length(std::size_t inner_len) const noexcept {
    if (m_impl->c.aead) {
        return kAeadIvLen + padded_len(inner_len, 1) + m_impl->c.icv_len;
    }
    return kCbcBlock + padded_len(inner_len, kCbcBlock) + m_impl->c.icv_len;
}

void SkProtector::release_cipher() noexcept { m_impl->c.c.reset(); }

CryptoResult<std::vector<std::uint8_t>> SkProtector::protect(std::span<const std::uint8_t> aad,
                                                             std::span<const std::uint8_t> inner) {
    Impl& s = *m_impl;
    if (auto ok = s.c.ensure(); !ok) {
        return unexpected(ok.error());
    }
    SkCipher& c = *s.c.c;
    const std::size_t block = s.c.aead ? 1 : kCbcBlock;
    const std::size_t total = padded_len(inner.size(), block);
    SecureBytes plain(total, 0);  // padding octets are zero; the pad length is the last octet
    std::copy(inner.begin(), inner.end(), plain.begin());
    plain.back() = static_cast<std::uint8_t>(total - inner.size() - 1);

    std::vector<std::uint8_t> body;
    body.reserve(body_length(inner.size()));
    if (s.c.aead) {
        if (s.exhausted) {
            return unexpected(CryptoError::IvSpaceExhausted);
        }
        for (int i = 7; i >= 0; --i) {
            body.push_back(static_cast<std::uint8_t>(s.counter >> (8 * i)));
        }
        auto sealed = c.aead->seal(std::span<const std::uint8_t>(body).first(kAeadIvLen), aad, plain, body);
        if (!sealed) {
            return unexpected(sealed.error());
        }
        // Commit the counter only after success; the last value is never reused.
        if (s.counter == std::numeric_limits<std::uint64_t>::max()) {
            s.exhausted = true;
        } else {
            ++s.counter;
        }
        return body;
    }
    body.resize(kCbcBlock);
    s.iv_rng->fill(body);
    const std::array<std::uint8_t, kCbcBlock> iv = [&] {
        std::array<std::uint8_t, kCbcBlock> a{};
        std::copy(body.begin(), body.end(), a.begin());
        return a;
    }();
    try {
        c.cbc->encrypt(iv, plain, body);
        const auto icv = c.cbc->icv({aad, body});
        body.insert(body.end(), icv.begin(), icv.end());
    } catch (const std::exception&) {
        return unexpected(CryptoError::InternalError);
    }
    return body;
}

CryptoResult<std::vector<std::uint8_t>> SkProtector::protect(std::span<const std::uint8_t> ike_header,
                                                             std::span<const std::uint8_t> sk_header,
                                                             std::span<const std::uint8_t> inner) {
    return protect(join(ike_header, sk_header), inner);
}

struct SkUnprotector::Impl {
    LazyCipher c;
};

void SkUnprotector::release_cipher() noexcept { m_impl->c.c.reset(); }

SkUnprotector::SkUnprotector(std::unique_ptr<Impl> impl) noexcept : m_impl(std::move(impl)) {}
SkUnprotector::SkUnprotector(SkUnprotector&&) noexcept = default;
SkUnprotector& SkUnprotector::operator=(SkUnprotector&&) noexcept = default;
SkUnprotector::~SkUnprotector() = default;

CryptoResult<SkUnprotector> SkUnprotector::create(const SkSuite& suite, std::span<const std::uint8_t> encr_key,
                                                  std::span<const std::uint8_t> integ_key) {
    auto cipher = make_lazy(suite, encr_key, integ_key);
    if (!cipher) {
        return unexpected(cipher.error());
    }
    auto impl = std::make_unique<Impl>();
    impl->c = std::move(*cipher);
    return SkUnprotector(std::move(impl));
}

CryptoResult<SkUnprotector> SkUnprotector::inbound(const SkSuite& suite, const IkeSaKeys& keys, Role self) {
    if (self == Role::Initiator) {
        return create(suite, keys.sk_er.bytes(), keys.sk_ar.bytes());
    }
    return create(suite, keys.sk_ei.bytes(), keys.sk_ai.bytes());
}

namespace {

CryptoResult<SecureBytes> strip_padding(SecureBytes plain, std::size_t block) {
    if (plain.empty() || plain.size() % block != 0) {
        return unexpected(CryptoError::MalformedCiphertext);
    }
    const std::size_t pad = plain.back();
    if (pad + 1 > plain.size()) {
        return unexpected(CryptoError::InvalidPadding);
    }
    plain.resize(plain.size() - pad - 1);
    return plain;
}

}  // namespace

CryptoResult<SecureBytes> SkUnprotector::unprotect(std::span<const std::uint8_t> aad,
                                                   std::span<const std::uint8_t> body) {
    Impl& s = *m_impl;
    if (s.c.aead) {
        const std::size_t tag = s.c.icv_len;
        if (body.size() < kAeadIvLen + 1 + tag) {
            return unexpected(CryptoError::MalformedCiphertext);
        }
        if (auto ok = s.c.ensure(); !ok) {
            return unexpected(ok.error());
        }
        auto plain = s.c.c->aead->open(body.first(kAeadIvLen), aad, body.subspan(kAeadIvLen));
        if (!plain) {
            return unexpected(plain.error());
        }
        return strip_padding(std::move(*plain), 1);
    }
    const std::size_t icv_len = s.c.icv_len;
    if (body.size() < 2 * kCbcBlock + icv_len || (body.size() - icv_len) % kCbcBlock != 0) {
        return unexpected(CryptoError::MalformedCiphertext);
    }
    if (auto ok = s.c.ensure(); !ok) {
        return unexpected(ok.error());
    }
    CbcHmac& cbc = *s.c.c->cbc;
    const auto protected_part = body.first(body.size() - icv_len);
    const auto received_icv = body.last(icv_len);
    try {
        const auto expected_icv = cbc.icv({aad, protected_part});
        if (!constant_time_equal(expected_icv, received_icv)) {
            return unexpected(CryptoError::IntegrityCheckFailed);
        }
        SecureBytes plain = cbc.decrypt(protected_part.first(kCbcBlock), protected_part.subspan(kCbcBlock));
        return strip_padding(std::move(plain), kCbcBlock);
    } catch (const std::exception&) {
        return unexpected(CryptoError::InternalError);
    }
}

CryptoResult<SecureBytes> SkUnprotector::unprotect(std::span<const std::uint8_t> ike_header,
                                                   std::span<const std::uint8_t> sk_header,
                                                   std::span<const std::uint8_t> body) {
    return unprotect(join(ike_header, sk_header), body);
}

}  // namespace ike::crypto
