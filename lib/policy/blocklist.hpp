// A node's own blocklist (docs/FORMATS.md §3): not signed, the node's administrator decides.
// One entry a line: the SHA-256 of a certificate's SubjectPublicKeyInfo, an issuer and serial,
// or a node name. The issuer is named by the SHA-256 of its Name DER (a DN does not fit on a
// line); RevocationPolicy::IssuerSerial carries that hash and authorize() matches it.
#pragma once

#include "ike/config.hpp"
#include "ike/expected.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ike::policy {

struct Blocklist {
    std::vector<std::array<std::uint8_t, 32>> spki_sha256;
    std::vector<RevocationPolicy::IssuerSerial> serials;  // issuer_dn empty, issuer_dn_sha256 set
    std::vector<std::string> names;                       // lower case

    // Replaces the policy's blocked_* fields with these entries.
    void apply_to(RevocationPolicy& policy) const;
};

struct BlocklistFailure {
    std::size_t line;    // 1-based
    std::string detail;  // "line N: ..."
};

//   spki-sha256 <64 hex digits>
//   serial <hex serial> issuer <64 hex digits>
//   name <DNS name>
// '#' starts a comment line; blank lines are ignored; tokens are separated by single spaces.
Expected<Blocklist, BlocklistFailure> parse_blocklist(std::string_view text);

// The lines that block a certificate, as `meshca fingerprint` prints them.
std::string blocklist_spki_line(std::span<const std::uint8_t> spki_sha256);
std::string blocklist_serial_line(std::span<const std::uint8_t> serial,
                                  std::span<const std::uint8_t> issuer_dn_sha256);

}  // namespace ike::policy
