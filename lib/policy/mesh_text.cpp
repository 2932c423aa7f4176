// Field codecs for the mesh's text files: strict on input, canonical on output.
#include "policy/mesh_text.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

namespace ike::policy {
namespace {

std::size_t family_bits(IpAddress::Family f) { return f == IpAddress::Family::v4 ? 32 : 128; }

bool bit_at(const IpAddress& a, std::size_t bit) {
    return (a.bytes[bit / 8] >> (7 - bit % 8)) & 1u;
}

// The prefix length when [start, end] is exactly one prefix, else -1.
int prefix_len(const TrafficSelector& ts) {
    const auto bits = family_bits(ts.start.family);
    std::size_t len = 0;
    while (len < bits && bit_at(ts.start, len) == bit_at(ts.end, len)) ++len;
    for (std::size_t b = len; b < bits; ++b)
        if (bit_at(ts.start, b) || !bit_at(ts.end, b)) return -1;
    return static_cast<int>(len);
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

bool is_dns_name(std::string_view name) {
    if (name.empty() || name.size() > 253) return false;
    std::size_t start = 0;
    std::string_view last;
    while (true) {
        const auto dot = name.find('.', start);
        const auto label = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        if (!std::all_of(label.begin(), label.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
            }))
            return false;
        last = label;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return !std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string lower_case(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<IpAddress> parse_address(std::string_view text) {
    const std::string s(text);
    IpAddress a;
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
        a.family = IpAddress::Family::v4;
        return a;
    }
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
        a.family = IpAddress::Family::v6;
        return a;
    }
    return std::nullopt;
}

std::string format_address(const IpAddress& a) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(a.family == IpAddress::Family::v4 ? AF_INET : AF_INET6, a.bytes.data(), buf, sizeof buf);
    return buf;
}

Expected<TrafficSelector, std::string> parse_subnet(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos)
        return unexpected("subnet " + std::string(text) + " has no prefix length (write " + std::string(text) +
                          "/32 for one address)");
    const auto addr = parse_address(text.substr(0, slash));
    if (!addr) return unexpected("subnet " + std::string(text) + ": not an IP address");
    unsigned len = 0;
    if (!parse_number(text.substr(slash + 1), len) || len > family_bits(addr->family))
        return unexpected("subnet " + std::string(text) + ": bad prefix length");
    const auto ts = TrafficSelector::subnet(*addr, len);
    if (ts.start != *addr)
        return unexpected("subnet " + std::string(text) + " is not a network (" + format_address(ts.start) + "/" +
                          std::to_string(len) + " is)");
    return ts;
}

std::string format_subnet(const TrafficSelector& ts) {
    const int len = prefix_len(ts);
    if (len < 0) return format_address(ts.start) + "-" + format_address(ts.end);
    return format_address(ts.start) + "/" + std::to_string(len);
}

bool overlaps(const TrafficSelector& a, const TrafficSelector& b) {
    return a.start.family == b.start.family && a.start.bytes <= b.end.bytes && b.start.bytes <= a.end.bytes;
}

std::optional<Time> parse_utc_time(std::string_view t) {
    // YYYY-MM-DDTHH:MM:SSZ
    if (t.size() != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' ||
        t[19] != 'Z')
        return std::nullopt;
    int y = 0;
    unsigned mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (!parse_number(t.substr(0, 4), y) || !parse_number(t.substr(5, 2), mo) || !parse_number(t.substr(8, 2), d) ||
        !parse_number(t.substr(11, 2), h) || !parse_number(t.substr(14, 2), mi) || !parse_number(t.substr(17, 2), s))
        return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo), std::chrono::day(d)};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
    return Time(std::chrono::sys_days(ymd).time_since_epoch() + std::chrono::hours(h) + std::chrono::minutes(mi) +
                std::chrono::seconds(s));
}

std::string format_utc_time(Time t) {
    const auto secs = std::chrono::floor<std::chrono::seconds>(t);
    const auto day = std::chrono::floor<std::chrono::days>(secs);
    const std::chrono::year_month_day ymd(day);
    const std::chrono::hh_mm_ss hms(secs - day);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long long>(hms.hours().count()), static_cast<long long>(hms.minutes().count()),
                  static_cast<long long>(hms.seconds().count()));
    return buf;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const auto b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = nibble(text[i]);
        const int lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return out;
}

std::vector<TextLine> split_lines(std::string_view text) {
    std::vector<TextLine> lines;
    std::size_t n = 1;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        lines.push_back({n++, text.substr(0, nl)});
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

std::optional<std::vector<std::string_view>> split_tokens(std::string_view line) {
    std::vector<std::string_view> out;
    while (true) {
        const auto sp = line.find(' ');
        const auto tok = line.substr(0, sp);
        if (tok.empty() || tok.find('\t') != std::string_view::npos || tok.find('\r') != std::string_view::npos)
            return std::nullopt;
        out.push_back(tok);
        if (sp == std::string_view::npos) return out;
        line.remove_prefix(sp + 1);
    }
}

}  // namespace ike::policy
