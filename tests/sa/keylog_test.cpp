// Wireshark key logs (issue 6 item 6): the ikev2_decryption_table and esp_sa UAT lines built
// from the events of a real handshake.
#include <catch2/catch.hpp>

#include "ike/keylog.hpp"
#include "scenario.hpp"

using namespace ike;
using namespace ike::test;

TEST_CASE("key log: IKE SA keys in ikev2_decryption_table format, child SA keys in esp_sa format") {
    Mesh m;
    const auto keys = [](Config& c) { c.export_keys = true; };
    auto& a = m.add(1, keys);
    auto& b = m.add(2);
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<ChildSaUp>(a) == 1 && count<ChildSaUp>(b) == 1; }, Duration{60000}));
    CHECK(count<IkeKeysExported>(b) == 0);  // off by default
    REQUIRE(count<IkeKeysExported>(a) == 1);
    const auto k = events_of<IkeKeysExported>(a).front();
    const auto line = ikev2_decryption_table_line(k);
    // 16 hex SPIi, 16 hex SPIr, 36-octet AES-256-GCM keys with salt (72 hex each), empty SK_a.
    CHECK(line.size() == 16 + 1 + 16 + 1 + 72 + 1 + 72 + 1 + 41 + 1 + 0 + 1 + 0 + 1 + 16);
    CHECK(line.find(",\"AES-GCM-256 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"") != std::string::npos);
    const auto up = events_of<ChildSaUp>(a).front();
    const auto esp = esp_sa_line(up.outbound);
    char spi[16];
    std::snprintf(spi, sizeof spi, "0x%08x", up.outbound.spi);
    CHECK(esp.rfind("\"IPv4\",\"192.0.2.1\",\"192.0.2.2\",\"" + std::string(spi) +
                        "\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x",
                    0) == 0);
    CHECK(esp.find("\",\"NULL\",\"\"") != std::string::npos);
    CHECK(esp_sa_lines(up).size() == 2 * esp.size() + 2);
}

TEST_CASE("key log: the ikev2_decryption_table reader reads back what the writer wrote") {
    Mesh m;
    auto& a = m.add(1, [](Config& c) { c.export_keys = true; });
    m.add(2);
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<IkeKeysExported>(a) == 1; }, Duration{60000}));
    const auto k = events_of<IkeKeysExported>(a).front();
    const auto table = parse_ikev2_decryption_table("# a comment\n\n" + ikev2_decryption_table_line(k) + "\r\n");
    REQUIRE(table);
    REQUIRE(table->size() == 1);
    const auto& r = table->front();
    std::uint64_t spi_i = 0, spi_r = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        spi_i = spi_i << 8 | k.spi_i[i];
        spi_r = spi_r << 8 | k.spi_r[i];
    }
    CHECK(r.spi_i == spi_i);
    CHECK(r.spi_r == spi_r);
    CHECK(r.suite.encr == k.suite.sk.encr);
    CHECK(r.suite.key_bits == k.suite.sk.key_bits);
    CHECK(r.suite.integ == k.suite.sk.integ);
    CHECK(r.sk_ei == k.sk_ei);
    CHECK(r.sk_er == k.sk_er);
    CHECK(r.sk_ai.empty());
    CHECK(r.sk_ar.empty());
}

TEST_CASE("key log: the reader takes Wireshark's quoted lines and names what is wrong in a bad one") {
    const auto cbc = parse_ikev2_decryption_table_line(
        "\"0102030405060708\",\"1112131415161718\",\"00112233445566778899aabbccddeeff\",\"ffeeddccbbaa99887766554433221100\","
        "\"AES-CBC-128 [RFC3602]\",\"0101\",\"0202\",\"HMAC_SHA2_256_128 [RFC4868]\"");
    REQUIRE(cbc);
    CHECK(cbc->spi_i == 0x0102030405060708u);
    CHECK(cbc->spi_r == 0x1112131415161718u);
    CHECK(cbc->suite.encr == crypto::EncrId::AesCbc);
    CHECK(cbc->suite.key_bits == 128);
    CHECK(cbc->suite.integ == crypto::IntegId::HmacSha2_256_128);
    CHECK(cbc->sk_ei.size() == 16);
    CHECK(cbc->sk_ar == crypto::SecureBytes{2, 2});
    const auto chacha =
        parse_ikev2_decryption_table_line("0102030405060708,1112131415161718,00,11,\"CHACHA20-POLY1305 [RFC7634]\",,,\"NONE [RFC4306]\"");
    REQUIRE(chacha);
    CHECK(chacha->suite.encr == crypto::EncrId::ChaCha20Poly1305);

    const auto fields = parse_ikev2_decryption_table_line("0102030405060708,1112131415161718");
    REQUIRE_FALSE(fields);
    CHECK(fields.error() == "expected 8 comma-separated fields, found 2");
    const auto spi = parse_ikev2_decryption_table_line("01020304,1112131415161718,00,11,\"NULL\",,,\"NONE [RFC4306]\"");
    REQUIRE_FALSE(spi);
    CHECK(spi.error() == "SPIi is not 16 hex digits");
    const auto key = parse_ikev2_decryption_table_line(
        "0102030405060708,1112131415161718,0g,11,\"CHACHA20-POLY1305 [RFC7634]\",,,\"NONE [RFC4306]\"");
    REQUIRE_FALSE(key);
    CHECK(key.error() == "SK_ei is not hex");
    const auto encr = parse_ikev2_decryption_table_line(
        "0102030405060708,1112131415161718,00,11,\"3DES [RFC2451]\",,,\"NONE [RFC4306]\"");
    REQUIRE_FALSE(encr);
    CHECK(encr.error() == "unknown encryption algorithm \"3DES [RFC2451]\"");
    const auto table = parse_ikev2_decryption_table("# keys\n\nbad line\n");
    REQUIRE_FALSE(table);
    CHECK(table.error() == "line 3: expected 8 comma-separated fields, found 1");
}

TEST_CASE("key log: the IKE keys come right after IKE_SA_INIT, so a failing IKE_AUTH can be decrypted") {
    Mesh m;
    const auto keys = [](Config& c) { c.export_keys = true; };
    sim::CertSpec revoked;
    revoked.serial = {0x42};
    auto& a = m.add(1, keys, revoked);
    const auto crl = m.ca.crl({{0x42}});
    auto& b = m.add(2, [&](Config& c) {
        keys(c);
        c.revocation.crls = {crl};
    });
    m.initiate(1, 2);
    REQUIRE(m.net.run_until([&] { return count<IkeSaDown>(a) == 1 && count<AuthFailed>(b) == 1; }, Duration{60000}));
    CHECK(count<IkeSaUp>(a) + count<IkeSaUp>(b) == 0);
    REQUIRE(count<IkeKeysExported>(a) == 1);
    REQUIRE(count<IkeKeysExported>(b) == 1);
    CHECK(same_ike_keys(events_of<IkeKeysExported>(a).front(), events_of<IkeKeysExported>(b).front()));
    // Before anything of IKE_AUTH: the first event of the responder.
    CHECK(std::holds_alternative<IkeKeysExported>(b.events.front()));
}
