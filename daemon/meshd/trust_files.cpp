// The signed directory and the blocklist (docs/FORMATS.md) through lib/policy's parsers, in
// meshd's shapes: directory nodes become Peers, a failure names its line for file:line errors.
#include "trust_files.hpp"

#include <algorithm>
#include <charconv>

#include "crypto/hash.hpp"
#include "policy/blocklist.hpp"
#include "policy/directory.hpp"

namespace meshd::trust_files {
namespace {

// lib/policy's details start "line N: ..." where a line is at fault.
Failure failure(const std::string& detail) {
    Failure f{0, detail};
    constexpr std::string_view prefix = "line ";
    if (detail.rfind(prefix, 0) == 0) {
        const char* begin = detail.data() + prefix.size();
        const char* end = detail.data() + detail.size();
        const auto r = std::from_chars(begin, end, f.line);
        if (r.ec == std::errc{} && r.ptr + 2 <= end && r.ptr[0] == ':' && r.ptr[1] == ' ')
            f.detail = std::string(r.ptr + 2, end);
        else
            f.line = 0;
    }
    return f;
}

}  // namespace

ike::Expected<Directory, Failure> parse_signed_directory(std::span<const std::uint8_t> file,
                                                         const ike::crypto::Certificate& ca,
                                                         std::uint64_t min_serial, ike::Time now) {
    auto d = ike::policy::parse_signed_directory(file, ca.der(), min_serial, now);
    if (!d) {
        auto f = failure(d.error().detail);
        f.detail = std::string(ike::policy::to_string(d.error().error)) + ": " + f.detail;
        return ike::unexpected(std::move(f));
    }
    Directory out{d->serial, d->expires, {}};
    for (auto& n : d->nodes) out.nodes.push_back(Peer{std::move(n.name), std::move(n.endpoints), std::move(n.subnets)});
    return out;
}

ike::Expected<void, Failure> parse_blocklist(std::string_view text, const ike::crypto::Certificate& ca,
                                             ike::RevocationPolicy& policy) {
    auto b = ike::policy::parse_blocklist(text);
    if (!b) return ike::unexpected(failure(b.error().detail));
    // A serial line names its issuer by the SHA-256 of its DN: in a mesh of one CA, a line for
    // another issuer can never match a peer, so it is a mistake worth refusing.
    const auto ca_dn_hash = ike::crypto::sha256({ca.subject_dn_der()});
    for (const auto& s : b->serials) {
        if (!s.issuer_dn_sha256 || !std::equal(s.issuer_dn_sha256->begin(), s.issuer_dn_sha256->end(), ca_dn_hash.begin()))
            return ike::unexpected(Failure{0, "a serial line names an issuer that is not this mesh's CA"});
    }
    b->apply_to(policy);
    return {};
}

}  // namespace meshd::trust_files
