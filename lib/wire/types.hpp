// The IANA numbers of RFC 7296 section 3 (and the later RFCs meshd needs), as enums whose
// underlying type is the wire field: a value nobody named is still carried, never lost.
#pragma once

#include "ike/types.hpp"

#include <cstdint>
#include <type_traits>
#include <vector>

namespace ike::wire {

using Bytes = std::vector<std::uint8_t>;

// RFC 7296 §3.2 (IANA "IKEv2 Payload Types").
enum class PayloadType : std::uint8_t {
    none = 0,
    sa = 33,
    ke = 34,
    id_i = 35,
    id_r = 36,
    cert = 37,
    certreq = 38,
    auth = 39,
    nonce = 40,
    notify = 41,
    del = 42,
    vendor_id = 43,
    ts_i = 44,
    ts_r = 45,
    sk = 46,
    cp = 47,
    eap = 48,
    gspm = 49,  // RFC 6467
    skf = 53,   // RFC 7383
};

// RFC 7296 §3.1, plus RFC 5723, 9242, 9370.
enum class ExchangeType : std::uint8_t {
    ike_sa_init = 34,
    ike_auth = 35,
    create_child_sa = 36,
    informational = 37,
    ike_session_resume = 38,
    ike_intermediate = 43,
    ike_followup_ke = 44,
};

// RFC 7296 §3.3.1 Protocol ID.
enum class ProtocolId : std::uint8_t {
    none = 0,
    ike = 1,
    ah = 2,
    esp = 3,
};

// RFC 7296 §3.3.2 Transform Type (RFC 9370 adds ADDKE1..7).
enum class TransformType : std::uint8_t {
    encr = 1,
    prf = 2,
    integ = 3,
    ke = 4,  // "D-H" in RFC 7296, "Key Exchange Method" since RFC 9370
    esn = 5,
};

enum class EncrId : std::uint16_t {
    des_iv64 = 1, des = 2, des3 = 3, rc5 = 4, idea = 5, cast = 6, blowfish = 7, idea3 = 8,
    des_iv32 = 9, null = 11, aes_cbc = 12, aes_ctr = 13, aes_ccm_8 = 14, aes_ccm_12 = 15,
    aes_ccm_16 = 16, aes_gcm_8 = 18, aes_gcm_12 = 19, aes_gcm_16 = 20, null_auth_aes_gmac = 21,
    camellia_cbc = 23, camellia_ctr = 24, camellia_ccm_8 = 25, camellia_ccm_12 = 26,
    camellia_ccm_16 = 27, chacha20_poly1305 = 28,
};

enum class PrfId : std::uint16_t {
    hmac_md5 = 1, hmac_sha1 = 2, hmac_tiger = 3, aes128_xcbc = 4, hmac_sha2_256 = 5,
    hmac_sha2_384 = 6, hmac_sha2_512 = 7, aes128_cmac = 8,
};

enum class IntegId : std::uint16_t {
    none = 0, hmac_md5_96 = 1, hmac_sha1_96 = 2, des_mac = 3, kpdk_md5 = 4, aes_xcbc_96 = 5,
    hmac_md5_128 = 6, hmac_sha1_160 = 7, aes_cmac_96 = 8, aes_128_gmac = 9, aes_192_gmac = 10,
    aes_256_gmac = 11, hmac_sha2_256_128 = 12, hmac_sha2_384_192 = 13, hmac_sha2_512_256 = 14,
};

// Key exchange methods ("Diffie-Hellman groups").
enum class KeGroup : std::uint16_t {
    none = 0, modp768 = 1, modp1024 = 2, modp1536 = 5, modp2048 = 14, modp3072 = 15,
    modp4096 = 16, modp6144 = 17, modp8192 = 18, ecp256 = 19, ecp384 = 20, ecp521 = 21,
    modp1024_160 = 22, modp2048_224 = 23, modp2048_256 = 24, ecp192 = 25, ecp224 = 26,
    brainpool224 = 27, brainpool256 = 28, brainpool384 = 29, brainpool512 = 30,
    curve25519 = 31, curve448 = 32,
};

enum class EsnId : std::uint16_t { no_esn = 0, esn = 1 };

// RFC 7296 §3.3.5; only Key Length is defined.
enum class AttributeType : std::uint16_t { key_length = 14 };

// RFC 7296 §3.5 (ID_NULL: RFC 7619).
using IdType = ike::IdType;  // RFC 7296 §3.5, part of the public API (ike/types.hpp)

// RFC 7296 §3.6 (Raw Public Key: RFC 7670).
enum class CertEncoding : std::uint8_t {
    pkcs7_x509 = 1, pgp = 2, dns_signed_key = 3, x509_signature = 4, kerberos_token = 6,
    crl = 7, arl = 8, spki = 9, x509_attribute = 10, raw_rsa_key = 11, hash_url_x509_cert = 12,
    hash_url_x509_bundle = 13, raw_public_key = 15,
};

// RFC 7296 §3.8 (ECDSA: RFC 4754; 12: RFC 6467; NULL: RFC 7619; 14: RFC 7427).
enum class AuthMethod : std::uint8_t {
    rsa_signature = 1, shared_key_mic = 2, dss_signature = 3, ecdsa_sha256_p256 = 9,
    ecdsa_sha384_p384 = 10, ecdsa_sha512_p521 = 11, generic_secure_password = 12, null = 13,
    digital_signature = 14,
};

// RFC 7296 §3.13.1.
enum class TsType : std::uint8_t { ipv4_addr_range = 7, ipv6_addr_range = 8 };

// RFC 7296 §3.15.
enum class CfgType : std::uint8_t { request = 1, reply = 2, set = 3, ack = 4 };

// RFC 7296 §3.15.1.
enum class CfgAttributeType : std::uint16_t {
    internal_ip4_address = 1, internal_ip4_netmask = 2, internal_ip4_dns = 3,
    internal_ip4_nbns = 4, internal_ip4_dhcp = 6, application_version = 7,
    internal_ip6_address = 8, internal_ip6_dns = 10, internal_ip6_dhcp = 12,
    internal_ip4_subnet = 13, supported_attributes = 14, internal_ip6_subnet = 15,
};

// RFC 7427 §7 (notify SIGNATURE_HASH_ALGORITHMS).
enum class HashAlgorithm : std::uint16_t {
    sha1 = 1, sha2_256 = 2, sha2_384 = 3, sha2_512 = 4, identity = 5,
};

// The raw value of any of these enums.
template <typename E>
constexpr auto raw(E e) {
    return static_cast<std::underlying_type_t<E>>(e);
}

}  // namespace ike::wire
