// The value types of the public API (ike/types.hpp): addresses, selectors, identities.
#include "ike/types.hpp"
#include "wire/types.hpp"

#include <algorithm>
#include <cstdio>

namespace ike {
namespace {

std::size_t address_len(IpAddress::Family f) { return f == IpAddress::Family::v4 ? 4 : 16; }

std::optional<IpAddress> parse_v4(std::string_view text) {
    IpAddress a;
    unsigned part = 0, value = 0, digits = 0;
    for (const char c : text) {
        if (c == '.') {
            if (digits == 0 || part >= 3) return std::nullopt;
            a.bytes[part++] = static_cast<std::uint8_t>(value);
            value = digits = 0;
        } else if (c >= '0' && c <= '9') {
            value = value * 10 + static_cast<unsigned>(c - '0');
            if (++digits > 3 || value > 255) return std::nullopt;
        } else {
            return std::nullopt;
        }
    }
    if (digits == 0 || part != 3) return std::nullopt;
    a.bytes[3] = static_cast<std::uint8_t>(value);
    return a;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "a:b::c" (no embedded IPv4 form).
std::optional<IpAddress> parse_v6(std::string_view text) {
    std::vector<std::uint16_t> head, tail;
    bool gap = false;
    std::vector<std::uint16_t>* cur = &head;
    std::size_t i = 0;
    if (text.substr(0, 2) == "::") {
        gap = true;
        cur = &tail;
        i = 2;
    }
    while (i < text.size()) {
        unsigned v = 0, digits = 0;
        while (i < text.size() && hex_digit(text[i]) >= 0) {
            v = v * 16 + static_cast<unsigned>(hex_digit(text[i++]));
            if (++digits > 4) return std::nullopt;
        }
        if (digits == 0) return std::nullopt;
        cur->push_back(static_cast<std::uint16_t>(v));
        if (i == text.size()) break;
        if (text[i] != ':') return std::nullopt;
        ++i;
        if (i < text.size() && text[i] == ':') {
            if (gap) return std::nullopt;
            gap = true;
            cur = &tail;
            ++i;
        } else if (i == text.size()) {
            return std::nullopt;
        }
    }
    const std::size_t n = head.size() + tail.size();
    if ((gap && n > 7) || (!gap && n != 8)) return std::nullopt;
    IpAddress a;
    a.family = IpAddress::Family::v6;
    std::vector<std::uint16_t> all = head;
    all.resize(8 - tail.size(), 0);
    all.insert(all.end(), tail.begin(), tail.end());
    for (std::size_t k = 0; k < 8; ++k) {
        a.bytes[2 * k] = static_cast<std::uint8_t>(all[k] >> 8);
        a.bytes[2 * k + 1] = static_cast<std::uint8_t>(all[k]);
    }
    return a;
}

}  // namespace

IpAddress IpAddress::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddress r;
    r.bytes[0] = a;
    r.bytes[1] = b;
    r.bytes[2] = c;
    r.bytes[3] = d;
    return r;
}

std::optional<IpAddress> IpAddress::from_bytes(std::span<const std::uint8_t> raw) {
    if (raw.size() != 4 && raw.size() != 16) return std::nullopt;
    IpAddress a;
    a.family = raw.size() == 4 ? Family::v4 : Family::v6;
    std::copy(raw.begin(), raw.end(), a.bytes.begin());
    return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.find(':') != std::string_view::npos) return parse_v6(text);
    return parse_v4(text);
}

std::span<const std::uint8_t> IpAddress::octets() const {
    return std::span<const std::uint8_t>(bytes.data(), address_len(family));
}

std::string IpAddress::to_string() const {
    char buf[64];
    if (family == Family::v4) {
        std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
        return buf;
    }
    std::string out;
    for (std::size_t k = 0; k < 8; ++k) {
        std::snprintf(buf, sizeof buf, "%s%x", k ? ":" : "", (bytes[2 * k] << 8) | bytes[2 * k + 1]);
        out += buf;
    }
    return out;
}

std::string SocketAddress::to_string() const {
    std::string out;
    if (ip.family == IpAddress::Family::v6) out += '[';
    out += ip.to_string();
    if (ip.family == IpAddress::Family::v6) out += ']';
    out += ':';
    out += std::to_string(port);
    return out;
}

TrafficSelector TrafficSelector::subnet(const IpAddress& base, unsigned prefix_len) {
    TrafficSelector ts{base, base};
    const std::size_t bits = address_len(base.family) * 8;
    prefix_len = std::min<unsigned>(prefix_len, static_cast<unsigned>(bits));
    for (std::size_t bit = prefix_len; bit < bits; ++bit) {
        const auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
        ts.start.bytes[bit / 8] &= static_cast<std::uint8_t>(~mask);
        ts.end.bytes[bit / 8] |= mask;
    }
    return ts;
}

bool TrafficSelector::contains(const TrafficSelector& o) const {
    if (start.family != o.start.family) return false;
    if (ip_protocol != 0 && ip_protocol != o.ip_protocol) return false;
    return start.bytes <= o.start.bytes && o.end.bytes <= end.bytes && start_port <= o.start_port &&
           o.end_port <= end_port;
}

std::string TrafficSelector::to_string() const {
    std::string s = start.to_string();
    s += '-';
    s += end.to_string();
    if (ip_protocol != 0) {
        s += " proto ";
        s += std::to_string(ip_protocol);
    }
    if (start_port != 0 || end_port != 65535) {
        s += " ports ";
        s += std::to_string(start_port);
        s += '-';
        s += std::to_string(end_port);
    }
    return s;
}

Identity Identity::fqdn(std::string_view name) {
    return Identity{IdType::fqdn, std::vector<std::uint8_t>(name.begin(), name.end())};
}

Identity Identity::address(const IpAddress& a) {
    const auto o = a.octets();
    return Identity{a.family == IpAddress::Family::v4 ? IdType::ipv4_addr : IdType::ipv6_addr,
                    std::vector<std::uint8_t>(o.begin(), o.end())};
}

std::string Identity::to_string() const {
    switch (type) {
        case IdType::ipv4_addr:
        case IdType::ipv6_addr:
            if (auto a = IpAddress::from_bytes(data)) return a->to_string();
            return "<bad address>";
        case IdType::fqdn:
        case IdType::rfc822_addr:
            return std::string(data.begin(), data.end());
        case IdType::der_asn1_dn:
        case IdType::der_asn1_gn:
        case IdType::key_id:
        case IdType::null:
            break;
    }
    std::string s = "<id type ";
    s += std::to_string(wire::raw(type));
    s += ">";
    return s;
}

}  // namespace ike
