// The IKEv2 key schedule: SKEYSEED and the seven SK_* keys (RFC 7296 §2.14), the IKE SA rekey
// SKEYSEED (§2.18), PPK mixing (RFC 8784 §3), the AUTH payload octets (§2.15) and the shared-key
// MIC (auth method 2). Child SA KEYMAT is in esp_keys.hpp. Each key is a distinct Secret type.
#pragma once

#include "crypto/errors.hpp"
#include "crypto/ke.hpp"
#include "crypto/prf.hpp"
#include "crypto/secret.hpp"
#include "crypto/transforms.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ike::crypto {

struct SkeyseedTag {};
struct SkDTag {};
struct SkAiTag {};
struct SkArTag {};
struct SkEiTag {};
struct SkErTag {};
struct SkPiTag {};
struct SkPrTag {};
struct PpkTag {};
struct PreSharedKeyTag {};

using Skeyseed = Secret<SkeyseedTag>;
using SkD = Secret<SkDTag>;
using SkAi = Secret<SkAiTag>;
using SkAr = Secret<SkArTag>;
using SkEi = Secret<SkEiTag>;  // for AEAD: cipher key followed by the salt (RFC 5282 §7.1)
using SkEr = Secret<SkErTag>;
using SkPi = Secret<SkPiTag>;
using SkPr = Secret<SkPrTag>;
using Ppk = Secret<PpkTag>;
using PreSharedKey = Secret<PreSharedKeyTag>;

struct IkeSaKeys {
    SkD sk_d;
    SkAi sk_ai;  // empty with an AEAD cipher
    SkAr sk_ar;
    SkEi sk_ei;
    SkEr sk_er;
    SkPi sk_pi;
    SkPr sk_pr;
};

// Octet lengths of each SK_* key for a suite (RFC 7296 §2.14).
struct IkeKeyLengths {
    std::size_t d, a, e, p;
};
CryptoResult<IkeKeyLengths> ike_key_lengths(PrfId prf, const SkSuite& sk);

// SKEYSEED = prf(Ni | Nr, g^ir) (§2.14).
CryptoResult<Skeyseed> derive_skeyseed(PrfId prf, Bytes ni, Bytes nr, const SharedSecret& g_ir);

// Rekeyed IKE SA: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (§2.18), with the old SA's
// PRF and the new exchange's nonces.
CryptoResult<Skeyseed> derive_rekey_skeyseed(PrfId old_prf, const SkD& old_sk_d, const SharedSecret& g_ir_new,
                                             Bytes ni, Bytes nr);

// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
CryptoResult<IkeSaKeys> derive_ike_sa_keys(PrfId prf, const SkSuite& sk, const Skeyseed& skeyseed, Bytes ni,
                                           Bytes nr, Bytes spi_i, Bytes spi_r);

// RFC 8784 §3: SK_d = prf+(PPK, SK_d'), SK_pi = prf+(PPK, SK_pi'), SK_pr = prf+(PPK, SK_pr'),
// each as long as before; the other keys are unchanged. Returns the mixed set.
CryptoResult<IkeSaKeys> mix_ppk(PrfId prf, const Ppk& ppk, const IkeSaKeys& keys);

// The octets an AUTH payload signs or MACs (§2.15):
//   RealMessage | Nonce of the peer | prf(SK_p, RestOfIDPayload)
// real_message: our first message of the SA (IKE_SA_INIT request for the initiator, response
// for the responder), as sent; peer_nonce: the other side's Nonce Data; id_body: our ID
// payload after its generic header (ID Type | RESERVED | Identification Data).
CryptoResult<std::vector<std::uint8_t>> initiator_signed_octets(PrfId prf, Bytes real_message, Bytes nonce_r,
                                                                const SkPi& sk_pi, Bytes id_i_body);
CryptoResult<std::vector<std::uint8_t>> responder_signed_octets(PrfId prf, Bytes real_message, Bytes nonce_i,
                                                                const SkPr& sk_pr, Bytes id_r_body);
// The same check for the peer's AUTH uses the peer's keys: the initiator verifies the
// responder's AUTH over responder_signed_octets(..., SK_pr, IDr), and vice versa.

// Shared Key Message Integrity Code (auth method 2, §2.15):
//   AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
CryptoResult<std::vector<std::uint8_t>> shared_key_auth(PrfId prf, const PreSharedKey& psk, Bytes signed_octets);
// Recomputes the MIC and compares in constant time.
CryptoResult<bool> verify_shared_key_auth(PrfId prf, const PreSharedKey& psk, Bytes signed_octets, Bytes received);

}  // namespace ike::crypto
