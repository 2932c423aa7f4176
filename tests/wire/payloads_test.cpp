// RFC 7296 §3.4-§3.12: KE, IDi/IDr, CERT, CERTREQ, AUTH, Nonce, Notify, Delete, Vendor ID.
#include "test_util.hpp"

using namespace ike::wire;
using namespace ike::wire::test;

TEST_CASE("RFC 7296 3.4: KE payload, both directions", "[wire][payload]") {
    const auto ke = decode_single<KeyExchange>(single(34, hex("001f 0000 00112233445566778899")));
    CHECK(ke.group == KeGroup::curve25519);
    CHECK(ke.data == hex("00112233445566778899"));
    CHECK(decode_error(single(34, hex("001f00"))).rule == DecodeRule::body_truncated);
}

TEST_CASE("RFC 7296 3.5: IDi and IDr of every type, both directions", "[wire][payload]") {
    const auto fqdn = decode_single<IdInitiator>(single(35, hex("02000000 6e79632e6d657368")));
    CHECK(fqdn.type == IdType::fqdn);
    CHECK(fqdn.data == hex("6e79632e6d657368"));
    const auto v4 = decode_single<IdResponder>(single(36, hex("01000000 0a000001")));
    CHECK(v4.type == IdType::ipv4_addr);
    const auto v6 = decode_single<IdResponder>(single(36, hex("05000000 20010db8000000000000000000000001")));
    CHECK(v6.type == IdType::ipv6_addr);
    for (const auto t : {IdType::rfc822_addr, IdType::der_asn1_dn, IdType::der_asn1_gn,
                         IdType::key_id, IdType::null}) {
        const auto id = decode_single<IdInitiator>(single(35, cat({Bytes{raw(t), 0, 0, 0}, hex("3003")})));
        CHECK(id.type == t);
        CHECK(id.data == hex("3003"));
    }
    CHECK(decode_error(single(35, hex("020000"))).rule == DecodeRule::body_truncated);
}

TEST_CASE("RFC 7296 3.5: ID_IPV4_ADDR is 4 bytes and ID_IPV6_ADDR 16", "[wire][payload]") {
    auto e = decode_error(single(35, hex("01000000 0a0000")));
    CHECK(e.rule == DecodeRule::id_address_length);
    CHECK(e.offset == 36);
    CHECK(e.payload == PayloadType::id_i);
    e = decode_error(single(36, hex("05000000 0a000001")));
    CHECK(e.rule == DecodeRule::id_address_length);
    CHECK(e.payload == PayloadType::id_r);
}

TEST_CASE("RFC 7296 3.6: CERT payload, both directions", "[wire][payload]") {
    const auto c = decode_single<Certificate>(single(37, hex("04 308201")));
    CHECK(c.encoding == CertEncoding::x509_signature);
    CHECK(c.data == hex("308201"));
    const auto u = decode_single<Certificate>(single(37, hex("0c 00112233")));
    CHECK(u.encoding == CertEncoding::hash_url_x509_cert);
    CHECK(decode_error(single(37, {})).rule == DecodeRule::body_truncated);
}

TEST_CASE("RFC 7296 3.7: CERTREQ carries a list of 20-byte CA hashes", "[wire][payload]") {
    const Bytes h1(20, 0x11), h2(20, 0x22);
    const auto c = decode_single<CertificateRequest>(single(38, cat({hex("04"), h1, h2})));
    CHECK(c.encoding == CertEncoding::x509_signature);
    REQUIRE(c.authorities.size() == 2);
    CHECK(Bytes(c.authorities[1].begin(), c.authorities[1].end()) == h2);
    const auto empty = decode_single<CertificateRequest>(single(38, hex("04")));
    CHECK(empty.authorities.empty());
    const auto e = decode_error(single(38, cat({hex("04"), h1, hex("33")})));
    CHECK(e.rule == DecodeRule::certreq_hash_length);
    CHECK(decode_error(single(38, {})).rule == DecodeRule::body_truncated);
}

TEST_CASE("RFC 7296 3.8: AUTH payload, both directions", "[wire][payload]") {
    const auto a = decode_single<Authentication>(single(39, hex("0e000000 0102030405")));
    CHECK(a.method == AuthMethod::digital_signature);
    CHECK(a.data == hex("0102030405"));
    CHECK(decode_error(single(39, hex("02"))).rule == DecodeRule::body_truncated);
}

TEST_CASE("RFC 7296 3.9: Nonce holds 16 to 256 bytes, on decode and by construction",
          "[wire][payload]") {
    for (const std::size_t n : {16u, 32u, 256u}) {
        const auto p = decode_single<NoncePayload>(single(40, Bytes(n, 0x5a)));
        CHECK(p.nonce.bytes().size() == n);
    }
    for (const std::size_t n : {0u, 15u, 257u}) {
        const auto e = decode_error(single(40, Bytes(n, 0x5a)));
        CHECK(e.rule == DecodeRule::nonce_length);
        CHECK(e.notify == NotifyType::invalid_syntax);
        CHECK_FALSE(Nonce::make(Bytes(n, 1)));
    }
    CHECK(Nonce::make(Bytes(16, 1)));
    CHECK(Nonce::make(Bytes(256, 1)));
}

TEST_CASE("RFC 7296 3.10: Notify with and without SPI, both directions", "[wire][payload]") {
    const auto n = decode_single<Notify>(single(41, hex("00 00 4004 0102030405060708090a0b0c0d0e0f1011121314")));
    CHECK(n.type == NotifyType::nat_detection_source_ip);
    CHECK(n.protocol == ProtocolId::none);
    CHECK(n.spi.empty());
    CHECK(n.data.size() == 20);
    const auto r = decode_single<Notify>(single(41, hex("03 04 4009 c0ffee01")));
    CHECK(r.type == NotifyType::rekey_sa);
    CHECK(r.protocol == ProtocolId::esp);
    CHECK(r.spi == hex("c0ffee01"));
    CHECK(r.data.empty());
    CHECK(decode_error(single(41, hex("000040"))).rule == DecodeRule::body_truncated);
    CHECK(decode_error(single(41, hex("0308400901"))).rule == DecodeRule::body_truncated);
}

TEST_CASE("RFC 7296 3.10.1: unknown notify types are kept", "[wire][payload]") {
    const auto n = decode_single<Notify>(single(41, hex("00 00 abcd 99")));
    CHECK(raw(n.type) == 0xabcd);
    CHECK(n.data == hex("99"));
    CHECK_FALSE(is_error(n.type));
    CHECK(is_error(NotifyType::authentication_failed));
}

TEST_CASE("RFC 7296 3.10.1: notification data sizes fixed by the RFCs are checked", "[wire][payload]") {
    struct Case {
        NotifyType type;
        std::size_t good, bad;
    };
    for (const auto c : {Case{NotifyType::nat_detection_destination_ip, 20, 19},
                         Case{NotifyType::cookie, 64, 65}, Case{NotifyType::cookie, 1, 0},
                         Case{NotifyType::invalid_ke_payload, 2, 3},
                         Case{NotifyType::unsupported_critical_payload, 1, 0},
                         Case{NotifyType::set_window_size, 4, 2},
                         Case{NotifyType::signature_hash_algorithms, 8, 7}}) {
        const auto t = raw(c.type);
        const Bytes head{0, 0, static_cast<std::uint8_t>(t >> 8), static_cast<std::uint8_t>(t)};
        CHECK(decode_single<Notify>(single(41, cat({head, Bytes(c.good, 2)}))).type == c.type);
        const auto e = decode_error(single(41, cat({head, Bytes(c.bad, 2)})));
        CHECK(e.rule == DecodeRule::notify_data_length);
        CHECK(e.offset == 36);
    }
}

TEST_CASE("RFC 7296 3.11: Delete of ESP SPIs and of the IKE SA, both directions", "[wire][payload]") {
    const auto d = decode_single<Delete>(single(42, hex("03 04 0002 c0ffee01 c0ffee02")));
    CHECK(d.protocol == ProtocolId::esp);
    CHECK(d.spis == std::vector<std::uint32_t>{0xc0ffee01, 0xc0ffee02});
    const auto ike = decode_single<Delete>(single(42, hex("01 00 0000")));
    CHECK(ike.protocol == ProtocolId::ike);
    CHECK(ike.spis.empty());
    const auto ah = decode_single<Delete>(single(42, hex("02 04 0001 00000100")));
    CHECK(ah.protocol == ProtocolId::ah);
}

TEST_CASE("RFC 7296 3.11: Delete SPI size and # of SPIs are checked", "[wire][payload]") {
    CHECK(decode_error(single(42, hex("01 08 0000"))).rule == DecodeRule::delete_spi_size);
    CHECK(decode_error(single(42, hex("01 00 0001"))).rule == DecodeRule::delete_spi_count);
    CHECK(decode_error(single(42, hex("01 00 0000 00"))).rule == DecodeRule::delete_spi_count);
    CHECK(decode_error(single(42, hex("03 08 0001 0102030405060708"))).rule == DecodeRule::delete_spi_size);
    const auto e = decode_error(single(42, hex("03 04 0003 c0ffee01 c0ffee02")));
    CHECK(e.rule == DecodeRule::delete_spi_count);
    CHECK(e.offset == 34);
    CHECK(decode_error(single(42, hex("03 04 0001 c0ffee01 00"))).rule == DecodeRule::delete_spi_count);
    CHECK(decode_error(single(42, hex("00 00 0000"))).rule == DecodeRule::delete_protocol);
    CHECK(decode_error(single(42, hex("030400"))).rule == DecodeRule::body_truncated);
}

TEST_CASE("RFC 7296 3.12: Vendor ID, both directions", "[wire][payload]") {
    const auto v = decode_single<VendorId>(single(43, hex("882fe56d6fd20dbc2251613b2ebe5beb")));
    CHECK(v.id.size() == 16);
    CHECK(decode_single<VendorId>(single(43, {})).id.empty());
}
