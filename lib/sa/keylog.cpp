// Key export for Wireshark: the IkeKeysExported event and the UAT line formats (ike/keylog.hpp).
// Algorithm names are the strings of Wireshark's packet-isakmp.c and packet-ipsec.c tables.
#include "ike/keylog.hpp"

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

}  // namespace

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
