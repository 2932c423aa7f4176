// IKE SA key derivation (RFC 7296 §2.14, §2.15, §2.18; RFC 8784 §3).
#include "crypto/key_schedule.hpp"

#include <string_view>

namespace ike::crypto {
namespace {

// Takes the next n octets of a prf+ stream.
template <typename SecretT>
SecretT take(const SecureBytes& stream, std::size_t& offset, std::size_t n) {
    SecretT s(std::span<const std::uint8_t>(stream).subspan(offset, n));
    offset += n;
    return s;
}

CryptoResult<std::vector<std::uint8_t>> signed_octets(PrfId prf_id, Bytes real_message, Bytes nonce, Bytes sk_p,
                                                      Bytes id_body) {
    auto prf = Prf::create(prf_id);
    if (!prf) {
        return unexpected(prf.error());
    }
    const SecureBytes maced_id = prf->compute(sk_p, id_body);
    std::vector<std::uint8_t> out;
    out.reserve(real_message.size() + nonce.size() + maced_id.size());
    out.insert(out.end(), real_message.begin(), real_message.end());
    out.insert(out.end(), nonce.begin(), nonce.end());
    out.insert(out.end(), maced_id.begin(), maced_id.end());
    return out;
}

}  // namespace

CryptoResult<IkeKeyLengths> ike_key_lengths(PrfId prf_id, const SkSuite& sk) {
    const PrfInfo* prf = find_prf(prf_id);
    const EncrInfo* encr = find_encr(sk.encr, sk.key_bits);
    if (prf == nullptr || encr == nullptr) {
        return unexpected(CryptoError::UnsupportedTransform);
    }
    std::size_t a = 0;
    if (encr->aead) {
        if (sk.integ != IntegId::None) {
            return unexpected(CryptoError::UnsupportedTransform);  // RFC 5282 §8: no INTEG with AEAD
        }
    } else {
        const IntegInfo* integ = find_integ(sk.integ);
        if (integ == nullptr) {
            return unexpected(CryptoError::UnsupportedTransform);
        }
        a = integ->key_len;
    }
    return IkeKeyLengths{prf->key_len, a, encr->keymat_len(), prf->key_len};
}

CryptoResult<Skeyseed> derive_skeyseed(PrfId prf_id, Bytes ni, Bytes nr, const SharedSecret& g_ir) {
    auto prf = Prf::create(prf_id);
    if (!prf) {
        return unexpected(prf.error());
    }
    // The key is Ni | Nr: HMAC takes any key length, so no truncation (§2.14) applies.
    SecureBytes key;
    key.reserve(ni.size() + nr.size());
    key.insert(key.end(), ni.begin(), ni.end());
    key.insert(key.end(), nr.begin(), nr.end());
    return Skeyseed(prf->compute(key, g_ir.bytes()));
}

CryptoResult<Skeyseed> derive_rekey_skeyseed(PrfId old_prf, const SkD& old_sk_d, const SharedSecret& g_ir_new,
                                             Bytes ni, Bytes nr) {
    auto prf = Prf::create(old_prf);
    if (!prf) {
        return unexpected(prf.error());
    }
    return Skeyseed(prf->compute(old_sk_d.bytes(), {g_ir_new.bytes(), ni, nr}));
}

CryptoResult<IkeSaKeys> derive_ike_sa_keys(PrfId prf_id, const SkSuite& sk, const Skeyseed& skeyseed, Bytes ni,
                                           Bytes nr, Bytes spi_i, Bytes spi_r) {
    if (spi_i.size() != 8 || spi_r.size() != 8) {
        return unexpected(CryptoError::InvalidLength);
    }
    auto lengths = ike_key_lengths(prf_id, sk);
    if (!lengths) {
        return unexpected(lengths.error());
    }
    auto prf = Prf::create(prf_id);
    if (!prf) {
        return unexpected(prf.error());
    }
    const IkeKeyLengths& l = *lengths;
    auto stream = prf->prf_plus(skeyseed.bytes(), {ni, nr, spi_i, spi_r}, l.d + 2 * l.a + 2 * l.e + 2 * l.p);
    if (!stream) {
        return unexpected(stream.error());
    }
    std::size_t off = 0;
    IkeSaKeys keys;
    keys.sk_d = take<SkD>(*stream, off, l.d);
    keys.sk_ai = take<SkAi>(*stream, off, l.a);
    keys.sk_ar = take<SkAr>(*stream, off, l.a);
    keys.sk_ei = take<SkEi>(*stream, off, l.e);
    keys.sk_er = take<SkEr>(*stream, off, l.e);
    keys.sk_pi = take<SkPi>(*stream, off, l.p);
    keys.sk_pr = take<SkPr>(*stream, off, l.p);
    return keys;
}

CryptoResult<IkeSaKeys> mix_ppk(PrfId prf_id, const Ppk& ppk, const IkeSaKeys& keys) {
    auto prf = Prf::create(prf_id);
    if (!prf) {
        return unexpected(prf.error());
    }
    auto d = prf->prf_plus(ppk.bytes(), keys.sk_d.bytes(), keys.sk_d.size());
    auto pi = prf->prf_plus(ppk.bytes(), keys.sk_pi.bytes(), keys.sk_pi.size());
    auto pr = prf->prf_plus(ppk.bytes(), keys.sk_pr.bytes(), keys.sk_pr.size());
    if (!d || !pi || !pr) {
        return unexpected(CryptoError::InvalidLength);
    }
    IkeSaKeys mixed;
    mixed.sk_d = SkD(std::move(*d));
    mixed.sk_ai = SkAi(keys.sk_ai.bytes());
    mixed.sk_ar = SkAr(keys.sk_ar.bytes());
    mixed.sk_ei = SkEi(keys.sk_ei.bytes());
    mixed.sk_er = SkEr(keys.sk_er.bytes());
    mixed.sk_pi = SkPi(std::move(*pi));
    mixed.sk_pr = SkPr(std::move(*pr));
    return mixed;
}

CryptoResult<std::vector<std::uint8_t>> initiator_signed_octets(PrfId prf, Bytes real_message, Bytes nonce_r,
                                                                const SkPi& sk_pi, Bytes id_i_body) {
    return signed_octets(prf, real_message, nonce_r, sk_pi.bytes(), id_i_body);
}

CryptoResult<std::vector<std::uint8_t>> responder_signed_octets(PrfId prf, Bytes real_message, Bytes nonce_i,
                                                                const SkPr& sk_pr, Bytes id_r_body) {
    return signed_octets(prf, real_message, nonce_i, sk_pr.bytes(), id_r_body);
}

CryptoResult<std::vector<std::uint8_t>> shared_key_auth(PrfId prf_id, const PreSharedKey& psk, Bytes signed_octets) {
    auto prf = Prf::create(prf_id);
    if (!prf) {
        return unexpected(prf.error());
    }
    static constexpr std::string_view kKeyPad = "Key Pad for IKEv2";  // 17 octets, no NUL (§2.15)
    const auto* pad = reinterpret_cast<const std::uint8_t*>(kKeyPad.data());
    const SecureBytes inner = prf->compute(psk.bytes(), Bytes(pad, kKeyPad.size()));
    const SecureBytes mic = prf->compute(inner, signed_octets);
    return std::vector<std::uint8_t>(mic.begin(), mic.end());
}

CryptoResult<bool> verify_shared_key_auth(PrfId prf, const PreSharedKey& psk, Bytes signed_octets, Bytes received) {
    auto expected = shared_key_auth(prf, psk, signed_octets);
    if (!expected) {
        return unexpected(expected.error());
    }
    return constant_time_equal(*expected, received);
}

}  // namespace ike::crypto
