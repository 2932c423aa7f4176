// Readable names of every wire enum (RFC 7296 and IANA spelling), for ikedump and logs.
#include "wire/format.hpp"

namespace ike::wire {

std::string_view to_string(PayloadType v) {
    switch (v) {
        case PayloadType::none: return "NONE";
        case PayloadType::sa: return "SA";
        case PayloadType::ke: return "KE";
        case PayloadType::id_i: return "IDi";
        case PayloadType::id_r: return "IDr";
        case PayloadType::cert: return "CERT";
        case PayloadType::certreq: return "CERTREQ";
        case PayloadType::auth: return "AUTH";
        case PayloadType::nonce: return "Nonce";
        case PayloadType::notify: return "Notify";
        case PayloadType::del: return "Delete";
        case PayloadType::vendor_id: return "Vendor ID";
        case PayloadType::ts_i: return "TSi";
        case PayloadType::ts_r: return "TSr";
        case PayloadType::sk: return "SK";
        case PayloadType::cp: return "CP";
        case PayloadType::eap: return "EAP";
        case PayloadType::gspm: return "GSPM";
        case PayloadType::skf: return "SKF";
    }
    return {};
}

std::string_view to_string(ExchangeType v) {
    switch (v) {
        case ExchangeType::ike_sa_init: return "IKE_SA_INIT";
        case ExchangeType::ike_auth: return "IKE_AUTH";
        case ExchangeType::create_child_sa: return "CREATE_CHILD_SA";
        case ExchangeType::informational: return "INFORMATIONAL";
        case ExchangeType::ike_session_resume: return "IKE_SESSION_RESUME";
        case ExchangeType::ike_intermediate: return "IKE_INTERMEDIATE";
        case ExchangeType::ike_followup_ke: return "IKE_FOLLOWUP_KE";
    }
    return {};
}

std::string_view to_string(ProtocolId v) {
    switch (v) {
        case ProtocolId::none: return "NONE";
        case ProtocolId::ike: return "IKE";
        case ProtocolId::ah: return "AH";
        case ProtocolId::esp: return "ESP";
    }
    return {};
}

std::string_view to_string(TransformType v) {
    switch (v) {
        case TransformType::encr: return "ENCR";
        case TransformType::prf: return "PRF";
        case TransformType::integ: return "INTEG";
        case TransformType::ke: return "KE";
        case TransformType::esn: return "ESN";
    }
    return {};
}

std::string_view to_string(EncrId v) {
    switch (v) {
        case EncrId::des_iv64: return "ENCR_DES_IV64";
        case EncrId::des: return "ENCR_DES";
        case EncrId::des3: return "ENCR_3DES";
        case EncrId::rc5: return "ENCR_RC5";
        case EncrId::idea: return "ENCR_IDEA";
        case EncrId::cast: return "ENCR_CAST";
        case EncrId::blowfish: return "ENCR_BLOWFISH";
        case EncrId::idea3: return "ENCR_3IDEA";
        case EncrId::des_iv32: return "ENCR_DES_IV32";
        case EncrId::null: return "ENCR_NULL";
        case EncrId::aes_cbc: return "ENCR_AES_CBC";
        case EncrId::aes_ctr: return "ENCR_AES_CTR";
        case EncrId::aes_ccm_8: return "ENCR_AES_CCM_8";
        case EncrId::aes_ccm_12: return "ENCR_AES_CCM_12";
        case EncrId::aes_ccm_16: return "ENCR_AES_CCM_16";
        case EncrId::aes_gcm_8: return "ENCR_AES_GCM_8";
        case EncrId::aes_gcm_12: return "ENCR_AES_GCM_12";
        case EncrId::aes_gcm_16: return "ENCR_AES_GCM_16";
        case EncrId::null_auth_aes_gmac: return "ENCR_NULL_AUTH_AES_GMAC";
        case EncrId::camellia_cbc: return "ENCR_CAMELLIA_CBC";
        case EncrId::camellia_ctr: return "ENCR_CAMELLIA_CTR";
        case EncrId::camellia_ccm_8: return "ENCR_CAMELLIA_CCM_8";
        case EncrId::camellia_ccm_12: return "ENCR_CAMELLIA_CCM_12";
        case EncrId::camellia_ccm_16: return "ENCR_CAMELLIA_CCM_16";
        case EncrId::chacha20_poly1305: return "ENCR_CHACHA20_POLY1305";
    }
    return {};
}

std::string_view to_string(PrfId v) {
    switch (v) {
        case PrfId::hmac_md5: return "PRF_HMAC_MD5";
        case PrfId::hmac_sha1: return "PRF_HMAC_SHA1";
        case PrfId::hmac_tiger: return "PRF_HMAC_TIGER";
        case PrfId::aes128_xcbc: return "PRF_AES128_XCBC";
        case PrfId::hmac_sha2_256: return "PRF_HMAC_SHA2_256";
        case PrfId::hmac_sha2_384: return "PRF_HMAC_SHA2_384";
        case PrfId::hmac_sha2_512: return "PRF_HMAC_SHA2_512";
        case PrfId::aes128_cmac: return "PRF_AES128_CMAC";
    }
    return {};
}

std::string_view to_string(IntegId v) {
    switch (v) {
        case IntegId::none: return "NONE";
        case IntegId::hmac_md5_96: return "AUTH_HMAC_MD5_96";
        case IntegId::hmac_sha1_96: return "AUTH_HMAC_SHA1_96";
        case IntegId::des_mac: return "AUTH_DES_MAC";
        case IntegId::kpdk_md5: return "AUTH_KPDK_MD5";
        case IntegId::aes_xcbc_96: return "AUTH_AES_XCBC_96";
        case IntegId::hmac_md5_128: return "AUTH_HMAC_MD5_128";
        case IntegId::hmac_sha1_160: return "AUTH_HMAC_SHA1_160";
        case IntegId::aes_cmac_96: return "AUTH_AES_CMAC_96";
        case IntegId::aes_128_gmac: return "AUTH_AES_128_GMAC";
        case IntegId::aes_192_gmac: return "AUTH_AES_192_GMAC";
        case IntegId::aes_256_gmac: return "AUTH_AES_256_GMAC";
        case IntegId::hmac_sha2_256_128: return "AUTH_HMAC_SHA2_256_128";
        case IntegId::hmac_sha2_384_192: return "AUTH_HMAC_SHA2_384_192";
        case IntegId::hmac_sha2_512_256: return "AUTH_HMAC_SHA2_512_256";
    }
    return {};
}

std::string_view to_string(KeGroup v) {
    switch (v) {
        case KeGroup::none: return "NONE";
        case KeGroup::modp768: return "MODP_768";
        case KeGroup::modp1024: return "MODP_1024";
        case KeGroup::modp1536: return "MODP_1536";
        case KeGroup::modp2048: return "MODP_2048";
        case KeGroup::modp3072: return "MODP_3072";
        case KeGroup::modp4096: return "MODP_4096";
        case KeGroup::modp6144: return "MODP_6144";
        case KeGroup::modp8192: return "MODP_8192";
        case KeGroup::ecp256: return "ECP_256";
        case KeGroup::ecp384: return "ECP_384";
        case KeGroup::ecp521: return "ECP_521";
        case KeGroup::modp1024_160: return "MODP_1024_160";
        case KeGroup::modp2048_224: return "MODP_2048_224";
        case KeGroup::modp2048_256: return "MODP_2048_256";
        case KeGroup::ecp192: return "ECP_192";
        case KeGroup::ecp224: return "ECP_224";
        case KeGroup::brainpool224: return "ECP_224_BP";
        case KeGroup::brainpool256: return "ECP_256_BP";
        case KeGroup::brainpool384: return "ECP_384_BP";
        case KeGroup::brainpool512: return "ECP_512_BP";
        case KeGroup::curve25519: return "CURVE_25519";
        case KeGroup::curve448: return "CURVE_448";
    }
    return {};
}

std::string_view to_string(EsnId v) {
    switch (v) {
        case EsnId::no_esn: return "NO_ESN";
        case EsnId::esn: return "ESN";
    }
    return {};
}

std::string_view to_string(AttributeType v) {
    switch (v) {
        case AttributeType::key_length: return "Key Length";
    }
    return {};
}

std::string_view to_string(IdType v) {
    switch (v) {
        case IdType::ipv4_addr: return "ID_IPV4_ADDR";
        case IdType::fqdn: return "ID_FQDN";
        case IdType::rfc822_addr: return "ID_RFC822_ADDR";
        case IdType::ipv6_addr: return "ID_IPV6_ADDR";
        case IdType::der_asn1_dn: return "ID_DER_ASN1_DN";
        case IdType::der_asn1_gn: return "ID_DER_ASN1_GN";
        case IdType::key_id: return "ID_KEY_ID";
        case IdType::null: return "ID_NULL";
    }
    return {};
}

std::string_view to_string(CertEncoding v) {
    switch (v) {
        case CertEncoding::pkcs7_x509: return "PKCS7_X509";
        case CertEncoding::pgp: return "PGP";
        case CertEncoding::dns_signed_key: return "DNS_SIGNED_KEY";
        case CertEncoding::x509_signature: return "X509_CERT_SIGNATURE";
        case CertEncoding::kerberos_token: return "KERBEROS_TOKEN";
        case CertEncoding::crl: return "CRL";
        case CertEncoding::arl: return "ARL";
        case CertEncoding::spki: return "SPKI";
        case CertEncoding::x509_attribute: return "X509_CERT_ATTRIBUTE";
        case CertEncoding::raw_rsa_key: return "RAW_RSA_KEY";
        case CertEncoding::hash_url_x509_cert: return "HASH_URL_X509_CERT";
        case CertEncoding::hash_url_x509_bundle: return "HASH_URL_X509_BUNDLE";
        case CertEncoding::raw_public_key: return "RAW_PUBLIC_KEY";
    }
    return {};
}

std::string_view to_string(AuthMethod v) {
    switch (v) {
        case AuthMethod::rsa_signature: return "RSA_DIGITAL_SIGNATURE";
        case AuthMethod::shared_key_mic: return "SHARED_KEY_MIC";
        case AuthMethod::dss_signature: return "DSS_DIGITAL_SIGNATURE";
        case AuthMethod::ecdsa_sha256_p256: return "ECDSA_SHA256_P256";
        case AuthMethod::ecdsa_sha384_p384: return "ECDSA_SHA384_P384";
        case AuthMethod::ecdsa_sha512_p521: return "ECDSA_SHA512_P521";
        case AuthMethod::generic_secure_password: return "GENERIC_SECURE_PASSWORD";
        case AuthMethod::null: return "NULL_AUTH";
        case AuthMethod::digital_signature: return "DIGITAL_SIGNATURE";
    }
    return {};
}

std::string_view to_string(TsType v) {
    switch (v) {
        case TsType::ipv4_addr_range: return "TS_IPV4_ADDR_RANGE";
        case TsType::ipv6_addr_range: return "TS_IPV6_ADDR_RANGE";
    }
    return {};
}

std::string_view to_string(CfgType v) {
    switch (v) {
        case CfgType::request: return "CFG_REQUEST";
        case CfgType::reply: return "CFG_REPLY";
        case CfgType::set: return "CFG_SET";
        case CfgType::ack: return "CFG_ACK";
    }
    return {};
}

std::string_view to_string(CfgAttributeType v) {
    switch (v) {
        case CfgAttributeType::internal_ip4_address: return "INTERNAL_IP4_ADDRESS";
        case CfgAttributeType::internal_ip4_netmask: return "INTERNAL_IP4_NETMASK";
        case CfgAttributeType::internal_ip4_dns: return "INTERNAL_IP4_DNS";
        case CfgAttributeType::internal_ip4_nbns: return "INTERNAL_IP4_NBNS";
        case CfgAttributeType::internal_ip4_dhcp: return "INTERNAL_IP4_DHCP";
        case CfgAttributeType::application_version: return "APPLICATION_VERSION";
        case CfgAttributeType::internal_ip6_address: return "INTERNAL_IP6_ADDRESS";
        case CfgAttributeType::internal_ip6_dns: return "INTERNAL_IP6_DNS";
        case CfgAttributeType::internal_ip6_dhcp: return "INTERNAL_IP6_DHCP";
        case CfgAttributeType::internal_ip4_subnet: return "INTERNAL_IP4_SUBNET";
        case CfgAttributeType::supported_attributes: return "SUPPORTED_ATTRIBUTES";
        case CfgAttributeType::internal_ip6_subnet: return "INTERNAL_IP6_SUBNET";
    }
    return {};
}

std::string_view to_string(HashAlgorithm v) {
    switch (v) {
        case HashAlgorithm::sha1: return "SHA1";
        case HashAlgorithm::sha2_256: return "SHA2_256";
        case HashAlgorithm::sha2_384: return "SHA2_384";
        case HashAlgorithm::sha2_512: return "SHA2_512";
        case HashAlgorithm::identity: return "IDENTITY";
    }
    return {};
}

std::string_view to_string(NotifyType v) {
    switch (v) {
        case NotifyType::unsupported_critical_payload: return "UNSUPPORTED_CRITICAL_PAYLOAD";
        case NotifyType::invalid_ike_spi: return "INVALID_IKE_SPI";
        case NotifyType::invalid_major_version: return "INVALID_MAJOR_VERSION";
        case NotifyType::invalid_syntax: return "INVALID_SYNTAX";
        case NotifyType::invalid_message_id: return "INVALID_MESSAGE_ID";
        case NotifyType::invalid_spi: return "INVALID_SPI";
        case NotifyType::no_proposal_chosen: return "NO_PROPOSAL_CHOSEN";
        case NotifyType::invalid_ke_payload: return "INVALID_KE_PAYLOAD";
        case NotifyType::authentication_failed: return "AUTHENTICATION_FAILED";
        case NotifyType::single_pair_required: return "SINGLE_PAIR_REQUIRED";
        case NotifyType::no_additional_sas: return "NO_ADDITIONAL_SAS";
        case NotifyType::internal_address_failure: return "INTERNAL_ADDRESS_FAILURE";
        case NotifyType::failed_cp_required: return "FAILED_CP_REQUIRED";
        case NotifyType::ts_unacceptable: return "TS_UNACCEPTABLE";
        case NotifyType::invalid_selectors: return "INVALID_SELECTORS";
        case NotifyType::unacceptable_addresses: return "UNACCEPTABLE_ADDRESSES";
        case NotifyType::unexpected_nat_detected: return "UNEXPECTED_NAT_DETECTED";
        case NotifyType::temporary_failure: return "TEMPORARY_FAILURE";
        case NotifyType::child_sa_not_found: return "CHILD_SA_NOT_FOUND";
        case NotifyType::initial_contact: return "INITIAL_CONTACT";
        case NotifyType::set_window_size: return "SET_WINDOW_SIZE";
        case NotifyType::additional_ts_possible: return "ADDITIONAL_TS_POSSIBLE";
        case NotifyType::ipcomp_supported: return "IPCOMP_SUPPORTED";
        case NotifyType::nat_detection_source_ip: return "NAT_DETECTION_SOURCE_IP";
        case NotifyType::nat_detection_destination_ip: return "NAT_DETECTION_DESTINATION_IP";
        case NotifyType::cookie: return "COOKIE";
        case NotifyType::use_transport_mode: return "USE_TRANSPORT_MODE";
        case NotifyType::http_cert_lookup_supported: return "HTTP_CERT_LOOKUP_SUPPORTED";
        case NotifyType::rekey_sa: return "REKEY_SA";
        case NotifyType::esp_tfc_padding_not_supported: return "ESP_TFC_PADDING_NOT_SUPPORTED";
        case NotifyType::non_first_fragments_also: return "NON_FIRST_FRAGMENTS_ALSO";
        case NotifyType::mobike_supported: return "MOBIKE_SUPPORTED";
        case NotifyType::additional_ip4_address: return "ADDITIONAL_IP4_ADDRESS";
        case NotifyType::additional_ip6_address: return "ADDITIONAL_IP6_ADDRESS";
        case NotifyType::no_additional_addresses: return "NO_ADDITIONAL_ADDRESSES";
        case NotifyType::update_sa_addresses: return "UPDATE_SA_ADDRESSES";
        case NotifyType::cookie2: return "COOKIE2";
        case NotifyType::no_nats_allowed: return "NO_NATS_ALLOWED";
        case NotifyType::auth_lifetime: return "AUTH_LIFETIME";
        case NotifyType::multiple_auth_supported: return "MULTIPLE_AUTH_SUPPORTED";
        case NotifyType::another_auth_follows: return "ANOTHER_AUTH_FOLLOWS";
        case NotifyType::redirect_supported: return "REDIRECT_SUPPORTED";
        case NotifyType::redirect: return "REDIRECT";
        case NotifyType::redirected_from: return "REDIRECTED_FROM";
        case NotifyType::eap_only_authentication: return "EAP_ONLY_AUTHENTICATION";
        case NotifyType::childless_ikev2_supported: return "CHILDLESS_IKEV2_SUPPORTED";
        case NotifyType::ikev2_fragmentation_supported: return "IKEV2_FRAGMENTATION_SUPPORTED";
        case NotifyType::signature_hash_algorithms: return "SIGNATURE_HASH_ALGORITHMS";
        case NotifyType::use_ppk: return "USE_PPK";
        case NotifyType::ppk_identity: return "PPK_IDENTITY";
        case NotifyType::no_ppk_auth: return "NO_PPK_AUTH";
        case NotifyType::intermediate_exchange_supported: return "INTERMEDIATE_EXCHANGE_SUPPORTED";
    }
    return {};
}

std::string_view to_string(DecodeRule v) {
    return describe(v);
}

std::string_view to_string(ExchangeRule v) {
    return describe(v);
}

std::string_view to_string(Reaction v) {
    switch (v) {
        case Reaction::drop: return "drop";
        case Reaction::notify: return "notify";
    }
    return {};
}

std::string_view transform_id_name(TransformType type, std::uint16_t id) {
    switch (type) {
        case TransformType::encr: return to_string(static_cast<EncrId>(id));
        case TransformType::prf: return to_string(static_cast<PrfId>(id));
        case TransformType::integ: return to_string(static_cast<IntegId>(id));
        case TransformType::ke: return to_string(static_cast<KeGroup>(id));
        case TransformType::esn: return to_string(static_cast<EsnId>(id));
    }
    return {};
}

}  // namespace ike::wire
