// RFC 7296 §3.1: the IKE header.
#include "test_util.hpp"

using namespace ike::wire;
using namespace ike::wire::test;

TEST_CASE("RFC 7296 3.1: header fields decode and re-encode", "[wire][header]") {
    const Bytes b = hex("0102030405060708 1112131415161718 00 20 25 28 00000007 0000001c");
    auto m = decode(b);
    REQUIRE(m);
    CHECK(m->header.spi_i == 0x0102030405060708ULL);
    CHECK(m->header.spi_r == 0x1112131415161718ULL);
    CHECK(m->header.major_version == 2);
    CHECK(m->header.minor_version == 0);
    CHECK(m->header.exchange == ExchangeType::informational);
    CHECK(m->header.response);
    CHECK(m->header.initiator);
    CHECK_FALSE(m->header.version);
    CHECK(m->header.message_id == 7);
    CHECK(m->payloads.empty());
    CHECK(encode(*m) == b);

    auto h = decode_header(b);
    REQUIRE(h);
    CHECK(h->next_payload == PayloadType::none);
    CHECK(h->length == 28);
}

TEST_CASE("RFC 7296 3.1: V flag and minor version are kept", "[wire][header]") {
    const Bytes b = hex("0102030405060708 0000000000000000 00 21 22 10 00000000 0000001c");
    auto m = decode(b);
    REQUIRE(m);
    CHECK(m->header.version);
    CHECK_FALSE(m->header.initiator);
    CHECK(m->header.minor_version == 1);
    CHECK(encode(*m) == b);
}

TEST_CASE("RFC 7296 3.1: a message shorter than the header is dropped", "[wire][header]") {
    const auto e = decode_error(hex("0102030405060708 0000000000000000 00 20 22 08 00000000 0000"));
    CHECK(e.rule == DecodeRule::message_too_short);
    CHECK(e.reaction == Reaction::drop);
}

TEST_CASE("RFC 7296 3.1: Length must equal the datagram size", "[wire][header]") {
    Bytes b = message(0, {});
    b.push_back(0);
    auto e = decode_error(b);
    CHECK(e.rule == DecodeRule::length_mismatch);
    CHECK(e.offset == 24);
    b = message(0, {});
    b[27] = 29;
    CHECK(decode_error(b).rule == DecodeRule::length_mismatch);
}

TEST_CASE("RFC 7296 3.1: major version above 2 yields INVALID_MAJOR_VERSION", "[wire][header]") {
    Bytes b = message(0, {});
    b[17] = 0x30;
    const auto e = decode_error(b);
    CHECK(e.rule == DecodeRule::invalid_major_version);
    CHECK(e.reaction == Reaction::notify);
    CHECK(e.notify == NotifyType::invalid_major_version);
    CHECK(e.offset == 17);
}

TEST_CASE("RFC 7296 3.1: IKEv1 (major version 1) is dropped", "[wire][header]") {
    Bytes b = message(0, {});
    b[17] = 0x10;
    const auto e = decode_error(b);
    CHECK(e.rule == DecodeRule::ikev1_version);
    CHECK(e.reaction == Reaction::drop);
}

TEST_CASE("RFC 7296 3.1: the initiator SPI must not be zero", "[wire][header]") {
    Bytes b = message(0, {});
    std::fill(b.begin(), b.begin() + 8, 0);
    CHECK(decode_error(b).rule == DecodeRule::zero_initiator_spi);
}

TEST_CASE("RFC 3948 2.2: the non-ESP marker is stripped, ESP and keepalives are not IKE",
          "[wire][header]") {
    const Bytes ike = cat({hex("00000000"), message(0, {})});
    auto s = strip_non_esp_marker(ike);
    REQUIRE(s);
    CHECK(s->size() == 28);
    CHECK(decode(*s));
    CHECK_FALSE(strip_non_esp_marker(hex("00000001 0102")));
    CHECK_FALSE(strip_non_esp_marker(hex("ff")));
}
