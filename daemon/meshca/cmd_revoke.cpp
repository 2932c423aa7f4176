// revoke, crl and directory sign: the commands that change what the mesh trusts after issuance.
#include "ca_store.hpp"
#include "errors.hpp"
#include "options.hpp"
#include "parse_args.hpp"

#include "policy/directory.hpp"
#include "policy/mesh_text.hpp"

#include <algorithm>
#include <charconv>
#include <iostream>

namespace meshca {
namespace crypto = ike::crypto;
namespace policy = ike::policy;
namespace {

std::optional<std::uint64_t> as_serial(std::string_view text) {
    std::uint64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
    return v;
}

// The CRL of every revocation in the index, with the next cRLNumber, and the state beside it.
void write_crl(const Common& c, CaStore& store, Time now, Time next_update) {
    WriteSet w(true);
    const auto ca = store.load_key(passphrase(c));
    const auto rng = crypto::make_system_rng();
    store.stage_crl(w, ca, now, next_update, *rng);
    store.stage_state(w);
    w.commit();
    std::cout << "wrote " << (c.dir / "crl.pem").string() << " (CRL number " << store.crl_number()
              << ", next update " << policy::format_utc_time(next_update) << ")\n";
}

}  // namespace

void cmd_revoke(const Common& c, const RevokeOptions& o) {
    const auto reason = parse_reason(o.reason);
    if (!reason) throw UsageError("--reason: '" + o.reason + "' (one of " + reason_names() + ")");
    const auto next = parse_duration(o.next_update, "--next-update");
    DirLock lock(c.dir);
    auto store = CaStore::open(c.dir);
    const auto serial = as_serial(o.what);
    const auto name = serial ? std::string() : node_name(o.what);
    const auto now = now_seconds();
    std::vector<std::uint64_t> revoked;
    bool known = false;
    for (auto& e : store.index()) {
        if (serial ? e.serial != *serial : e.name != name) continue;
        known = true;
        if (e.revoked) continue;
        e.revoked = true;
        e.revoked_at = now;
        e.reason = *reason;
        revoked.push_back(e.serial);
    }
    if (!known) throw Refused("unknown node or serial '" + o.what + "' (see index.txt)");
    if (revoked.empty()) throw Refused("'" + o.what + "' is already revoked");
    write_crl(c, store, now, now + next);
    for (const auto s : revoked) std::cout << "revoked serial " << s << " (" << reason_name(*reason) << ")\n";
}

void cmd_crl(const Common& c, const CrlOptions& o) {
    const auto next = parse_duration(o.next_update, "--next-update");
    DirLock lock(c.dir);
    auto store = CaStore::open(c.dir);
    const auto now = now_seconds();
    write_crl(c, store, now, now + next);
}

void cmd_directory_sign(const Common& c, const DirectorySignOptions& o) {
    const auto lifetime = parse_duration(o.lifetime, "--lifetime");
    auto nodes = policy::parse_directory_input(read_file(o.input));
    if (!nodes) throw Refused(o.input.string() + ": " + nodes.error().detail);
    DirLock lock(c.dir);
    auto store = CaStore::open(c.dir);
    const auto now = now_seconds();
    // The directory is a routing hint, but one that contradicts the certificates is a mistake:
    // every node must hold a valid certificate whose subnets cover its directory subnets.
    for (const auto& n : *nodes) {
        const auto* e = store.newest_unrevoked(n.name);
        if (!e || e->not_after < now)
            throw Refused(o.input.string() + ": node " + n.name + " has no valid certificate from this CA");
        const auto blocks = to_blocks(e->subnets);
        for (const auto& ts : n.subnets) {
            const auto r = crypto::IpRange::range(ts.start.octets(), ts.end.octets());
            if (!r || !blocks.contains(*r))
                throw Refused(o.input.string() + ": subnet " + policy::format_subnet(ts) + " of " + n.name +
                              " is outside its certificate's subnets (" + join_subnets(e->subnets) + ")");
        }
    }
    const auto out = o.out ? *o.out : o.input.parent_path() / "directory.signed";
    WriteSet w(c.force);
    w.check_output(out);
    store.check_lifetime(now + lifetime);
    policy::Directory d;
    d.serial = store.next_directory_serial();
    d.expires = now + lifetime;
    d.nodes = std::move(*nodes);
    const auto body = policy::format_directory_body(d);
    const auto ca = store.load_key(passphrase(c));
    const auto rng = crypto::make_system_rng();
    const auto sig = ca.sign_bytes(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()), *rng);
    if (!sig) throw Refused("cannot sign the directory: " + std::string(crypto::to_string(sig.error())));
    w.output(out, body + policy::format_directory_signature(*sig));
    store.stage_state(w);
    w.commit();
    std::cout << "signed directory serial " << d.serial << " (" << d.nodes.size() << " nodes, expires "
              << policy::format_utc_time(d.expires) << ")\nwrote " << out.string() << "\n";
}

}  // namespace meshca
