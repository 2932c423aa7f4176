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
