// RFC 7296 §3.13 (TS), §3.14 (SK), §3.15 (CP), §3.16 (EAP) and RFC 7383 §2.5 (SKF).
#include "test_util.hpp"

using namespace ike::wire;
using namespace ike::wire::test;

namespace {
const Bytes ts_v4 = hex("07 00 0010 0000 ffff 0a000100 0a0001ff");
const Bytes ts_v6 = hex("08 06 0028 0050 0050 20010db8000000000000000000000000 20010db800000000ffffffffffffffff");
}  // namespace

TEST_CASE("RFC 7296 3.13: TSi and TSr with IPv4 and IPv6 ranges, both directions", "[wire][ts]") {
    const auto tsi = decode_single<TsInitiator>(single(44, cat({hex("02000000"), ts_v4, ts_v6})));
    REQUIRE(tsi.selectors.size() == 2);
    CHECK(tsi.selectors[0].type == TsType::ipv4_addr_range);
    CHECK(tsi.selectors[0].ip_protocol == 0);
    CHECK(tsi.selectors[0].start_port == 0);
    CHECK(tsi.selectors[0].end_port == 65535);
    CHECK(tsi.selectors[0].start_address == hex("0a000100"));
    CHECK(tsi.selectors[0].end_address == hex("0a0001ff"));
    CHECK(tsi.selectors[1].type == TsType::ipv6_addr_range);
    CHECK(tsi.selectors[1].ip_protocol == 6);
    CHECK(tsi.selectors[1].start_port == 80);
    const auto tsr = decode_single<TsResponder>(single(45, cat({hex("01000000"), ts_v4})));
    CHECK(tsr.selectors.size() == 1);
}

TEST_CASE("RFC 7296 3.13: Number of TSs must match the selectors present", "[wire][ts]") {
    CHECK(decode_error(single(44, cat({hex("02000000"), ts_v4}))).rule == DecodeRule::ts_count);
    CHECK(decode_error(single(44, cat({hex("01000000"), ts_v4, ts_v4}))).rule == DecodeRule::ts_count);
    CHECK(decode_error(single(44, hex("00000000"))).rule == DecodeRule::ts_count);
    CHECK(decode_error(single(44, hex("010000"))).rule == DecodeRule::body_truncated);
}

TEST_CASE("RFC 7296 3.13.1: selector length is 16 for IPv4 and 40 for IPv6", "[wire][ts]") {
    Bytes bad = ts_v4;
    bad[3] = 0x28;
    auto e = decode_error(single(44, cat({hex("01000000"), bad})));
    CHECK(e.rule == DecodeRule::ts_length);
    CHECK(e.offset == 32 + 4 + 2);
    bad = ts_v6;
    bad[3] = 0x10;
    CHECK(decode_error(single(44, cat({hex("01000000"), bad}))).rule == DecodeRule::ts_length);
    // Right length field, bytes missing.
    CHECK(decode_error(single(44, cat({hex("01000000"), hex("07 00 0010 0000 ffff 0a000100")}))).rule ==
          DecodeRule::ts_length);
    CHECK(decode_error(single(44, cat({hex("01000000"), hex("09 00 0010 0000 ffff 0a000100 0a0001ff")}))).rule ==
          DecodeRule::ts_type);
}

TEST_CASE("RFC 7296 3.15: CP request and reply with attributes, both directions", "[wire][cp]") {
    const auto req = decode_single<Configuration>(single(47, hex("01000000 0001 0000 0003 0000 0008 0000")));
    CHECK(req.type == CfgType::request);
    REQUIRE(req.attributes.size() == 3);
    CHECK(req.attributes[2].type == CfgAttributeType::internal_ip6_address);
    const auto rep = decode_single<Configuration>(single(47, hex("02000000 0001 0004 0a000002 000d 0008 0a000000ffffff00")));
    CHECK(rep.type == CfgType::reply);
    CHECK(rep.attributes[0].value == hex("0a000002"));
    CHECK(rep.attributes[1].type == CfgAttributeType::internal_ip4_subnet);
    for (const std::uint8_t t : {3, 4}) {
        const auto c = decode_single<Configuration>(single(47, Bytes{t, 0, 0, 0}));
        CHECK(raw(c.type) == t);
    }
    // Unknown attributes of any length are kept.
    const auto u = decode_single<Configuration>(single(47, hex("01000000 6000 0003 616263")));
    CHECK(raw(u.attributes[0].type) == 0x6000);
}

TEST_CASE("RFC 7296 3.15.1: configuration attribute lengths are checked", "[wire][cp]") {
    auto e = decode_error(single(47, hex("02000000 0001 0003 0a0000")));
    CHECK(e.rule == DecodeRule::cp_attribute_length);
    CHECK(e.offset == 32 + 4 + 2);
    CHECK(decode_error(single(47, hex("02000000 0008 0010 20010db8000000000000000000000001"))).rule ==
          DecodeRule::cp_attribute_length);
    CHECK(decode_error(single(47, hex("02000000 000a 0004 01020304"))).rule == DecodeRule::cp_attribute_length);
    CHECK(decode_error(single(47, hex("01000000 000e 0003 000100"))).rule == DecodeRule::cp_attribute_length);
    CHECK(decode_error(single(47, hex("02000000 0001 0004 0a00"))).rule == DecodeRule::cp_attribute_truncated);
    CHECK(decode_error(single(47, hex("02000000 0001 00"))).rule == DecodeRule::cp_attribute_truncated);
    CHECK(decode_error(single(47, hex("02"))).rule == DecodeRule::body_truncated);
}

TEST_CASE("RFC 7296 3.16: EAP payload with code, identifier and length checked", "[wire][eap]") {
    const auto e = decode_single<Eap>(single(48, hex("01 07 000a 01 616c696365")));
    CHECK(e.message.size() == 10);
    CHECK(decode_single<Eap>(single(48, hex("03 07 0004"))).message == hex("03070004"));
    auto err = decode_error(single(48, hex("01 07 000b 01 616c696365")));
    CHECK(err.rule == DecodeRule::eap_length);
    CHECK(err.offset == 34);
    CHECK(decode_error(single(48, hex("01 07 00"))).rule == DecodeRule::eap_too_short);
    CHECK(decode_error(single(48, hex("02 07 0004"))).rule == DecodeRule::eap_too_short);
}

TEST_CASE("RFC 7383 2.5: SKF fragment number and total, both directions", "[wire][skf]") {
    const Bytes first = message(53, payload(35, hex("0001 0003 aabbccdd")), 35);
    auto m = decode(first);
    REQUIRE(m);
    const auto& f = std::get<EncryptedFragment>(m->payloads[0]);
    CHECK(f.number == 1);
    CHECK(f.total == 3);
    CHECK(f.first_inner == PayloadType::id_i);
    CHECK(f.body == hex("aabbccdd"));
    CHECK(encode(*m) == first);
    const Bytes third = message(53, payload(0, hex("0003 0003 aabbccdd")), 35);
    const auto f3 = decode_single<EncryptedFragment>(third);
    CHECK(f3.number == 3);
    CHECK(f3.first_inner == PayloadType::none);
}

TEST_CASE("RFC 7383 2.5: fragment number is 1..total — only the first names an inner payload",
          "[wire][skf]") {
    CHECK(decode_error(message(53, payload(0, hex("0000 0003")), 35)).rule == DecodeRule::skf_fragment_number);
    CHECK(decode_error(message(53, payload(0, hex("0004 0003")), 35)).rule == DecodeRule::skf_fragment_number);
    CHECK(decode_error(message(53, payload(0, hex("0001 0000")), 35)).rule == DecodeRule::skf_fragment_number);
    const auto e = decode_error(message(53, payload(35, hex("0002 0003 00")), 35));
    CHECK(e.rule == DecodeRule::skf_next_payload);
    CHECK(e.offset == 28);
    CHECK(decode_error(message(53, payload(0, hex("0001")), 35)).rule == DecodeRule::body_truncated);
    CHECK(decode_error(message(53, cat({payload(0, hex("0001 0001")), hex("00")}), 35)).rule ==
          DecodeRule::encrypted_not_last);
}

TEST_CASE("RFC 7296 3.14: an empty SK body decodes (the crypto layer rejects it)", "[wire][sk]") {
    const auto sk = decode_single<Encrypted>(message(46, payload(0, {}), 37));
    CHECK(sk.body.empty());
    CHECK(sk.first_inner == PayloadType::none);
}
