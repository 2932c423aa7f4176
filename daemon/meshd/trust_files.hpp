// The signed directory and the blocklist (docs/FORMATS.md, the meshca/meshd contract) as meshd
// uses them: lib/policy's parsers (policy/directory.hpp, policy/blocklist.hpp) with their results
// in meshd's shapes and their failures as a line number and a detail, for file:line errors.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "crypto/x509_cert.hpp"
#include "ike/config.hpp"
#include "ike/expected.hpp"
#include "peers.hpp"

namespace meshd::trust_files {

struct Directory {
    std::uint64_t serial = 0;
    ike::Time expires{};
    std::vector<Peer> nodes;
};

struct Failure {
    unsigned line = 0;  // 0: the file as a whole
    std::string detail;
};

// The signed directory: its signature by the CA key, not expired at `now`, serial not below
// `min_serial` (the same serial is a reload of the same file).
ike::Expected<Directory, Failure> parse_signed_directory(std::span<const std::uint8_t> file,
                                                         const ike::crypto::Certificate& ca,
                                                         std::uint64_t min_serial, ike::Time now);

// The blocklist: spki-sha256 / serial+issuer / name lines, into `policy`'s blocked_* fields.
// A "serial X issuer H" line names our one CA by the SHA-256 of its subject DN; a line for
// another issuer can never match a peer of this mesh and is refused.
ike::Expected<void, Failure> parse_blocklist(std::string_view text, const ike::crypto::Certificate& ca,
                                             ike::RevocationPolicy& policy);

}  // namespace meshd::trust_files
