// The signed directory: the signature is checked before any content line is read, and nothing
// in the file is trusted before that.
#include "policy/directory.hpp"

#include "crypto/base64.hpp"
#include "crypto/ca_issue.hpp"
#include "policy/mesh_text.hpp"

#include <algorithm>
#include <charconv>
#include <map>

namespace ike::policy {
namespace {

constexpr std::string_view kHeader = "meshd-directory 1";
constexpr std::string_view kSignature = "signature ";

DirectoryFailure fail(DirectoryError e, std::string detail) { return DirectoryFailure{e, std::move(detail)}; }

DirectoryFailure malformed(std::size_t line, std::string what) {
    return fail(DirectoryError::malformed, "line " + std::to_string(line) + ": " + std::move(what));
}

std::string_view as_text(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

Expected<std::vector<IpAddress>, std::string> parse_endpoints(std::string_view text) {
    std::vector<IpAddress> out;
    if (text == "-") return out;
    std::size_t start = 0;
    while (true) {
        const auto comma = text.find(',', start);
        const auto item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        const auto a = parse_address(item);
        if (!a) return unexpected("endpoint '" + std::string(item) + "' is not an IP address (no port, no prefix)");
        if (std::find(out.begin(), out.end(), *a) != out.end())
            return unexpected("endpoint " + std::string(item) + " is listed twice");
        out.push_back(*a);
        if (comma == std::string_view::npos) return out;
        start = comma + 1;
    }
}

Expected<TrafficSelectors, std::string> parse_subnets(std::string_view text) {
    TrafficSelectors out;
    std::size_t start = 0;
    while (true) {
        const auto comma = text.find(',', start);
        const auto item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        auto ts = parse_subnet(item);
        if (!ts) return unexpected(ts.error());
        for (const auto& other : out)
            if (overlaps(other, *ts)) return unexpected("subnet " + std::string(item) + " overlaps " + format_subnet(other));
        out.push_back(*ts);
        if (comma == std::string_view::npos) return out;
        start = comma + 1;
    }
}

// "node NAME ENDPOINTS SUBNETS"
Expected<DirectoryNode, DirectoryFailure> parse_node(const TextLine& line) {
    const auto tokens = split_tokens(line.text);
    if (!tokens || (*tokens)[0] != "node" || tokens->size() != 4)
        return unexpected(malformed(line.number, "expected 'node NAME ENDPOINTS SUBNETS' (single spaces)"));
    const auto& t = *tokens;
    if (!is_dns_name(t[1])) return unexpected(malformed(line.number, "'" + std::string(t[1]) + "' is not a DNS name"));
    auto endpoints = parse_endpoints(t[2]);
    if (!endpoints) return unexpected(malformed(line.number, endpoints.error()));
    auto subnets = parse_subnets(t[3]);
    if (!subnets) return unexpected(malformed(line.number, subnets.error()));
    return DirectoryNode{lower_case(t[1]), std::move(*endpoints), std::move(*subnets)};
}

// Across nodes: no name twice, no subnet shared (sorted by start, neighbours compared).
Expected<void, DirectoryFailure> check_nodes(const std::vector<DirectoryNode>& nodes,
                                             const std::vector<std::size_t>& line_of) {
    std::map<std::string, std::size_t> names;
    struct Owned {
        const TrafficSelector* ts;
        std::size_t node;
    };
    std::vector<Owned> all;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (const auto [it, fresh] = names.emplace(nodes[i].name, i); !fresh)
            return unexpected(malformed(line_of[i], "node " + nodes[i].name + " already listed on line " +
                                                        std::to_string(line_of[it->second])));
        for (const auto& ts : nodes[i].subnets) all.push_back({&ts, i});
    }
    std::sort(all.begin(), all.end(), [](const Owned& a, const Owned& b) {
        return std::tie(a.ts->start.family, a.ts->start.bytes) < std::tie(b.ts->start.family, b.ts->start.bytes);
    });
    // Ranges sorted by start overlap iff some range starts before the furthest end seen so far.
    for (std::size_t k = 1, far = 0; k < all.size(); ++k) {
        if (overlaps(*all[far].ts, *all[k].ts)) {
            const auto& a = all[far];
            const auto& b = all[k];
            const auto later = std::max(a.node, b.node);
            const auto earlier = std::min(a.node, b.node);
            return unexpected(malformed(line_of[later], "subnet " + format_subnet(*(later == b.node ? b.ts : a.ts)) +
                                                            " of " + nodes[later].name + " overlaps " +
                                                            format_subnet(*(later == b.node ? a.ts : b.ts)) + " of " +
                                                            nodes[earlier].name));
        }
        if (all[k].ts->start.family != all[far].ts->start.family || all[far].ts->end.bytes < all[k].ts->end.bytes)
            far = k;
    }
    return {};
}

Expected<std::uint64_t, std::string> parse_serial(std::string_view text) {
    std::uint64_t v = 0;
    if (text.empty() || (text.size() > 1 && text[0] == '0') ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return unexpected(std::string("serial must be a decimal number"));
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc()) return unexpected(std::string("serial out of range"));
    return v;
}

// Lines 2.. of the signed part: serial, expires, nodes.
Expected<Directory, DirectoryFailure> parse_body(const std::vector<TextLine>& lines) {
    if (lines.size() < 3) return unexpected(fail(DirectoryError::malformed, "missing serial or expires line"));
    Directory d;
    const auto serial = split_tokens(lines[1].text);
    if (!serial || serial->size() != 2 || (*serial)[0] != "serial")
        return unexpected(malformed(2, "expected 'serial N'"));
    auto n = parse_serial((*serial)[1]);
    if (!n) return unexpected(malformed(2, n.error()));
    d.serial = *n;
    const auto expires = split_tokens(lines[2].text);
    if (!expires || expires->size() != 2 || (*expires)[0] != "expires")
        return unexpected(malformed(3, "expected 'expires YYYY-MM-DDTHH:MM:SSZ'"));
    const auto t = parse_utc_time((*expires)[1]);
    if (!t) return unexpected(malformed(3, "expires is not YYYY-MM-DDTHH:MM:SSZ"));
    d.expires = *t;
    std::vector<std::size_t> line_of;
    for (std::size_t i = 3; i < lines.size(); ++i) {
        auto node = parse_node(lines[i]);
        if (!node) return unexpected(node.error());
        d.nodes.push_back(std::move(*node));
        line_of.push_back(lines[i].number);
    }
    if (auto ok = check_nodes(d.nodes, line_of); !ok) return unexpected(ok.error());
    return d;
}

}  // namespace

std::string_view to_string(DirectoryError e) noexcept {
    switch (e) {
        case DirectoryError::malformed: return "malformed";
        case DirectoryError::bad_signature: return "bad_signature";
        case DirectoryError::expired: return "expired";
        case DirectoryError::rollback: return "rollback";
    }
    return "unknown";
}

Expected<Directory, DirectoryFailure> parse_signed_directory(std::span<const std::uint8_t> file,
                                                             std::span<const std::uint8_t> ca_certificate_der,
                                                             std::uint64_t min_serial, Time now) {
    const auto text = as_text(file);
    if (text.substr(0, kHeader.size() + 1) != std::string(kHeader) + "\n")
        return unexpected(malformed(1, "expected '" + std::string(kHeader) + "'"));
    if (text.back() != '\n') return unexpected(fail(DirectoryError::malformed, "the file does not end with a newline"));
    // The signature line is the last one; everything before it is signed.
    const auto sig_at = text.rfind('\n', text.size() - 2) + 1;
    const auto sig_line = text.substr(sig_at, text.size() - 1 - sig_at);
    const auto signed_part = file.first(sig_at);
    const auto lines = split_lines(as_text(signed_part));
    const auto sig_line_no = lines.size() + 1;
    if (sig_line.substr(0, kSignature.size()) != kSignature)
        return unexpected(malformed(sig_line_no, "the last line must be 'signature <base64>'"));
    const auto signature = crypto::base64_decode(sig_line.substr(kSignature.size()));
    if (!signature) return unexpected(malformed(sig_line_no, "the signature is not base64"));
    const auto ca = crypto::Certificate::from_der(ca_certificate_der);
    if (!ca) return unexpected(fail(DirectoryError::malformed, "the CA certificate does not parse"));
    if (const auto ok = crypto::verify_ca_signature(*ca, signed_part, *signature); !ok)
        return unexpected(fail(DirectoryError::bad_signature, "line " + std::to_string(sig_line_no) +
                                                                  ": the signature does not verify with the CA " +
                                                                  ca->subject() + " (" +
                                                                  std::string(crypto::to_string(ok.error())) + ")"));
    auto d = parse_body(lines);
    if (!d) return d;
    if (now > d->expires)
        return unexpected(fail(DirectoryError::expired, "line 3: the directory expired at " + format_utc_time(d->expires)));
    if (d->serial < min_serial)
        return unexpected(fail(DirectoryError::rollback, "line 2: serial " + std::to_string(d->serial) +
                                                             " is older than serial " + std::to_string(min_serial) +
                                                             " accepted before"));
    return d;
}

Expected<std::vector<DirectoryNode>, DirectoryFailure> parse_directory_input(std::string_view text) {
    std::vector<DirectoryNode> nodes;
    std::vector<std::size_t> line_of;
    for (const auto& line : split_lines(text)) {
        if (line.text.empty() || line.text[0] == '#' ||
            line.text.find_first_not_of(" \t\r") == std::string_view::npos)
            continue;
        auto node = parse_node(line);
        if (!node) return unexpected(node.error());
        nodes.push_back(std::move(*node));
        line_of.push_back(line.number);
    }
    if (auto ok = check_nodes(nodes, line_of); !ok) return unexpected(ok.error());
    return nodes;
}

std::string format_directory_node(const DirectoryNode& node) {
    std::string out = "node " + node.name + " ";
    if (node.endpoints.empty()) out += "-";
    for (std::size_t i = 0; i < node.endpoints.size(); ++i) out += (i ? "," : "") + format_address(node.endpoints[i]);
    out += " ";
    for (std::size_t i = 0; i < node.subnets.size(); ++i) out += (i ? "," : "") + format_subnet(node.subnets[i]);
    return out;
}

std::string format_directory_body(const Directory& directory) {
    std::string out = std::string(kHeader) + "\n";
    out += "serial " + std::to_string(directory.serial) + "\n";
    out += "expires " + format_utc_time(directory.expires) + "\n";
    for (const auto& n : directory.nodes) out += format_directory_node(n) + "\n";
    return out;
}

std::string format_directory_signature(std::span<const std::uint8_t> signature) {
    return std::string(kSignature) + crypto::base64_encode(signature) + "\n";
}

}  // namespace ike::policy
