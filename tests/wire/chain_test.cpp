// RFC 7296 §3.2 (generic payload header, critical bit), §2.5 (unknown payloads) and §3.14
// (SK is the last payload): the length pass and payload chaining.
#include "test_util.hpp"

using namespace ike::wire;
using namespace ike::wire::test;

namespace {
const Bytes vendor_body = hex("deadbeef");
}

TEST_CASE("RFC 7296 3.2: payloads chain through Next Payload", "[wire][chain]") {
    const Bytes b = message(43, cat({payload(43, vendor_body), payload(0, hex("cafe"))}));
    auto m = decode(b);
    REQUIRE(m);
    REQUIRE(m->payloads.size() == 2);
    CHECK(std::get<VendorId>(m->payloads[1]).id == hex("cafe"));
    CHECK(encode(*m) == b);
}

TEST_CASE("RFC 7296 3.2: a truncated generic payload header is INVALID_SYNTAX", "[wire][chain]") {
    const auto e = decode_error(message(43, hex("0000")));
    CHECK(e.rule == DecodeRule::payload_header_truncated);
    CHECK(e.offset == 28);
    CHECK(e.notify == NotifyType::invalid_syntax);
    CHECK(e.reaction == Reaction::notify);
}

TEST_CASE("RFC 7296 3.2: payload length below 4 is INVALID_SYNTAX", "[wire][chain]") {
    const auto e = decode_error(message(43, hex("00000003")));
    CHECK(e.rule == DecodeRule::payload_length_too_small);
    CHECK(e.offset == 30);
}

TEST_CASE("RFC 7296 3.2: payload length past the message end is INVALID_SYNTAX", "[wire][chain]") {
    const auto e = decode_error(message(43, hex("00000009 deadbeef")));
    CHECK(e.rule == DecodeRule::payload_length_overflow);
    CHECK(e.payload == PayloadType::vendor_id);
}

TEST_CASE("RFC 7296 3.2: bytes after the last payload are INVALID_SYNTAX", "[wire][chain]") {
    auto e = decode_error(message(43, cat({payload(0, vendor_body), hex("00")})));
    CHECK(e.rule == DecodeRule::trailing_bytes);
    CHECK(e.offset == 36);
    e = decode_error(message(0, hex("00000004")));
    CHECK(e.rule == DecodeRule::trailing_bytes);
}

TEST_CASE("RFC 7296 3.2: a chain that names a payload missing at the end is INVALID_SYNTAX",
          "[wire][chain]") {
    const auto e = decode_error(message(43, payload(43, vendor_body)));
    CHECK(e.rule == DecodeRule::payload_header_truncated);
}

TEST_CASE("RFC 7296 2.5: an unknown non-critical payload is skipped and kept", "[wire][chain]") {
    const Bytes b = message(43, cat({payload(200, vendor_body), payload(0, hex("0102"))}));
    auto m = decode(b);
    REQUIRE(m);
    REQUIRE(m->payloads.size() == 2);
    const auto& u = std::get<UnknownPayload>(m->payloads[1]);
    CHECK(raw(u.type) == 200);
    CHECK(u.body == hex("0102"));
    CHECK_FALSE(u.critical);
    CHECK(encode(*m) == b);
}

TEST_CASE("RFC 7296 2.5/3.2: an unknown critical payload yields UNSUPPORTED_CRITICAL_PAYLOAD",
          "[wire][chain]") {
    const auto e = decode_error(message(43, cat({payload(200, vendor_body), payload(0, hex("0102"), true)})));
    CHECK(e.rule == DecodeRule::unsupported_critical_payload);
    CHECK(e.notify == NotifyType::unsupported_critical_payload);
    CHECK(e.notify_data == 200);
    CHECK(e.payload == static_cast<PayloadType>(200));
    CHECK(e.offset == 36);
}

TEST_CASE("RFC 7296 2.5: the critical-payload answer takes precedence over later syntax errors",
          "[wire][chain]") {
    // An unknown critical payload followed by a malformed Nonce (3 bytes).
    const auto e = decode_error(message(201, cat({payload(40, hex("00"), true), payload(0, hex("010203"))})));
    CHECK(e.rule == DecodeRule::unsupported_critical_payload);
    CHECK(e.notify_data == 201);
}

TEST_CASE("RFC 7296 3.2: the critical bit on a known payload is kept and ignored", "[wire][chain]") {
    const auto v = decode_single<VendorId>(single(43, vendor_body, true));
    CHECK(v.critical);
    CHECK(v.id == vendor_body);
}

TEST_CASE("RFC 7296 3.2: reserved bits of the generic header are ignored on receipt",
          "[wire][chain]") {
    Bytes b = single(43, vendor_body);
    b[29] = 0x01;
    auto m = decode(b);
    REQUIRE(m);
    CHECK_FALSE(std::get<VendorId>(m->payloads[0]).critical);
    b[29] = 0x00;
    CHECK(encode(*m) == b);  // and sent as zero
}

TEST_CASE("RFC 7296 3.14: SK is the last payload and names its first inner payload", "[wire][chain]") {
    const Bytes body = hex("00112233445566778899aabbccddeeff 0102030405060708");
    const Bytes b = message(46, payload(35, body), 35);
    auto m = decode(b);
    REQUIRE(m);
    const auto& sk = std::get<Encrypted>(m->payloads[0]);
    CHECK(sk.first_inner == PayloadType::id_i);
    CHECK(sk.body == body);
    CHECK(encode(*m) == b);

    const auto e = decode_error(message(46, cat({payload(35, body), payload(0, vendor_body)}), 35));
    CHECK(e.rule == DecodeRule::encrypted_not_last);
    CHECK(e.offset == 28 + 4 + body.size());
}

TEST_CASE("RFC 7296 3.14: payloads may precede SK", "[wire][chain]") {
    const Bytes b = message(43, cat({payload(46, vendor_body), payload(41, hex("00112233"))}), 35);
    auto m = decode(b);
    REQUIRE(m);
    REQUIRE(m->payloads.size() == 2);
    CHECK(std::get<Encrypted>(m->payloads[1]).first_inner == PayloadType::notify);
    CHECK(encode(*m) == b);
}

TEST_CASE("RFC 7296 3.14: decode_inner reads a decrypted SK body — nested SK is refused",
          "[wire][chain]") {
    const Bytes nonce = Bytes(16, 0xaa);
    const Bytes plain = cat({payload(40, hex("02000000 6e6f6465")), payload(0, nonce)});
    auto inner = decode_inner(PayloadType::id_i, plain);
    REQUIRE(inner);
    REQUIRE(inner->size() == 2);
    const auto& id = std::get<IdInitiator>((*inner)[0]);
    CHECK(id.type == IdType::fqdn);
    CHECK(std::get<NoncePayload>((*inner)[1]).nonce.bytes() == nonce);
    const auto enc = encode_inner(*inner);
    CHECK(enc.first == PayloadType::id_i);
    CHECK(enc.bytes == plain);

    auto e = decode_inner(PayloadType::sk, payload(0, hex("00")));
    REQUIRE_FALSE(e);
    CHECK(e.error().rule == DecodeRule::nested_encrypted);
    CHECK(e.error().offset == 0);
    e = decode_inner(PayloadType::vendor_id, payload(53, vendor_body));
    REQUIRE_FALSE(e);
    CHECK(e.error().rule == DecodeRule::payload_header_truncated);
    CHECK(e.error().offset == 8);
    CHECK(decode_inner(PayloadType::none, {}));
}

TEST_CASE("RFC 5282 5.1 / RFC 7383 2.5.3: the associated data ends with the SK/SKF header",
          "[wire][chain]") {
    const Bytes body = hex("00112233445566778899aabbccddeeff");
    const Bytes sk = message(43, cat({payload(46, vendor_body), payload(41, body)}), 35);
    auto m = decode(sk);
    REQUIRE(m);
    auto spans = encrypted_spans(sk, *m);
    REQUIRE(spans);
    CHECK(spans->aad.size() == 28 + 8 + 4);
    CHECK(Bytes(spans->body.begin(), spans->body.end()) == body);

    const Bytes skf = message(53, payload(0, cat({hex("0002 0002"), body})), 35);
    m = decode(skf);
    REQUIRE(m);
    spans = encrypted_spans(skf, *m);
    REQUIRE(spans);
    CHECK(spans->aad.size() == 28 + 8);
    CHECK(spans->body.size() == body.size());

    const Bytes plain = single(43, vendor_body);
    m = decode(plain);
    REQUIRE(m);
    CHECK_FALSE(encrypted_spans(plain, *m));
}
