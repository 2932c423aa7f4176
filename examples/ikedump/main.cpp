// ikedump: decode one IKEv2 datagram and print it field by field.
//   ikedump [--marker] [--keys TABLE] [FILE | -]
// FILE holds the raw datagram; with no FILE or "-", hex is read from stdin (whitespace and
// line breaks ignored). --marker strips a leading non-ESP marker (four zero bytes, UDP 4500).
// --keys decrypts the SK/SKF payload with a Wireshark ikev2_decryption_table (decrypt.hpp).
// Exit status: 0 decoded, 1 decode error or failed decryption, 2 usage or input error.
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "decrypt.hpp"
#include "ike/keylog.hpp"
#include "printer.hpp"
#include "wire/message.hpp"

namespace {

constexpr std::string_view usage =
    "usage: ikedump [--marker] [--keys TABLE] [FILE | -]\n"
    "  Decodes one IKEv2 message (RFC 7296) and prints every payload, field by field.\n"
    "  FILE      the raw datagram (e.g. a tests/captures/*/*.ike file)\n"
    "  - or none read the datagram as hex from stdin (whitespace is ignored)\n"
    "  --marker  strip a leading non-ESP marker (4 zero bytes, as on UDP port 4500)\n"
    "  --keys TABLE  decrypt the SK (or SKF) payload with the IKE SA keys of TABLE, a Wireshark\n"
    "            ikev2_decryption_table file, one line per IKE SA:\n"
    "              SPIi,SPIr,SK_ei,SK_er,\"encryption\",SK_ai,SK_ar,\"integrity\"\n"
    "            (hex; quoted fields allowed; Wireshark's algorithm names, e.g.\n"
    "            \"AES-GCM-256 with 16 octet ICV [RFC5282]\", plus \"CHACHA20-POLY1305 [RFC7634]\").\n"
    "            The sender's keys follow the Initiator flag (SK_ei/SK_ai if set, else\n"
    "            SK_er/SK_ar); the inner payloads print under \"Encrypted payloads (decrypted\n"
    "            with --keys)\"; an SKF fragment prints as its decrypted bytes. An IKE SA missing\n"
    "            from TABLE is reported; a failed ICV check exits with status 1.\n"
    "  --help    this text\n"
    "Exit status: 0 decoded, 1 decode error or failed decryption (ICV), 2 bad usage or\n"
    "unreadable input or TABLE.\n";

std::optional<ike::wire::Bytes> parse_hex(const std::string& text) {
    ike::wire::Bytes out;
    int hi = -1;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isspace(u)) continue;
        if (!std::isxdigit(u)) return std::nullopt;
        const int v = std::isdigit(u) ? c - '0' : std::tolower(u) - 'a' + 10;
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
            hi = -1;
        }
    }
    if (hi >= 0) return std::nullopt;
    return out;
}

std::optional<ike::wire::Bytes> read_input(const std::string& path) {
    if (path.empty() || path == "-") {
        const std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
        return parse_hex(text);
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return ike::wire::Bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::optional<std::string> read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
    bool marker = false;
    std::string path;
    std::optional<std::string> keys_path;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            fmt::print("{}", usage);
            return 0;
        }
        if (arg == "--marker") {
            marker = true;
        } else if (arg == "--keys") {
            if (i + 1 == argc) {
                fmt::print(stderr, "ikedump: --keys needs a file\n{}", usage);
                return 2;
            }
            keys_path = argv[++i];
        } else if (arg.size() > 1 && arg[0] == '-' && arg != "-") {
            fmt::print(stderr, "ikedump: unknown option {}\n{}", arg, usage);
            return 2;
        } else if (path.empty()) {
            path = arg;
        } else {
            fmt::print(stderr, "ikedump: one input only\n{}", usage);
            return 2;
        }
    }
    std::vector<ike::IkeDecryptionKeys> table;
    if (keys_path) {
        const auto text = read_text(*keys_path);
        if (!text) {
            fmt::print(stderr, "ikedump: cannot read {}\n", *keys_path);
            return 2;
        }
        auto rows = ike::parse_ikev2_decryption_table(*text);
        if (!rows) {
            fmt::print(stderr, "ikedump: {}: {}\n", *keys_path, rows.error());
            return 2;
        }
        table = std::move(*rows);
    }
    const auto input = read_input(path);
    if (!input) {
        fmt::print(stderr, "ikedump: cannot read {}\n", path.empty() || path == "-" ? "hex from stdin" : path);
        return 2;
    }
    std::span<const std::uint8_t> datagram = *input;
    if (marker) {
        if (const auto stripped = ike::wire::strip_non_esp_marker(datagram)) {
            fmt::print("Non-ESP marker: 00000000 (stripped)\n");
            datagram = *stripped;
        }
    }
    const auto m = ike::wire::decode(datagram);
    if (!m) {
        fmt::print("{}\n", ikedump::render_error(m.error()));
        return 1;
    }
    if (!keys_path || !ikedump::is_encrypted(*m)) {
        fmt::print("{}", ikedump::render(*m));
        return 0;
    }
    const auto decrypted = ikedump::render_decrypted(datagram, *m, table);
    fmt::print("{}{}", ikedump::render_outer(*m), decrypted.text);
    return decrypted.failed ? 1 : 0;
}
