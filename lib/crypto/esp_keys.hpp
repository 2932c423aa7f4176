// Child SA keys (RFC 7296 §2.17) and the ESP key material layout the kernel needs.
// KEYMAT = prf+(SK_d, Ni | Nr), or prf+(SK_d, g^ir (new) | Ni | Nr) with PFS. The keys for the
// initiator->responder SA come first, then responder->initiator; within one SA the encryption
// key comes first, then the integrity key. AEAD encryption keys carry their 4-octet salt after
// the key (AES-GCM: RFC 4106 §8.1; ChaCha20-Poly1305: RFC 7634 §4), exactly as the Linux XFRM
// "rfc4106(gcm(aes))" and "rfc7539esp(chacha20,poly1305)" algorithms expect them.
#pragma once

#include "ike/esp_keys.hpp"
#include "crypto/errors.hpp"
#include "crypto/ke.hpp"
#include "crypto/key_schedule.hpp"
#include "crypto/secret.hpp"
#include "crypto/transforms.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace ike::crypto {

struct ChildSaKeys {
    EspKeys initiator_to_responder;
    EspKeys responder_to_initiator;

    const EspKeys& outbound(Role self) const noexcept {
        return self == Role::Initiator ? initiator_to_responder : responder_to_initiator;
    }
    const EspKeys& inbound(Role self) const noexcept {
        return self == Role::Initiator ? responder_to_initiator : initiator_to_responder;
    }
};

// Octets of KEYMAT one direction of the suite takes (encryption key [+ salt] + integrity key).
CryptoResult<std::size_t> esp_keymat_length(const EspSuite& suite);

// Splits one direction's share of KEYMAT (exactly esp_keymat_length() octets).
CryptoResult<EspKeys> esp_keys_from_keymat(const EspSuite& suite, std::span<const std::uint8_t> keymat);

// KEYMAT for a child SA and its split into both directions. g_ir_pfs: the new shared secret of
// a CREATE_CHILD_SA with a KE payload, nullptr without PFS (and for the IKE_AUTH child).
CryptoResult<ChildSaKeys> derive_child_sa_keys(PrfId prf, const SkD& sk_d, const EspSuite& suite, Bytes ni,
                                               Bytes nr, const SharedSecret* g_ir_pfs = nullptr);

}  // namespace ike::crypto
