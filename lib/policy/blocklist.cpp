// The blocklist parser: every line is one entry or a comment; any other line refuses the file
// (a typo must not silently unblock a peer).
#include "policy/blocklist.hpp"

#include "policy/mesh_text.hpp"

#include <algorithm>

namespace ike::policy {
namespace {

BlocklistFailure fail(std::size_t line, std::string what) {
    return BlocklistFailure{line, "line " + std::to_string(line) + ": " + std::move(what)};
}

std::optional<std::array<std::uint8_t, 32>> parse_sha256(std::string_view hex) {
    if (hex.size() != 64) return std::nullopt;
    const auto bytes = from_hex(hex);
    if (!bytes) return std::nullopt;
    std::array<std::uint8_t, 32> out{};
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return out;
}

// A serial in hex, any case, leading zeros allowed: kept as its magnitude without leading zeros
// (Certificate::serial()'s form). Zero is not a serial a CA issues (RFC 5280 §4.1.2.2).
std::optional<std::vector<std::uint8_t>> parse_serial(std::string_view hex) {
    if (hex.empty() || hex.size() > 40) return std::nullopt;  // at most 20 octets
    std::string even(hex.size() % 2, '0');
    even += hex;
    auto bytes = from_hex(even);
    if (!bytes) return std::nullopt;
    const auto first = std::find_if(bytes->begin(), bytes->end(), [](std::uint8_t b) { return b != 0; });
    if (first == bytes->end()) return std::nullopt;
    bytes->erase(bytes->begin(), first);
    return bytes;
}

}  // namespace

void Blocklist::apply_to(RevocationPolicy& policy) const {
    policy.blocked_spki_sha256 = spki_sha256;
    policy.blocked_serials = serials;
    policy.blocked_names = names;
}

Expected<Blocklist, BlocklistFailure> parse_blocklist(std::string_view text) {
    Blocklist b;
    for (const auto& line : split_lines(text)) {
        if (line.text.empty() || line.text[0] == '#' ||
            line.text.find_first_not_of(" \t\r") == std::string_view::npos)
            continue;
        const auto tokens = split_tokens(line.text);
        if (!tokens) return unexpected(fail(line.number, "tokens must be separated by single spaces"));
        const auto& t = *tokens;
        if (t[0] == "spki-sha256") {
            const auto h = t.size() == 2 ? parse_sha256(t[1]) : std::nullopt;
            if (!h) return unexpected(fail(line.number, "expected 'spki-sha256 <64 hex digits>'"));
            b.spki_sha256.push_back(*h);
        } else if (t[0] == "serial") {
            if (t.size() != 4 || t[2] != "issuer")
                return unexpected(fail(line.number, "expected 'serial <hex> issuer <64 hex digits>'"));
            auto serial = parse_serial(t[1]);
            if (!serial) return unexpected(fail(line.number, "serial '" + std::string(t[1]) + "' is not a non-zero hex number"));
            const auto issuer = parse_sha256(t[3]);
            if (!issuer) return unexpected(fail(line.number, "issuer must be 64 hex digits (SHA-256 of the issuer Name DER)"));
            RevocationPolicy::IssuerSerial is;
            is.serial = std::move(*serial);
            is.issuer_dn_sha256 = *issuer;
            b.serials.push_back(std::move(is));
        } else if (t[0] == "name") {
            if (t.size() != 2 || !is_dns_name(t[1]))
                return unexpected(fail(line.number, "expected 'name <DNS name>'"));
            b.names.push_back(lower_case(t[1]));
        } else {
            return unexpected(fail(line.number, "unknown entry '" + std::string(t[0]) +
                                                    "' (spki-sha256, serial or name)"));
        }
    }
    return b;
}

std::string blocklist_spki_line(std::span<const std::uint8_t> spki_sha256) {
    return "spki-sha256 " + to_hex(spki_sha256);
}

std::string blocklist_serial_line(std::span<const std::uint8_t> serial,
                                  std::span<const std::uint8_t> issuer_dn_sha256) {
    return "serial " + to_hex(serial) + " issuer " + to_hex(issuer_dn_sha256);
}

}  // namespace ike::policy
