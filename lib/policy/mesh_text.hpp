// The fields of the mesh's text files (docs/FORMATS.md): DNS names, IP addresses, subnets in
// CIDR form (a network, never a host inside it), UTC timestamps, hex. Shared by the directory and
// blocklist parsers and by meshca, so that what meshca writes is exactly what meshd reads.
#pragma once

#include "ike/expected.hpp"
#include "ike/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ike::policy {

// RFC 1035 §2.3.1 / RFC 1123 §2.1 host name: labels of letters, digits and '-' (not at either
// end), 1..63 octets each, 253 at most, no trailing dot; the last label not all digits (so an
// IPv4 address is not a name).
bool is_dns_name(std::string_view name);
std::string lower_case(std::string_view s);

// "10.0.1.0/24", "2001:db8:1::/48": the prefix length is required and the host bits must be
// zero. The error says what is wrong ("10.0.1.5/24 is not a network (10.0.1.0/24 is)").
Expected<TrafficSelector, std::string> parse_subnet(std::string_view text);
// The CIDR form of a selector that is one prefix (any protocol and port); "a-b" otherwise.
std::string format_subnet(const TrafficSelector& ts);
// Whether two address ranges share an address.
bool overlaps(const TrafficSelector& a, const TrafficSelector& b);

// IPv4 dotted quad or IPv6 text (inet_pton), no port, no prefix.
std::optional<IpAddress> parse_address(std::string_view text);
std::string format_address(const IpAddress& a);  // IPv6 compressed (RFC 5952)

// "2027-01-05T00:00:00Z" exactly (RFC 3339, UTC, no fraction).
std::optional<Time> parse_utc_time(std::string_view text);
std::string format_utc_time(Time t);

// Lower-case hex, and its strict inverse (even length, case-insensitive).
std::string to_hex(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text);

// The file's lines ('\n' separated; a last line without '\n' counts), numbered from 1.
struct TextLine {
    std::size_t number;
    std::string_view text;
};
std::vector<TextLine> split_lines(std::string_view text);
// Tokens separated by single spaces; nullopt for empty tokens (double or edge spaces, tabs).
std::optional<std::vector<std::string_view>> split_tokens(std::string_view line);

}  // namespace ike::policy
