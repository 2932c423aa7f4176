// Names of the wire enums (RFC 7296 §3 and IANA spelling) and their fmt formatting.
#include "test_util.hpp"
#include "wire/format.hpp"

using namespace ike::wire;

TEST_CASE("RFC 7296 3: enum names follow the RFC and IANA spelling", "[wire][format]") {
    CHECK(to_string(ExchangeType::ike_sa_init) == "IKE_SA_INIT");
    CHECK(to_string(ExchangeType::create_child_sa) == "CREATE_CHILD_SA");
    CHECK(to_string(PayloadType::id_i) == "IDi");
    CHECK(to_string(PayloadType::skf) == "SKF");
    CHECK(to_string(NotifyType::nat_detection_source_ip) == "NAT_DETECTION_SOURCE_IP");
    CHECK(to_string(NotifyType::ikev2_fragmentation_supported) == "IKEV2_FRAGMENTATION_SUPPORTED");
    CHECK(to_string(NotifyType::use_ppk) == "USE_PPK");
    CHECK(to_string(NotifyType::redirected_from) == "REDIRECTED_FROM");
    CHECK(to_string(NotifyType::childless_ikev2_supported) == "CHILDLESS_IKEV2_SUPPORTED");
    CHECK(to_string(NotifyType::mobike_supported) == "MOBIKE_SUPPORTED");
    CHECK(transform_id_name(TransformType::encr, 20) == "ENCR_AES_GCM_16");
    CHECK(transform_id_name(TransformType::integ, 12) == "AUTH_HMAC_SHA2_256_128");
    CHECK(transform_id_name(TransformType::prf, 5) == "PRF_HMAC_SHA2_256");
    CHECK(transform_id_name(TransformType::ke, 31) == "CURVE_25519");
    CHECK(transform_id_name(TransformType::esn, 1) == "ESN");
    CHECK(to_string(IdType::der_asn1_dn) == "ID_DER_ASN1_DN");
    CHECK(to_string(TsType::ipv6_addr_range) == "TS_IPV6_ADDR_RANGE");
    CHECK(to_string(CfgType::reply) == "CFG_REPLY");
    CHECK(to_string(AuthMethod::digital_signature) == "DIGITAL_SIGNATURE");
    CHECK(to_string(static_cast<NotifyType>(12345)).empty());
}

TEST_CASE("fmt prints enum names, and the number for unnamed values", "[wire][format]") {
    CHECK(fmt::format("{}", ExchangeType::informational) == "INFORMATIONAL");
    CHECK(fmt::format("{}", static_cast<ExchangeType>(99)) == "99");
    CHECK(fmt::format("{}", NotifyType::cookie) == "COOKIE");
    CHECK(fmt::format("{}", DecodeRule::nonce_length) == "nonce not 16 to 256 bytes");
}

TEST_CASE("every notify type in the enum has a name", "[wire][format]") {
    for (unsigned v = 0; v < 65536; ++v) {
        const auto t = static_cast<NotifyType>(v);
        const auto name = to_string(t);
        if (!name.empty()) CHECK(name.find(' ') == std::string_view::npos);
    }
    for (unsigned v = 0; v < 256; ++v) {
        const auto r = static_cast<DecodeRule>(v);
        if (v <= static_cast<unsigned>(DecodeRule::skf_next_payload)) CHECK(describe(r) != "unknown rule");
    }
}
