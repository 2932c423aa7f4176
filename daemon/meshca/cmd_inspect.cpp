// show, verify, fingerprint: read-only commands (they never write, need no CA key).
#include "ca_store.hpp"
#include "errors.hpp"
#include "options.hpp"
#include "parse_args.hpp"

#include "crypto/csr.hpp"
#include "crypto/crl.hpp"
#include "crypto/hash.hpp"
#include "crypto/x509_verify.hpp"
#include "policy/blocklist.hpp"
#include "policy/directory.hpp"
#include "policy/mesh_text.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace meshca {
namespace crypto = ike::crypto;
namespace policy = ike::policy;
using nlohmann::ordered_json;

namespace {

std::string serial_text(std::span<const std::uint8_t> serial) {
    if (serial.size() <= 8) {
        std::uint64_t v = 0;
        for (const auto b : serial) v = v << 8 | b;
        return std::to_string(v);
    }
    return "0x" + policy::to_hex(serial);
}

std::string key_text(const crypto::PublicKey& k) {
    auto s = std::string(key_type_name(k.type()));
    if (k.type() == crypto::KeyType::Rsa) s += "-" + std::to_string(k.bits());
    return s;
}

std::vector<std::string> san_addresses(const crypto::SubjectAltNames& san) {
    std::vector<std::string> out;
    for (const auto& a : san.ipv4) out.push_back(policy::format_address(*ike::IpAddress::from_bytes(a)));
    for (const auto& a : san.ipv6) out.push_back(policy::format_address(*ike::IpAddress::from_bytes(a)));
    return out;
}

std::vector<std::string> subnet_list(const std::optional<crypto::IpAddrBlocks>& blocks) {
    std::vector<std::string> out;
    if (blocks)
        for (const auto& ts : from_blocks(*blocks)) out.push_back(policy::format_subnet(ts));
    return out;
}

crypto::Certificate load_certificate(const fs::path& path) {
    auto cert = crypto::Certificate::from_pem(read_file(path));
    if (!cert) throw Refused(path.string() + ": not a PEM certificate");
    return std::move(*cert);
}

fs::path ca_path(const Common& c, const std::optional<fs::path>& ca) { return ca ? *ca : c.dir / "ca.crt"; }

ordered_json describe_certificate(const crypto::Certificate& cert) {
    ordered_json j;
    j["type"] = "certificate";
    j["subject"] = cert.subject();
    j["issuer"] = cert.issuer();
    j["serial"] = serial_text(cert.serial());
    j["not_before"] = policy::format_utc_time(cert.not_before());
    j["not_after"] = policy::format_utc_time(cert.not_after());
    j["key"] = key_text(cert.public_key());
    j["ca"] = cert.is_ca();
    j["dns_names"] = cert.alt_names().dns;
    j["addresses"] = san_addresses(cert.alt_names());
    j["subnets"] = subnet_list(cert.ip_blocks());
    j["spki_sha256"] = policy::to_hex(cert.spki_sha256());
    j["fingerprint_sha256"] = policy::to_hex(cert.fingerprint_sha256());
    return j;
}

ordered_json describe_request(const crypto::CertificateRequest& req) {
    ordered_json j;
    j["type"] = "certificate request";
    j["subject"] = req.subject();
    j["dns_names"] = req.alt_names().dns;
    j["key"] = key_text(req.public_key());
    j["signature_algorithm"] = req.signature_algorithm();
    const auto ok = req.verify_signature();
    j["signature"] = ok ? "valid" : std::string("INVALID (") + std::string(crypto::to_string(ok.error())) + ")";
    return j;
}

ordered_json describe_crl(const crypto::Crl& crl) {
    ordered_json j;
    j["type"] = "crl";
    j["issuer"] = crl.issuer();
    j["crl_number"] = crl.crl_number();
    j["this_update"] = policy::format_utc_time(crl.this_update());
    j["next_update"] = policy::format_utc_time(crl.next_update());
    j["revoked"] = ordered_json::array();
    for (const auto& e : crl.entries()) {
        ordered_json r;
        r["serial"] = serial_text(e.serial);
        r["revoked_at"] = policy::format_utc_time(e.revoked_at);
        r["reason"] = std::string(reason_name(static_cast<crypto::RevocationReason>(e.reason)));
        j["revoked"].push_back(r);
    }
    return j;
}

ordered_json describe_directory(const std::string& text, const crypto::Certificate& ca) {
    const auto bytes = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    // Shown even when expired: verified at the earliest time, then expiry reported beside.
    const auto d = policy::parse_signed_directory(bytes, ca.der(), 0, ike::Time::min());
    if (!d) throw Refused("directory refused: " + std::string(policy::to_string(d.error().error)) + ": " + d.error().detail);
    ordered_json j;
    j["type"] = "directory";
    j["serial"] = d->serial;
    j["expires"] = policy::format_utc_time(d->expires);
    j["expired"] = now_seconds() > d->expires;
    j["signature"] = "valid (" + ca.subject() + ")";
    j["nodes"] = ordered_json::array();
    for (const auto& n : d->nodes) {
        ordered_json node;
        node["name"] = n.name;
        std::vector<std::string> eps, subnets;
        for (const auto& a : n.endpoints) eps.push_back(policy::format_address(a));
        for (const auto& ts : n.subnets) subnets.push_back(policy::format_subnet(ts));
        node["endpoints"] = eps;
        node["subnets"] = subnets;
        j["nodes"].push_back(node);
    }
    return j;
}

// Human-readable: one "key: value" line per field; lists joined; arrays of objects indented.
void print_text(const ordered_json& j, int indent = 0) {
    for (const auto& [k, v] : j.items()) {
        std::cout << std::string(static_cast<std::size_t>(indent), ' ') << k << ":";
        if (v.is_array() && !v.empty() && v.front().is_object()) {
            std::cout << "\n";
            for (const auto& item : v) {
                std::cout << std::string(static_cast<std::size_t>(indent) + 2, ' ') << "-\n";
                print_text(item, indent + 4);
            }
            continue;
        }
        if (v.is_array()) {
            std::string joined;
            for (const auto& item : v) joined += (joined.empty() ? "" : ", ") + item.get<std::string>();
            std::cout << " " << (joined.empty() ? "-" : joined) << "\n";
        } else if (v.is_string()) {
            std::cout << " " << v.get<std::string>() << "\n";
        } else {
            std::cout << " " << v.dump() << "\n";
        }
    }
}

}  // namespace

void cmd_show(const Common& c, const ShowOptions& o) {
    const auto text = read_file(o.file);
    ordered_json j;
    if (text.find("-----BEGIN CERTIFICATE REQUEST-----") != std::string::npos) {
        const auto req = crypto::CertificateRequest::from_pem(text);
        if (!req) throw Refused(o.file.string() + ": a certificate request that does not parse");
        j = describe_request(*req);
    } else if (text.find("-----BEGIN CERTIFICATE-----") != std::string::npos) {
        j = describe_certificate(load_certificate(o.file));
    } else if (text.find("-----BEGIN X509 CRL-----") != std::string::npos) {
        const auto crl = crypto::Crl::from_pem(text);
        if (!crl) throw Refused(o.file.string() + ": a CRL that does not parse");
        j = describe_crl(*crl);
    } else if (text.rfind("meshd-directory ", 0) == 0) {
        j = describe_directory(text, load_certificate(ca_path(c, o.ca)));
    } else {
        throw Refused(o.file.string() + ": not a certificate, request, CRL or signed directory");
    }
    if (o.json)
        std::cout << j.dump(2) << "\n";
    else
        print_text(j);
}

int cmd_verify(const Common& c, const VerifyOptions& o) {
    const auto leaf = load_certificate(o.cert);
    auto anchor = crypto::TrustAnchor::create(load_certificate(ca_path(c, o.ca)));
    if (!anchor) throw Refused(ca_path(c, o.ca).string() + ": not a usable CA certificate (" +
                               std::string(crypto::to_string(anchor.error())) + ")");
    if (o.crl) {
        const auto crl = crypto::Crl::from_pem(read_file(*o.crl));
        if (!crl) throw Refused(o.crl->string() + ": not a PEM CRL");
        if (const auto ok = anchor->set_crl(*crl); !ok)
            throw Refused(o.crl->string() + ": not a CRL of this CA (" + std::string(crypto::to_string(ok.error())) + ")");
    }
    const auto v = crypto::verify_certificate_chain(*anchor, leaf, {}, now_seconds());
    if (!v) {
        std::cout << o.cert.string() << ": REFUSED: " << crypto::to_string(v.error()) << "\n";
        return kExitRefused;
    }
    std::cout << o.cert.string() << ": OK: " << leaf.subject() << " serial " << serial_text(leaf.serial())
              << ", subnets " << join_subnets(v->ip_blocks() ? from_blocks(*v->ip_blocks()) : ike::TrafficSelectors{})
              << " (inside the CA's), valid until " << policy::format_utc_time(leaf.not_after())
              << (o.crl ? ", not revoked" : ", revocation not checked (no --crl)") << "\n";
    return kExitOk;
}

void cmd_fingerprint(const Common&, const FingerprintOptions& o) {
    const auto cert = load_certificate(o.cert);
    if (!o.all) {
        std::cout << policy::blocklist_spki_line(cert.spki_sha256()) << "\n";
        return;
    }
    std::cout << "# " << cert.subject() << " serial " << serial_text(cert.serial())
              << ": each line below blocks it in a node's blocklist\n";
    std::cout << policy::blocklist_spki_line(cert.spki_sha256()) << "\n";
    std::cout << policy::blocklist_serial_line(cert.serial(), crypto::sha256({cert.issuer_dn_der()})) << "\n";
    for (const auto& d : cert.alt_names().dns) std::cout << "name " << d << "\n";
}

}  // namespace meshca
