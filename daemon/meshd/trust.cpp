// Reading and checking the files the config names (trust.hpp).
#include "trust.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "convert.hpp"
#include "crypto/privkey.hpp"
#include "crypto/x509_verify.hpp"
#include "pem.hpp"
#include "trust_files.hpp"

namespace meshd {
namespace {

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::span<const std::uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string date(ike::Time t) {
    const auto secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

ike::crypto::IpRange range_of(const ike::TrafficSelector& ts) {
    auto r = ike::crypto::IpRange::range(ts.start.octets(), ts.end.octets());
    return r ? *r : ike::crypto::IpRange{};
}

// Collects issues; `file(field)` reads the file a field names (an issue if it cannot).
struct Checker {
    const FileConfig& c;
    ConfigIssues issues;

    void add(const std::string& field, std::string message) { issues.push_back(c.issue(field, std::move(message))); }
    std::optional<std::string> file(const std::string& field, const std::string& name) {
        auto text = read_file(c.resolve(name));
        if (!text) add(field, c.resolve(name) + ": cannot be read");
        return text;
    }
};

void check_key_mode(Checker& k) {
    struct stat st{};
    const auto path = k.c.resolve(k.c.key);
    if (::stat(path.c_str(), &st) != 0) return;  // reported when read
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        k.add("node.key", path + " is readable by others (mode " + mode + "): chmod 600 it");
    }
}

}  // namespace

Persisted read_state(const std::string& state_dir) {
    Persisted p;
    const auto number = [&](const std::string& name) -> std::uint64_t {
        const auto text = read_file(state_dir + "/" + name);
        if (!text) return 0;
        try {
            return std::stoull(*text);
        } catch (...) {
            return 0;
        }
    };
    p.directory_serial = number("directory.serial");
    p.crl_number = number("crl.number");
    return p;
}

bool write_state_number(const std::string& state_dir, const std::string& name, std::uint64_t value) {
    const auto path = state_dir + "/" + name;
    const auto tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) return false;
        out << value << '\n';
        out.flush();
        if (!out) return false;
    }
    return std::rename(tmp.c_str(), path.c_str()) == 0;
}

ike::Expected<Trust, ConfigIssues> load_trust(const FileConfig& c, const Persisted& persisted, ike::Time now) {
    using namespace ike::crypto;
    Checker k{c, {}};
    Trust t;
    std::optional<Certificate> ca, cert;
    if (const auto pem = k.file("node.ca", c.ca)) {
        auto parsed = Certificate::from_pem(*pem);
        if (!parsed) k.add("node.ca", c.resolve(c.ca) + ": not a PEM certificate");
        else ca = std::move(*parsed);
    }
    if (const auto pem = k.file("node.certificate", c.certificate)) {
        auto parsed = Certificate::from_pem(*pem);
        if (!parsed) k.add("node.certificate", c.resolve(c.certificate) + ": not a PEM certificate");
        else cert = std::move(*parsed);
    }
    check_key_mode(k);
    std::shared_ptr<PrivateKey> key;
    if (const auto pem = k.file("node.key", c.key)) {
        auto parsed = PrivateKey::from_pem(*pem);
        if (!parsed) k.add("node.key", c.resolve(c.key) + ": not a PEM PKCS#8 private key");
        else key = std::make_shared<PrivateKey>(std::move(*parsed));
    }
    std::optional<TrustAnchor> anchor;
    if (ca) {
        auto a = TrustAnchor::create(*ca);
        if (!a) k.add("node.ca", c.resolve(c.ca) + ": not a usable CA certificate (" + std::string(to_string(a.error())) + ")");
        else anchor = std::move(*a);
    }
    if (cert && key && cert->public_key().spki_der().size() > 0 &&
        !std::equal(cert->public_key().spki_der().begin(), cert->public_key().spki_der().end(),
                    key->public_key().spki_der().begin(), key->public_key().spki_der().end()))
        k.add("node.key", c.resolve(c.key) + " is not the key of " + c.resolve(c.certificate));
    if (cert && anchor) {
        const auto v = verify_certificate_chain(*anchor, *cert, {}, now);
        if (!v) {
            std::string why(to_string(v.error()));
            if (v.error() == CertError::Expired) why = "expired on " + date(cert->not_after());
            if (v.error() == CertError::NotYetValid) why = "not valid before " + date(cert->not_before());
            if (v.error() == CertError::UnknownCa || v.error() == CertError::SignatureMismatch)
                why = "not issued by the CA in " + c.resolve(c.ca);
            k.add("node.certificate", c.resolve(c.certificate) + ": " + why);
        } else {
            for (const auto& s : c.subnets)
                if (!v->check_subnet(range_of(s)))
                    k.add("node.subnets", subnet_text(s) + " is not covered by the certificate's subnets (RFC 3779 blocks)");
            const auto& name = c.name;
            if (!v->check_identity(IdType::Fqdn, bytes(name)))
                k.add("node.name", "\"" + name + "\" is not a DNS name of the certificate");
            t.certificate_not_after = cert->not_after();
        }
    }
    // Revocation: the CRL must be the CA's; the blocklist must parse.
    t.revocation.min_crl_number = persisted.crl_number;
    t.revocation.strict_crl_expiry = c.strict_crl_expiry;
    if (!c.crl.empty() && ca) {
        if (const auto pem = k.file("node.crl", c.crl)) {
            auto crl = Crl::from_pem(*pem);
            if (!crl) k.add("node.crl", c.resolve(c.crl) + ": not a PEM CRL");
            else if (!crl->verify_issued_by(*ca)) k.add("node.crl", c.resolve(c.crl) + ": not signed by the CA");
            else if (auto der = pem_to_der(*pem, "X509 CRL")) {
                t.revocation.crls.push_back(std::move(*der));
                if (crl->next_update() != ike::Time::max()) t.crl_next_update = crl->next_update();
            }
            else k.add("node.crl", c.resolve(c.crl) + ": not a PEM CRL");
        }
    }
    if (!c.blocklist.empty() && ca) {
        if (const auto text = k.file("node.blocklist", c.blocklist)) {
            if (const auto r = trust_files::parse_blocklist(*text, *ca, t.revocation); !r)
                k.issues.push_back({c.resolve(c.blocklist), r.error().line, "blocklist", r.error().detail});
        }
    }
    if (!c.directory.empty() && ca) {
        if (const auto text = k.file("node.directory", c.directory)) {
            auto d = trust_files::parse_signed_directory(bytes(*text), *ca, persisted.directory_serial, now);
            if (!d) {
                k.issues.push_back({c.resolve(c.directory), d.error().line, "directory", d.error().detail});
            } else {
                t.directory_serial = d->serial;
                t.directory_expires = d->expires;
                t.peers = std::move(d->nodes);
            }
        }
    }
    for (const auto& p : c.peers) t.peers.push_back(p);
    if (!k.issues.empty()) return ike::unexpected(std::move(k.issues));
    t.credentials.local_id = ike::Identity::fqdn(c.name);
    t.credentials.certificate_chain = {std::vector<std::uint8_t>(cert->der().begin(), cert->der().end())};
    t.credentials.private_key = key;
    t.credentials.ca_certificate.assign(ca->der().begin(), ca->der().end());
    return t;
}

ike::Expected<Trust, ConfigIssues> reload_node(Node& node, const FileConfig& c, const Persisted& persisted,
                                               ike::Time now) {
    auto t = load_trust(c, persisted, now);
    if (!t) return t;
    Reload r;
    r.revocation = t->revocation;
    r.credentials = t->credentials;
    r.peers = t->peers;
    if (const auto ok = node.on_reload(std::move(r), now); !ok) {
        const bool policy = ok.error() == ReloadError::policy_refused;
        return ike::unexpected(ConfigIssues{c.issue(policy ? "node.crl" : "node.certificate",
                                                    policy ? "refused by the IKE engine (revocation data)"
                                                           : "refused by the IKE engine (credentials)")});
    }
    return t;
}

NodeSettings node_settings(const FileConfig& c, const Trust& t, const Persisted&) {
    NodeSettings s;
    s.ike.credentials = t.credentials;
    s.ike.revocation = t.revocation;
    s.ike.local_traffic = c.subnets;
    s.ike.proposals = c.proposals;
    s.ike.lifetimes.ike_rekey = c.ike_rekey;
    s.ike.lifetimes.jitter_percent = c.jitter_percent;
    s.ike.export_keys = !c.keylog.empty();
    s.local_addresses = c.listen;
    s.child_soft = c.child_soft;
    s.child_hard = c.child_hard;
    s.soft_bytes = c.child_soft_bytes;
    s.hard_bytes = c.child_hard_bytes;
    s.soft_packets = c.child_soft_packets;
    s.hard_packets = c.child_hard_packets;
    s.jitter_percent = c.jitter_percent;
    s.idle_timeout = c.idle_timeout;
    return s;
}

}  // namespace meshd
