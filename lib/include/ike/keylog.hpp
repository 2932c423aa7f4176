// Key logs for Wireshark, from the events an Endpoint emits with Config::export_keys:
//   IkeKeysExported -> one line of the "ikev2_decryption_table" UAT file (IKE SK payloads)
//   ChildSaUp       -> two lines of the "esp_sa" UAT file (one per direction)
// Both files live in Wireshark's personal configuration folder. The lines hold secret keys:
// write them only where the operator asked for them.
#pragma once

#include <string>

#include "ike/events.hpp"

namespace ike {

// SPIi,SPIr,SK_ei,SK_er,"<encryption>",SK_ai,SK_ar,"<integrity>" (hex; AEAD keys carry the salt).
std::string ikev2_decryption_table_line(const IkeKeysExported& keys);

// "IPv4","<src>","<dst>","0x<spi>","<encryption>","0x<key>","<authentication>","0x<key>"
std::string esp_sa_line(const EspSa& sa);
// Both directions of a child SA, inbound first, each line ending in '\n'.
std::string esp_sa_lines(const ChildSaUp& up);

}  // namespace ike
