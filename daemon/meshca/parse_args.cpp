// Option values: strict parsing with messages that name the option.
#include "parse_args.hpp"

#include "errors.hpp"
#include "policy/mesh_text.hpp"

#include <algorithm>
#include <charconv>

namespace meshca {
namespace crypto = ike::crypto;
namespace policy = ike::policy;

std::chrono::seconds parse_duration(std::string_view text, std::string_view option) {
    const auto bad = [&] {
        return UsageError(std::string(option) + ": '" + std::string(text) +
                          "' is not a duration (a number and one of s, m, h, d, w, y: 30d, 10y)");
    };
    if (text.size() < 2) throw bad();
    std::uint64_t n = 0;
    const auto digits = text.substr(0, text.size() - 1);
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (r.ec != std::errc() || r.ptr != digits.data() + digits.size() || n == 0 || n > 1000000) throw bad();
    std::uint64_t unit = 0;
    switch (text.back()) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        case 'w': unit = 7 * 86400; break;
        case 'y': unit = 365 * 86400; break;
        default: throw bad();
    }
    if (n * unit > 200ull * 365 * 86400) throw bad();
    return std::chrono::seconds(static_cast<std::int64_t>(n * unit));
}

KeySpec parse_key_type(std::string_view text, bool allow_rsa) {
    if (text == "ed25519") return {crypto::KeyType::Ed25519};
    if (text == "ecdsa-p256") return {crypto::KeyType::EcdsaP256};
    if (text == "ecdsa-p384") return {crypto::KeyType::EcdsaP384};
    if (allow_rsa) {
        if (text == "rsa-2048") return {crypto::KeyType::Rsa, 2048};
        if (text == "rsa-3072") return {crypto::KeyType::Rsa, 3072};
        if (text == "rsa-4096") return {crypto::KeyType::Rsa, 4096};
        throw UsageError("--key-type: '" + std::string(text) +
                         "' (expected ed25519, ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072 or rsa-4096)");
    }
    throw UsageError("--key-type: '" + std::string(text) + "' (a CA key is ed25519, ecdsa-p256 or ecdsa-p384)");
}

std::string_view key_type_name(crypto::KeyType type) {
    switch (type) {
        case crypto::KeyType::Ed25519: return "Ed25519";
        case crypto::KeyType::EcdsaP256: return "ECDSA P-256";
        case crypto::KeyType::EcdsaP384: return "ECDSA P-384";
        case crypto::KeyType::EcdsaP521: return "ECDSA P-521";
        case crypto::KeyType::Rsa: return "RSA";
    }
    return "unknown";
}

ike::TrafficSelectors parse_subnet_list(std::string_view text, std::string_view option) {
    ike::TrafficSelectors out;
    if (text.empty()) throw UsageError(std::string(option) + " is empty");
    while (true) {
        const auto comma = text.find(',');
        auto ts = policy::parse_subnet(text.substr(0, comma));
        if (!ts) throw Refused(std::string(option) + ": " + ts.error());
        for (const auto& other : out)
            if (policy::overlaps(other, *ts))
                throw Refused(std::string(option) + ": " + policy::format_subnet(*ts) + " overlaps " +
                              policy::format_subnet(other));
        out.push_back(*ts);
        if (comma == std::string_view::npos) return out;
        text.remove_prefix(comma + 1);
    }
}

std::vector<ike::IpAddress> parse_address_list(const std::vector<std::string>& values, std::string_view option) {
    std::vector<ike::IpAddress> out;
    for (std::string_view v : values) {
        while (true) {
            const auto comma = v.find(',');
            const auto item = v.substr(0, comma);
            const auto a = policy::parse_address(item);
            if (!a) throw UsageError(std::string(option) + ": '" + std::string(item) + "' is not an IP address (no port)");
            if (std::find(out.begin(), out.end(), *a) == out.end()) out.push_back(*a);
            if (comma == std::string_view::npos) break;
            v.remove_prefix(comma + 1);
        }
    }
    return out;
}

std::string node_name(std::string_view text) {
    if (!policy::is_dns_name(text))
        throw Refused("'" + std::string(text) + "' is not a DNS name (letters, digits, '-' and dots: nyc.mesh.example)");
    return policy::lower_case(text);
}

void check_pattern(std::string_view pattern) {
    const auto pct = pattern.find('%');
    if (pct == std::string_view::npos) throw UsageError("--name-pattern needs one %d (node%d.mesh.example)");
    auto rest = pattern.substr(pct + 1);
    if (!rest.empty() && rest[0] == '0') {
        std::size_t k = 1;
        while (k < rest.size() && rest[k] >= '0' && rest[k] <= '9') ++k;
        rest.remove_prefix(k);
    }
    if (rest.empty() || rest[0] != 'd' || rest.find('%') != std::string_view::npos)
        throw UsageError("--name-pattern needs exactly one %d or %0Nd and no other '%'");
}

std::string expand_pattern(std::string_view pattern, unsigned n) {
    const auto pct = pattern.find('%');
    const auto d = pattern.find('d', pct);
    unsigned width = 0;
    const auto spec = pattern.substr(pct + 1, d - pct - 1);
    if (!spec.empty()) std::from_chars(spec.data() + 1, spec.data() + spec.size(), width);
    auto num = std::to_string(n);
    if (num.size() < width) num.insert(0, width - num.size(), '0');
    return std::string(pattern.substr(0, pct)) + num + std::string(pattern.substr(d + 1));
}

}  // namespace meshca
