// init, csr, sign, issue, renew: the commands that make keys and certificates.
#include "ca_store.hpp"
#include "errors.hpp"
#include "options.hpp"
#include "parse_args.hpp"

#include "crypto/csr.hpp"
#include "policy/mesh_text.hpp"

#include <chrono>
#include <iostream>

namespace meshca {
namespace crypto = ike::crypto;
namespace policy = ike::policy;
namespace {

using namespace std::chrono_literals;

// Certificates start a little in the past: a node whose clock is a few minutes behind the CA's
// must not see its fresh certificate as not yet valid.
constexpr auto kBackdate = 5min;

crypto::PrivateKey generate_key(const KeySpec& spec, crypto::Rng& rng) {
    auto key = crypto::PrivateKey::generate(spec.type, rng, spec.rsa_bits ? spec.rsa_bits : 3072);
    if (!key) throw Refused("cannot generate a key: " + std::string(crypto::to_string(key.error())));
    return std::move(*key);
}

struct NodeRequest {
    std::string name;
    ike::TrafficSelectors subnets;
    std::vector<ike::IpAddress> endpoints;
    Time not_after;
};

// Checks a node's request against the CA and its index; then signs it, adds it to the index and
// stages its archive copy. Returns the certificate's PEM.
std::string issue_node(CaStore& store, const crypto::CertificateAuthority& ca, const crypto::PublicKey& key,
                       const NodeRequest& r, Time now, crypto::Rng& rng, WriteSet& w) {
    store.check_subnets_allowed(r.subnets);
    store.check_no_overlap(r.name, r.subnets, now);
    store.check_lifetime(r.not_after);
    crypto::NodeProfile p;
    p.common_name = r.name;
    p.alt_names.dns = {r.name};
    for (const auto& a : r.endpoints) {
        if (a.family == ike::IpAddress::Family::v4)
            p.alt_names.ipv4.push_back({a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]});
        else
            p.alt_names.ipv6.push_back(a.bytes);
    }
    p.ip_blocks = to_blocks(r.subnets);
    p.not_before = now - kBackdate;
    p.not_after = r.not_after;
    p.serial = store.next_serial();
    auto cert = ca.issue_node(key, p, rng);
    if (!cert) throw Refused("cannot sign the certificate: " + std::string(crypto::to_string(cert.error())));
    IndexEntry e;
    e.serial = p.serial;
    e.not_after = r.not_after;
    e.name = r.name;
    e.subnets = r.subnets;
    e.endpoints = r.endpoints;
    store.index().push_back(std::move(e));
    auto pem = cert->to_pem();
    w.state(store.cert_path(p.serial), pem);
    return pem;
}

void refuse_second_certificate(const CaStore& store, const std::string& name, Time now, bool force) {
    const auto* e = store.newest_unrevoked(name);
    if (e && e->not_after >= now && !force)
        throw Refused(name + " already has a valid certificate (serial " + std::to_string(e->serial) +
                      "): use 'meshca renew', revoke it first, or --force");
}

void say_written(const WriteSet& w) {
    for (const auto& p : w.outputs()) std::cout << "wrote " << p.string() << "\n";
}

}  // namespace

ike::Time now_seconds() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

std::optional<std::string> passphrase(const Common& c) {
    if (!c.passphrase_file) return std::nullopt;
    return read_passphrase(*c.passphrase_file);
}

void cmd_init(const Common& c, const InitOptions& o) {
    if (o.name.empty()) throw UsageError("--name is empty");
    const auto spec = parse_key_type(o.key_type, false);
    const auto lifetime = parse_duration(o.lifetime, "--lifetime");
    const auto blocks = to_blocks(parse_subnet_list(o.subnets, "--subnets"));
    const auto pass = passphrase(c);
    WriteSet w(c.force);
    w.directory(c.dir, fs::perms::owner_all);
    w.directory(c.dir / "certs", fs::perms::owner_all);
    const auto rng = crypto::make_system_rng();
    const auto now = now_seconds();
    crypto::CaProfile p;
    p.common_name = o.name;
    p.not_before = now - kBackdate;
    p.not_after = now + lifetime;
    p.serial = 1;
    p.ip_blocks = blocks;
    auto key = generate_key(spec, *rng);
    std::string key_pem;
    if (pass) {
        auto enc = key.to_encrypted_pem(*pass, *rng);
        if (!enc) throw Refused("cannot encrypt the CA key");
        key_pem = std::move(*enc);
    } else {
        key_pem = key.to_pem();
    }
    auto ca = crypto::CertificateAuthority::create_self_signed(std::move(key), p, *rng);
    if (!ca) throw Refused("cannot create the CA: " + std::string(crypto::to_string(ca.error())));
    CaStore::stage_new(w, c.dir, *ca, key_pem, now, *rng);
    w.commit();
    std::cout << "CA " << ca->certificate().subject() << " in " << c.dir.string() << " (" << key_type_name(spec.type)
              << ", subnets " << join_subnets(from_blocks(blocks)) << ", until "
              << policy::format_utc_time(p.not_after) << ")\n";
    say_written(w);
}

void cmd_csr(const Common& c, const CsrOptions& o) {
    const auto name = node_name(o.name);
    const auto spec = parse_key_type(o.key_type, true);
    WriteSet w(c.force);
    w.directory(o.out_dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
    const auto key_path = o.out_dir / (name + ".key");
    const auto csr_path = o.out_dir / (name + ".csr");
    w.check_output(key_path);
    w.check_output(csr_path);
    const auto rng = crypto::make_system_rng();
    const auto key = generate_key(spec, *rng);
    const auto req = crypto::CertificateRequest::create(key, name, *rng);
    if (!req) throw Refused("cannot make the request: " + std::string(crypto::to_string(req.error())));
    w.output(key_path, key.to_pem(), 0600);
    w.output(csr_path, req->to_pem());
    w.commit();
    say_written(w);
}

void cmd_sign(const Common& c, const SignOptions& o) {
    const auto subnets = parse_subnet_list(o.subnets, "--subnets");
    const auto endpoints = parse_address_list(o.endpoints, "--endpoint");
    const auto lifetime = parse_duration(o.lifetime, "--lifetime");
    const auto req = crypto::CertificateRequest::from_pem(read_file(o.csr));
    if (!req && req.error() == crypto::CertError::SignatureMismatch)
        throw Refused(o.csr.string() + ": the request's signature does not verify");
    if (!req) throw Refused(o.csr.string() + ": not a PEM certificate request");
    if (const auto ok = req->verify_signature(); !ok)
        throw Refused(o.csr.string() + ": the request's signature does not verify (" +
                      std::string(crypto::to_string(ok.error())) + ")");
    const auto name = node_name(req->common_name());
    for (const auto& dns : req->alt_names().dns)
        if (policy::lower_case(dns) != name)
            throw Refused(o.csr.string() + ": the request names " + dns + " beside " + name);
    DirLock lock(c.dir);
    auto store = CaStore::open(c.dir);
    const auto now = now_seconds();
    refuse_second_certificate(store, name, now, c.force);
    WriteSet w(c.force);
    const auto out = o.out ? *o.out : o.csr.parent_path() / (name + ".crt");
    w.check_output(out);
    const auto ca = store.load_key(passphrase(c));
    const auto rng = crypto::make_system_rng();
    const auto pem = issue_node(store, ca, req->public_key(), {name, subnets, endpoints, now + lifetime}, now, *rng, w);
    w.output(out, pem);
    store.stage_state(w);
    w.commit();
    std::cout << "signed " << name << " serial " << store.index().back().serial << " subnets " << join_subnets(subnets)
              << "\n";
    say_written(w);
}

void cmd_issue(const Common& c, const IssueOptions& o) {
    const auto spec = parse_key_type(o.key_type, true);
    const auto lifetime = parse_duration(o.lifetime, "--lifetime");
    const auto endpoints = parse_address_list(o.endpoints, "--endpoint");
    const auto pool = parse_subnet_list(o.subnets, "--subnets");
    // What to issue: one name, or --count names from the pattern, each with the next /split of
    // the pool.
    std::vector<std::pair<std::string, ike::TrafficSelectors>> nodes;
    if (o.count) {
        if (o.name) throw UsageError("--name and --count exclude each other");
        if (!o.name_pattern || !o.split) throw UsageError("--count needs --name-pattern and --split");
        if (!endpoints.empty() && *o.count > 1) throw UsageError("--endpoint names one node: not with --count");
        check_pattern(*o.name_pattern);
        if (pool.size() != 1) throw UsageError("--count takes one pool in --subnets (10.64.0.0/10)");
        const auto& base = pool.front();
        const unsigned bits = base.start.family == ike::IpAddress::Family::v4 ? 32 : 128;
        const auto pool_text = policy::format_subnet(base);
        const unsigned pool_len = static_cast<unsigned>(std::stoul(pool_text.substr(pool_text.find('/') + 1)));
        if (*o.split < pool_len || *o.split > bits) throw UsageError("--split must lie between the pool's prefix and " + std::to_string(bits));
        const unsigned spare = *o.split - pool_len;
        if (spare < 32 && *o.count > (1ull << spare))
            throw Refused("the pool " + pool_text + " holds only " + std::to_string(1ull << spare) + " /" +
                          std::to_string(*o.split) + " subnets");
        for (unsigned i = 0; i < *o.count; ++i) {
            // The pool's host bits are zero, so the i-th subnet is the base with i's bits set
            // just above the subnet's own host bits.
            ike::IpAddress a = base.start;
            const unsigned host_bits = bits - *o.split;
            for (unsigned k = 0; k < 32 && k < spare; ++k) {
                if (((i >> k) & 1u) == 0) continue;
                const unsigned pos = host_bits + k;  // from the least significant bit
                a.bytes[bits / 8 - 1 - pos / 8] |= static_cast<std::uint8_t>(1u << (pos % 8));
            }
            nodes.emplace_back(node_name(expand_pattern(*o.name_pattern, o.first + i)),
                               ike::TrafficSelectors{ike::TrafficSelector::subnet(a, *o.split)});
        }
    } else {
        if (!o.name) throw UsageError("issue needs --name (or --count with --name-pattern)");
        if (o.name_pattern || o.split) throw UsageError("--name-pattern and --split go with --count");
        nodes.emplace_back(node_name(*o.name), pool);
    }
    DirLock lock(c.dir);
    auto store = CaStore::open(c.dir);
    const auto now = now_seconds();
    WriteSet out(c.force);
    out.directory(o.out_dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec);
    for (const auto& [name, subnets] : nodes) {
        refuse_second_certificate(store, name, now, c.force);
        out.check_output(o.out_dir / (name + ".key"));
        out.check_output(o.out_dir / (name + ".crt"));
    }
    const auto ca = store.load_key(passphrase(c));
    const auto rng = crypto::make_system_rng();
    for (const auto& [name, subnets] : nodes) {
        const auto key = generate_key(spec, *rng);
        const auto pem = issue_node(store, ca, key.public_key(), {name, subnets, endpoints, now + lifetime}, now, *rng, out);
        out.output(o.out_dir / (name + ".key"), key.to_pem(), 0600);
        out.output(o.out_dir / (name + ".crt"), pem);
    }
    store.stage_state(out);
    out.commit();
    if (nodes.size() == 1) {
        std::cout << "issued " << nodes.front().first << " serial " << store.index().back().serial << " subnets "
                  << join_subnets(nodes.front().second) << "\n";
        say_written(out);
    } else {
        std::cout << "issued " << nodes.size() << " certificates (" << nodes.front().first << " .. "
                  << nodes.back().first << ") in " << o.out_dir.string() << "\n";
    }
}

void cmd_renew(const Common& c, const RenewOptions& o) {
    const auto name = node_name(o.name);
    const auto lifetime = parse_duration(o.lifetime, "--lifetime");
    DirLock lock(c.dir);
    auto store = CaStore::open(c.dir);
    const auto* old = store.newest_unrevoked(name);
    if (!old) throw Refused("no certificate of " + name + " to renew (unknown node, or every one revoked)");
    const auto old_cert = crypto::Certificate::from_pem(read_file(store.cert_path(old->serial)));
    if (!old_cert) throw Refused(store.cert_path(old->serial).string() + ": not a PEM certificate");
    const auto now = now_seconds();
    const auto old_serial = old->serial;
    const NodeRequest r{name, old->subnets, old->endpoints, now + lifetime};
    WriteSet w(c.force);
    const auto out = o.out ? *o.out : fs::path(name + ".crt");
    w.check_output(out);
    const auto ca = store.load_key(passphrase(c));
    const auto rng = crypto::make_system_rng();
    const auto pem = issue_node(store, ca, old_cert->public_key(), r, now, *rng, w);
    w.output(out, pem);
    store.stage_state(w);
    w.commit();
    std::cout << "renewed " << name << ": serial " << store.index().back().serial << " until "
              << policy::format_utc_time(r.not_after) << " (replaces serial " << old_serial << ")\n";
    say_written(w);
}

}  // namespace meshca
