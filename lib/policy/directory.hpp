// The signed directory (docs/FORMATS.md §2): which node serves which subnets at which endpoints,
// signed by the mesh CA so that it may travel over any channel. The parser refuses a changed
// byte, another CA's signature, an expired file and an older serial than one already accepted
// (rollback); meshd persists that serial. The writer half is for meshca.
#pragma once

#include "ike/expected.hpp"
#include "ike/types.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ike::policy {

struct DirectoryNode {
    std::string name;                  // a DNS name: the node's certificate SAN
    std::vector<IpAddress> endpoints;  // empty: "-", reached back through tunnels it initiates
    TrafficSelectors subnets;          // each one prefix; none overlaps another node's
};

struct Directory {
    std::uint64_t serial = 0;
    Time expires;
    std::vector<DirectoryNode> nodes;
};

enum class DirectoryError { malformed, bad_signature, expired, rollback };
std::string_view to_string(DirectoryError e) noexcept;

struct DirectoryFailure {
    DirectoryError error;
    std::string detail;  // "line N: ..." where a line is at fault
};

// min_serial: the highest serial accepted before (persisted by meshd); a lower serial is
// rollback, the same serial is accepted (a reload of the same file). Checks, in order: the
// format of the first line and the signature line (malformed), the signature with the CA
// certificate's key (bad_signature), the signed lines (malformed), expiry against `now`
// (expired: now is past `expires`), then the serial (rollback).
Expected<Directory, DirectoryFailure> parse_signed_directory(std::span<const std::uint8_t> file,
                                                             std::span<const std::uint8_t> ca_certificate_der,
                                                             std::uint64_t min_serial, Time now);

// meshca's input: `node` lines, comments ('#' first) and blank lines. Names are lower-cased.
Expected<std::vector<DirectoryNode>, DirectoryFailure> parse_directory_input(std::string_view text);

// The signed part of the file (every line before "signature"), each line ending in '\n'.
std::string format_directory_body(const Directory& directory);
// The last line: "signature <base64>\n".
std::string format_directory_signature(std::span<const std::uint8_t> signature);
// One `node` line without its '\n'.
std::string format_directory_node(const DirectoryNode& node);

}  // namespace ike::policy
