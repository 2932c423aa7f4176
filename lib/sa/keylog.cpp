// Key export for Wireshark: the IkeKeysExported event and the UAT line formats (ike/keylog.hpp).
// Algorithm names are the strings of Wireshark's packet-isakmp.c and packet-ipsec.c tables.
#include "ike/keylog.hpp"

#include <array>
#include <cstdio>

#include "sa/tasks.hpp"

namespace ike {
namespace {

std::string hex(std::span<const std::uint8_t> b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(2 * b.size());
    for (const auto x : b) {
        s += digits[x >> 4];
        s += digits[x & 15];
    }
    return s;
}

std::string quoted(std::string_view s) {
    std::string out = "\"";
    out += s;
    out += '"';
    return out;
}

std::string ike_encr_name(const crypto::SkSuite& s) {
    const std::string bits = std::to_string(s.key_bits);
    switch (s.encr) {
        case crypto::EncrId::AesCbc: return "AES-CBC-" + bits + " [RFC3602]";
        case crypto::EncrId::AesGcm16: return "AES-GCM-" + bits + " with 16 octet ICV [RFC5282]";
        case crypto::EncrId::ChaCha20Poly1305: return "CHACHA20-POLY1305 [RFC7634]";  // not in every Wireshark
    }
    return "NULL [RFC2410]";
}

std::string_view ike_integ_name(crypto::IntegId id) {
    switch (id) {
        case crypto::IntegId::None: return "NONE [RFC4306]";
        case crypto::IntegId::HmacSha2_256_128: return "HMAC_SHA2_256_128 [RFC4868]";
        case crypto::IntegId::HmacSha2_384_192: return "HMAC_SHA2_384_192 [RFC4868]";
        case crypto::IntegId::HmacSha2_512_256: return "HMAC_SHA2_512_256 [RFC4868]";
    }
    return "NONE [RFC4306]";
}

std::string_view esp_encr_name(const crypto::EspSuite& s) {
    switch (s.encr) {
        case crypto::EncrId::AesCbc: return "AES-CBC [RFC3602]";
        case crypto::EncrId::AesGcm16: return "AES-GCM with 16 octet ICV [RFC4106]";
        case crypto::EncrId::ChaCha20Poly1305: return "ChaCha20-Poly1305 [RFC7634]";  // not in every Wireshark
    }
    return "NULL";
}

std::string_view esp_auth_name(crypto::IntegId id) {
    switch (id) {
        case crypto::IntegId::None: return "NULL";
        case crypto::IntegId::HmacSha2_256_128: return "HMAC-SHA-256-128 [RFC4868]";
        case crypto::IntegId::HmacSha2_384_192: return "HMAC-SHA-384-192 [RFC4868]";
        case crypto::IntegId::HmacSha2_512_256: return "HMAC-SHA-512-256 [RFC4868]";
    }
    return "NULL";
}

// Reading: a line or field without surrounding blanks; a field also without its quotes.
std::string_view trimmed(std::string_view f) {
    while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.remove_prefix(1);
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t' || f.back() == '\r')) f.remove_suffix(1);
    return f;
}

std::string_view unquoted(std::string_view f) {
    f = trimmed(f);
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
    return f;
}

std::optional<crypto::SecureBytes> unhex(std::string_view f) {
    if (f.size() >= 2 && f[0] == '0' && (f[1] == 'x' || f[1] == 'X')) f.remove_prefix(2);
    if (f.size() % 2) return std::nullopt;
    const auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    crypto::SecureBytes out;
    for (std::size_t i = 0; i < f.size(); i += 2) {
        const int hi = nibble(f[i]), lo = nibble(f[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return out;
}

// The inverse of ike_encr_name / ike_integ_name: the writer's names are the only ones read.
std::optional<crypto::SkSuite> encr_from_name(std::string_view name) {
    for (const auto encr : {crypto::EncrId::AesCbc, crypto::EncrId::AesGcm16})
        for (const std::uint16_t bits : {128, 192, 256}) {
            const crypto::SkSuite s{encr, bits, crypto::IntegId::None};
            if (ike_encr_name(s) == name) return s;
        }
    const crypto::SkSuite chacha{crypto::EncrId::ChaCha20Poly1305, 0, crypto::IntegId::None};
    if (ike_encr_name(chacha) == name) return chacha;
    return std::nullopt;
}

std::optional<crypto::IntegId> integ_from_name(std::string_view name) {
    for (const auto id : {crypto::IntegId::None, crypto::IntegId::HmacSha2_256_128, crypto::IntegId::HmacSha2_384_192,
                          crypto::IntegId::HmacSha2_512_256})
        if (ike_integ_name(id) == name) return id;
    return std::nullopt;
}

}  // namespace

Expected<IkeDecryptionKeys, std::string> parse_ikev2_decryption_table_line(std::string_view line) {
    std::array<std::string_view, 8> f;
    std::size_t n = 0;
    for (std::size_t start = 0;; ++n) {
        const auto comma = line.find(',', start);
        if (n < f.size()) f[n] = unquoted(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    if (++n != f.size()) return unexpected("expected 8 comma-separated fields, found " + std::to_string(n));
    IkeDecryptionKeys k;
    for (const auto& [index, spi] : {std::pair{0, &k.spi_i}, std::pair{1, &k.spi_r}}) {
        const auto b = unhex(f[index]);
        if (!b || b->size() != 8) return unexpected(std::string(index ? "SPIr" : "SPIi") + " is not 16 hex digits");
        for (const auto x : *b) *spi = *spi << 8 | x;
    }
    const std::array<std::pair<std::size_t, crypto::SecureBytes*>, 4> keys{
        {{2, &k.sk_ei}, {3, &k.sk_er}, {5, &k.sk_ai}, {6, &k.sk_ar}}};
    static constexpr std::array<const char*, 7> names{"", "", "SK_ei", "SK_er", "", "SK_ai", "SK_ar"};
    for (const auto& [index, key] : keys) {
        auto b = unhex(f[index]);
        if (!b) return unexpected(std::string(names[index]) + " is not hex");
        *key = std::move(*b);
    }
    const auto suite = encr_from_name(f[4]);
    if (!suite) return unexpected("unknown encryption algorithm \"" + std::string(f[4]) + "\"");
    const auto integ = integ_from_name(f[7]);
    if (!integ) return unexpected("unknown integrity algorithm \"" + std::string(f[7]) + "\"");
    k.suite = *suite;
    k.suite.integ = *integ;
    return k;
}

Expected<std::vector<IkeDecryptionKeys>, std::string> parse_ikev2_decryption_table(std::string_view text) {
    std::vector<IkeDecryptionKeys> out;
    std::size_t number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = trimmed(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        ++number;
        if (line.empty() || line.front() == '#') continue;
        auto k = parse_ikev2_decryption_table_line(line);
        if (!k) return unexpected("line " + std::to_string(number) + ": " + k.error());
        out.push_back(std::move(*k));
    }
    return out;
}

std::string ikev2_decryption_table_line(const IkeKeysExported& k) {
    std::string s = hex(k.spi_i);
    for (const auto& field : {hex(k.spi_r), hex(k.sk_ei), hex(k.sk_er), quoted(ike_encr_name(k.suite.sk)), hex(k.sk_ai),
                              hex(k.sk_ar), quoted(ike_integ_name(k.suite.sk.integ))}) {
        s += ',';
        s += field;
    }
    return s;
}

std::string esp_sa_line(const EspSa& sa) {
    char spi[16];
    std::snprintf(spi, sizeof spi, "0x%08x", sa.spi);
    const bool v4 = sa.source.ip.family == IpAddress::Family::v4;
    std::string s = quoted(v4 ? "IPv4" : "IPv6");
    for (const auto& field : {quoted(sa.source.ip.to_string()), quoted(sa.destination.ip.to_string()), quoted(spi),
                              quoted(esp_encr_name(sa.keys.suite)), quoted("0x" + hex(sa.keys.encr_key.bytes())),
                              quoted(esp_auth_name(sa.keys.suite.integ)),
                              quoted(sa.keys.integ_key.empty() ? "" : "0x" + hex(sa.keys.integ_key.bytes()))}) {
        s += ',';
        s += field;
    }
    return s;
}

std::string esp_sa_lines(const ChildSaUp& up) {
    std::string s = esp_sa_line(up.inbound);
    s += '\n';
    s += esp_sa_line(up.outbound);
    s += '\n';
    return s;
}

namespace sa {

void export_ike_keys(Context& ctx, const IkeSa& sa) {
    if (!ctx.config.export_keys || !sa.keys) return;
    IkeKeysExported e;
    e.ike = sa.id;
    for (std::size_t i = 0; i < 8; ++i) {
        e.spi_i[i] = static_cast<std::uint8_t>(sa.spi_i >> (56 - 8 * i));
        e.spi_r[i] = static_cast<std::uint8_t>(sa.spi_r >> (56 - 8 * i));
    }
    e.suite = sa.suite;
    const auto copy = [](const auto& secret) { return crypto::SecureBytes(secret.bytes().begin(), secret.bytes().end()); };
    e.sk_ei = copy(sa.keys->sk_ei);
    e.sk_er = copy(sa.keys->sk_er);
    e.sk_ai = copy(sa.keys->sk_ai);
    e.sk_ar = copy(sa.keys->sk_ar);
    ctx.emit(std::move(e));
}

}  // namespace sa
}  // namespace ike
