// The TOML config file (config.hpp): every field checked, every problem named with its line.
#include "config.hpp"

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace meshd {
namespace {

using ike::crypto::EncrId;
using ike::crypto::IntegId;
using ike::crypto::KeId;
using ike::crypto::PrfId;

std::optional<ike::TrafficSelector> parse_subnet(std::string_view text) {
    const auto slash = text.find('/');
    const auto ip = ike::IpAddress::parse(text.substr(0, slash));
    if (!ip) return std::nullopt;
    const unsigned max = ip->family == ike::IpAddress::Family::v4 ? 32 : 128;
    unsigned len = max;
    if (slash != std::string_view::npos) {
        const auto digits = text.substr(slash + 1);
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), len);
        if (r.ec != std::errc{} || r.ptr != digits.data() + digits.size() || len > max) return std::nullopt;
    }
    auto ts = ike::TrafficSelector::subnet(*ip, len);
    if (ts.start != *ip) return std::nullopt;  // host bits set: "10.0.1.5/24" is a typo
    return ts;
}

// Reads one TOML table's fields, recording issues with their lines; unknown keys are issues too.
class Reader {
public:
    Reader(FileConfig& c, ConfigIssues& issues, const toml::table& t, std::string section)
        : m_c(c), m_issues(issues), m_t(t), m_section(std::move(section)) {}
    ~Reader() {
        for (const auto& [k, v] : m_t)
            if (!m_known.contains(std::string(k.str())))
                add(field(std::string(k.str())), line(v), "unknown field");
    }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    std::string field(const std::string& key) const { return m_section.empty() ? key : m_section + "." + key; }
    static unsigned line(const toml::node& n) { return static_cast<unsigned>(n.source().begin.line); }
    unsigned table_line() const { return static_cast<unsigned>(m_t.source().begin.line); }
    void add(std::string f, unsigned l, std::string message) {
        m_issues.push_back(ConfigIssue{m_c.path, l, std::move(f), std::move(message)});
    }

    const toml::node* get(const std::string& key) {
        m_known.insert(key);
        const auto* n = m_t.get(key);
        if (n) m_c.lines[field(key)] = line(*n);
        return n;
    }
    void string(const std::string& key, std::string& out, bool required = false) {
        const auto* n = get(key);
        if (!n) {
            if (required) add(field(key), table_line(), "missing (required)");
            return;
        }
        if (const auto* s = n->as_string()) {
            if (s->get().empty()) return add(field(key), line(*n), "empty");
            out = s->get();
        } else {
            add(field(key), line(*n), "must be a string");
        }
    }
    void boolean(const std::string& key, bool& out) {
        const auto* n = get(key);
        if (!n) return;
        if (const auto* b = n->as_boolean()) out = b->get();
        else add(field(key), line(*n), "must be true or false");
    }
    template <typename Int>
    void integer(const std::string& key, Int& out, std::int64_t min, std::int64_t max) {
        const auto* n = get(key);
        if (!n) return;
        const auto* i = n->as_integer();
        if (!i || i->get() < min || i->get() > max)
            return add(field(key), line(*n), "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
        out = static_cast<Int>(i->get());
    }
    void duration(const std::string& key, std::chrono::seconds& out) {
        const auto* n = get(key);
        if (!n) return;
        if (const auto* i = n->as_integer(); i && i->get() >= 0) {
            out = std::chrono::seconds{i->get()};
        } else if (const auto* s = n->as_string(); s && parse_duration(s->get())) {
            out = *parse_duration(s->get());
        } else {
            add(field(key), line(*n), "must be a duration: seconds, or \"30s\", \"5m\", \"1h\", \"2d\"");
        }
    }
    // An array of strings, each converted by `parse` (nullopt: the element is an issue).
    template <typename T, typename Parse>
    bool list(const std::string& key, std::vector<T>& out, Parse parse, const char* what, bool required = false) {
        const auto* n = get(key);
        if (!n) {
            if (required) add(field(key), table_line(), "missing (required)");
            return false;
        }
        const auto* a = n->as_array();
        if (!a) {
            add(field(key), line(*n), std::string("must be an array of ") + what);
            return false;
        }
        std::vector<T> values;
        bool ok = true;
        for (std::size_t i = 0; i < a->size(); ++i) {
            const auto* s = (*a)[i].as_string();
            std::optional<T> v = s ? parse(s->get()) : std::nullopt;
            if (!v) {
                add(field(key) + "[" + std::to_string(i) + "]", line((*a)[i]),
                    (s ? "\"" + s->get() + "\" is not " : std::string("not ")) + what);
                ok = false;
            } else {
                values.push_back(*v);
            }
        }
        if (ok && values.empty() && required) {
            add(field(key), line(*n), "must not be empty");
            ok = false;
        }
        if (ok) out = std::move(values);
        return ok;
    }

private:
    FileConfig& m_c;
    ConfigIssues& m_issues;
    const toml::table& m_t;
    std::string m_section;
    std::set<std::string> m_known;
};

const toml::table* section(FileConfig& c, ConfigIssues& issues, const toml::table& root, const std::string& name) {
    const auto* n = root.get(name);
    if (!n) return nullptr;
    if (const auto* t = n->as_table()) return t;
    issues.push_back({c.path, static_cast<unsigned>(n->source().begin.line), name, "must be a table ([" + name + "])"});
    return nullptr;
}

void read_node(FileConfig& c, ConfigIssues& issues, const toml::table& t) {
    Reader r(c, issues, t, "node");
    r.string("name", c.name, true);
    r.string("certificate", c.certificate, true);
    r.string("key", c.key, true);
    r.string("ca", c.ca, true);
    r.string("crl", c.crl);
    r.string("blocklist", c.blocklist);
    r.string("directory", c.directory);
    r.string("state_dir", c.state_dir);
    r.list("subnets", c.subnets, parse_subnet, "a subnet (\"10.0.1.0/24\")", true);
    r.list("listen", c.listen, [](std::string_view s) { return ike::IpAddress::parse(s); }, "an IP address", true);
    r.boolean("hold_first_packet", c.hold_first_packet);
    r.string("keylog", c.keylog);
    r.boolean("strict_crl_expiry", c.strict_crl_expiry);
    std::string level = c.log_level;
    r.string("log_level", level);
    static const std::set<std::string> levels{"debug", "info", "notice", "warning", "error"};
    if (!levels.contains(level))
        r.add("node.log_level", c.lines["node.log_level"], "must be debug, info, notice, warning or error");
    else
        c.log_level = level;
}

void read_control(FileConfig& c, ConfigIssues& issues, const toml::table& t) {
    Reader r(c, issues, t, "control");
    r.string("socket", c.control_socket);
    r.string("group", c.control_group);
    if (c.control_socket.empty() || c.control_socket.front() != '/')
        r.add("control.socket", c.lines["control.socket"], "must be an absolute path");
    else if (c.control_socket.size() > 107)
        r.add("control.socket", c.lines["control.socket"], "longer than a UNIX socket path may be (107 bytes)");
}

void read_proposals(FileConfig& c, ConfigIssues& issues, const toml::table& t) {
    Reader r(c, issues, t, "proposals");
    r.list("ike", c.proposals.ike, parse_ike_proposal, "an IKE proposal (e.g. \"aes256gcm16-prfsha256-x25519\")");
    r.list("esp", c.proposals.esp, parse_esp_proposal, "an ESP proposal (e.g. \"aes256gcm16\", \"aes256-sha256\")");
    r.boolean("esn", c.proposals.esn);
    if (c.proposals.ike.empty()) r.add("proposals.ike", c.lines["proposals.ike"], "must not be empty");
    if (c.proposals.esp.empty()) r.add("proposals.esp", c.lines["proposals.esp"], "must not be empty");
}

void read_lifetimes(FileConfig& c, ConfigIssues& issues, const toml::table& t) {
    Reader r(c, issues, t, "lifetimes");
    r.duration("ike", c.ike_rekey);
    r.duration("child_soft", c.child_soft);
    r.duration("child_hard", c.child_hard);
    r.integer("child_soft_bytes", c.child_soft_bytes, 0, INT64_MAX);
    r.integer("child_hard_bytes", c.child_hard_bytes, 0, INT64_MAX);
    r.integer("child_soft_packets", c.child_soft_packets, 0, INT64_MAX);
    r.integer("child_hard_packets", c.child_hard_packets, 0, INT64_MAX);
    r.integer("jitter_percent", c.jitter_percent, 0, 50);
    r.duration("idle_timeout", c.idle_timeout);
    const auto soft_line = c.lines.contains("lifetimes.child_soft") ? c.lines["lifetimes.child_soft"] : r.table_line();
    if (c.child_hard.count() > 0 && c.child_soft >= c.child_hard)
        r.add("lifetimes.child_soft", soft_line, "must be shorter than lifetimes.child_hard (the rekey comes first)");
    if (c.child_hard_bytes > 0 && c.child_soft_bytes >= c.child_hard_bytes)
        r.add("lifetimes.child_soft_bytes", c.lines["lifetimes.child_soft_bytes"], "must be below lifetimes.child_hard_bytes");
    if (c.child_hard_packets > 0 && c.child_soft_packets >= c.child_hard_packets)
        r.add("lifetimes.child_soft_packets", c.lines["lifetimes.child_soft_packets"], "must be below lifetimes.child_hard_packets");
}

void read_peers(FileConfig& c, ConfigIssues& issues, const toml::node& n) {
    const auto* a = n.as_array();
    if (!a || !a->is_array_of_tables()) {
        issues.push_back({c.path, static_cast<unsigned>(n.source().begin.line), "peer", "must be tables ([[peer]])"});
        return;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
        const auto& t = *(*a)[i].as_table();
        Reader r(c, issues, t, "peer[" + std::to_string(i) + "]");
        Peer p;
        r.string("name", p.name, true);
        r.list("endpoints", p.endpoints, [](std::string_view s) { return ike::IpAddress::parse(s); }, "an IP address");
        r.list("subnets", p.subnets, parse_subnet, "a subnet (\"10.0.2.0/24\")", true);
        for (const auto& q : c.peers)
            if (!p.name.empty() && q.name == p.name) r.add(r.field("name"), r.table_line(), "peer \"" + p.name + "\" twice");
        c.peers.push_back(std::move(p));
    }
}

}  // namespace

std::string ConfigIssue::to_string() const {
    return file + ":" + std::to_string(line) + ": " + field + ": " + message;
}

std::string FileConfig::resolve(const std::string& file) const {
    if (file.empty() || file.front() == '/') return file;
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? file : path.substr(0, slash + 1) + file;
}

ConfigIssue FileConfig::issue(const std::string& field, std::string message) const {
    const auto it = lines.find(field);
    return ConfigIssue{path, it == lines.end() ? 0u : it->second, field, std::move(message)};
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
    std::uint64_t n = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
    if (r.ec != std::errc{} || r.ptr == text.data()) return std::nullopt;
    const std::string_view unit(r.ptr, static_cast<std::size_t>(text.data() + text.size() - r.ptr));
    std::uint64_t scale = 0;
    if (unit.empty() || unit == "s") scale = 1;
    else if (unit == "m") scale = 60;
    else if (unit == "h") scale = 3600;
    else if (unit == "d") scale = 86400;
    else return std::nullopt;
    if (n > 10ull * 365 * 86400 / scale) return std::nullopt;
    return std::chrono::seconds{static_cast<std::int64_t>(n * scale)};
}

std::optional<ike::crypto::IkeSuite> parse_ike_proposal(std::string_view text) {
    // ENCR-PRF-KE
    const auto a = text.find('-');
    const auto b = a == std::string_view::npos ? a : text.find('-', a + 1);
    if (b == std::string_view::npos || text.find('-', b + 1) != std::string_view::npos) return std::nullopt;
    const auto encr = text.substr(0, a), prf = text.substr(a + 1, b - a - 1), ke = text.substr(b + 1);
    ike::crypto::IkeSuite s{};
    if (encr == "aes256gcm16") s.sk = {EncrId::AesGcm16, 256, IntegId::None};
    else if (encr == "aes128gcm16") s.sk = {EncrId::AesGcm16, 128, IntegId::None};
    else if (encr == "chacha20poly1305") s.sk = {EncrId::ChaCha20Poly1305, 0, IntegId::None};
    else return std::nullopt;
    if (prf == "prfsha256") s.prf = PrfId::HmacSha2_256;
    else if (prf == "prfsha384") s.prf = PrfId::HmacSha2_384;
    else if (prf == "prfsha512") s.prf = PrfId::HmacSha2_512;
    else return std::nullopt;
    if (ke == "x25519" || ke == "curve25519") s.ke = KeId::Curve25519;
    else if (ke == "ecp256") s.ke = KeId::Ecp256;
    else if (ke == "ecp384") s.ke = KeId::Ecp384;
    else if (ke == "ecp521") s.ke = KeId::Ecp521;
    else if (ke == "modp2048") s.ke = KeId::Modp2048;
    else if (ke == "modp3072") s.ke = KeId::Modp3072;
    else if (ke == "modp4096") s.ke = KeId::Modp4096;
    else return std::nullopt;
    return s;
}

std::optional<ike::crypto::EspSuite> parse_esp_proposal(std::string_view text) {
    if (text == "aes256gcm16") return ike::crypto::EspSuite{EncrId::AesGcm16, 256, IntegId::None};
    if (text == "aes128gcm16") return ike::crypto::EspSuite{EncrId::AesGcm16, 128, IntegId::None};
    if (text == "chacha20poly1305") return ike::crypto::EspSuite{EncrId::ChaCha20Poly1305, 0, IntegId::None};
    const auto dash = text.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    const auto encr = text.substr(0, dash), integ = text.substr(dash + 1);
    ike::crypto::EspSuite s{EncrId::AesCbc, 0, IntegId::None};
    if (encr == "aes256") s.key_bits = 256;
    else if (encr == "aes128") s.key_bits = 128;
    else return std::nullopt;
    if (integ == "sha256") s.integ = IntegId::HmacSha2_256_128;
    else if (integ == "sha384") s.integ = IntegId::HmacSha2_384_192;
    else if (integ == "sha512") s.integ = IntegId::HmacSha2_512_256;
    else return std::nullopt;
    return s;
}

ike::Expected<FileConfig, ConfigIssues> parse_config(std::string_view text, const std::string& path) {
    FileConfig c;
    c.path = path;
    // The issue's defaults: IKE AES-256-GCM with PRF-HMAC-SHA2-256/384, X25519 then ECP-256; ESP
    // AES-GCM-256 (ESN), ChaCha20-Poly1305, then AES-CBC-256/HMAC-SHA2-256-128 for kernels and
    // peers without AEAD.
    c.proposals.ike.clear();
    for (const auto ke : {KeId::Curve25519, KeId::Ecp256})
        for (const auto prf : {PrfId::HmacSha2_256, PrfId::HmacSha2_384})
            c.proposals.ike.push_back({prf, {EncrId::AesGcm16, 256, IntegId::None}, ke});
    c.proposals.esp = {{EncrId::AesGcm16, 256, IntegId::None},
                       {EncrId::ChaCha20Poly1305, 0, IntegId::None},
                       {EncrId::AesCbc, 256, IntegId::HmacSha2_256_128}};
    c.proposals.esn = true;
    ConfigIssues issues;
    toml::table root;
#if TOML_EXCEPTIONS
    try {
        root = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        issues.push_back({path, static_cast<unsigned>(e.source().begin.line), "syntax", std::string(e.description())});
        return ike::unexpected(std::move(issues));
    }
#else
    auto parsed = toml::parse(text, path);
    if (!parsed) {
        issues.push_back({path, static_cast<unsigned>(parsed.error().source().begin.line), "syntax",
                          std::string(parsed.error().description())});
        return ike::unexpected(std::move(issues));
    }
    root = std::move(parsed).table();
#endif
    for (const auto& [k, v] : root) {
        const std::string key(k.str());
        if (key != "node" && key != "proposals" && key != "lifetimes" && key != "peer" && key != "control")
            issues.push_back({path, static_cast<unsigned>(v.source().begin.line), key, "unknown section or field"});
    }
    if (const auto* t = section(c, issues, root, "node"))
        read_node(c, issues, *t);
    else if (!root.get("node"))
        issues.push_back({path, 1, "node", "missing ([node] with name, certificate, key, ca, subnets, listen)"});
    if (const auto* t = section(c, issues, root, "proposals")) read_proposals(c, issues, *t);
    if (const auto* t = section(c, issues, root, "lifetimes")) read_lifetimes(c, issues, *t);
    if (const auto* t = section(c, issues, root, "control")) read_control(c, issues, *t);
    if (const auto* n = root.get("peer")) read_peers(c, issues, *n);
    if (issues.empty() && c.directory.empty() && c.peers.empty())
        issues.push_back({path, c.lines["node.name"], "node.directory", "neither a directory nor [[peer]]s: no one to talk to"});
    if (!issues.empty()) return ike::unexpected(std::move(issues));
    return c;
}

ike::Expected<FileConfig, ConfigIssues> load_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return ike::unexpected(ConfigIssues{{path, 0, "file", "cannot be read"}});
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_config(ss.str(), path);
}

}  // namespace meshd
