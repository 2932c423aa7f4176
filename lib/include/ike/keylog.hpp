// Key logs for Wireshark, from the events an Endpoint emits with Config::export_keys:
//   IkeKeysExported -> one line of the "ikev2_decryption_table" UAT file (IKE SK payloads)
//   ChildSaUp       -> two lines of the "esp_sa" UAT file (one per direction)
// and the reader of the first format (for tools that decrypt captures: examples/ikedump).
// Both files live in Wireshark's personal configuration folder. The lines hold secret keys:
// write them only where the operator asked for them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ike/events.hpp"
#include "ike/expected.hpp"

namespace ike {

// SPIi,SPIr,SK_ei,SK_er,"<encryption>",SK_ai,SK_ar,"<integrity>" (hex; AEAD keys carry the salt).
std::string ikev2_decryption_table_line(const IkeKeysExported& keys);

// One IKE SA of an ikev2_decryption_table file: what decrypts its SK payloads.
struct IkeDecryptionKeys {
    std::uint64_t spi_i = 0, spi_r = 0;
    crypto::SkSuite suite{};
    crypto::SecureBytes sk_ei, sk_er, sk_ai, sk_ar;
};

// Reads one line as ikev2_decryption_table_line writes it, or as Wireshark saves it (every
// field quoted). The algorithm names are Wireshark's (plus "CHACHA20-POLY1305 [RFC7634]",
// which only our tools and tests/captures use). The error says which field is wrong.
Expected<IkeDecryptionKeys, std::string> parse_ikev2_decryption_table_line(std::string_view line);
// A whole file: blank lines and '#' comments skipped; the error names the line number.
Expected<std::vector<IkeDecryptionKeys>, std::string> parse_ikev2_decryption_table(std::string_view text);

// "IPv4","<src>","<dst>","0x<spi>","<encryption>","0x<key>","<authentication>","0x<key>"
std::string esp_sa_line(const EspSa& sa);
// Both directions of a child SA, inbound first, each line ending in '\n'.
std::string esp_sa_lines(const ChildSaUp& up);

}  // namespace ike
