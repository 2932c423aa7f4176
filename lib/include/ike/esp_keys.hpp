// One direction of a child SA's ESP keys, as ChildSaUp hands them to the caller: the SPI's
// algorithms by their Linux XFRM names and the key material laid out as the kernel expects it
// (AEAD keys carry their 4-octet salt after the key: RFC 4106 §8.1, RFC 7634 §4).
#pragma once

#include <cstddef>
#include <string_view>

#include "ike/secret.hpp"
#include "ike/transforms.hpp"

namespace ike::crypto {

struct EspEncrKeyTag {};
struct EspIntegKeyTag {};
using EspEncrKey = Secret<EspEncrKeyTag>;
using EspIntegKey = Secret<EspIntegKeyTag>;

// One direction of a child SA, ready for XFRM_MSG_NEWSA.
struct EspKeys {
    EspSuite suite;
    bool aead;
    std::string_view encr_alg;        // kernel name: "rfc4106(gcm(aes))", "cbc(aes)", ...
    EspEncrKey encr_key;              // AEAD: key | salt; XFRM alg_key_len = encr_key.size() * 8
                                      // (the salt is part of the kernel's AEAD key: 160/288 bits)
    std::size_t icv_bits;             // AEAD tag bits (alg_icv_len), 0 for CBC
    std::string_view integ_alg;       // kernel name: "hmac(sha256)", ...; empty for AEAD
    EspIntegKey integ_key;            // empty for AEAD
    std::size_t integ_trunc_bits;     // xfrm_algo_auth.alg_trunc_len, 0 for AEAD
};

}  // namespace ike::crypto
