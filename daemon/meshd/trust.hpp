// The files the config names, read and checked as a whole before anything is installed (at
// start) or replaced (at reload): our certificate valid now, chaining to the CA and covering our
// subnets; the key not readable by others and matching the certificate; CRL signed by the CA;
// blocklist and signed directory well-formed and verified. Any problem: a ConfigIssue naming the
// file and line, and nothing changes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config.hpp"
#include "ike/config.hpp"
#include "node.hpp"

namespace meshd {

struct Trust {
    ike::Credentials credentials;
    ike::RevocationPolicy revocation;
    std::vector<Peer> peers;              // the directory's nodes, then static peers
    std::uint64_t directory_serial = 0;   // to persist in state_dir/directory.serial
    ike::Time certificate_not_after{};
    std::optional<ike::Time> crl_next_update;     // the CRL's nextUpdate (none: no CRL, or none in it)
    std::optional<ike::Time> directory_expires;   // the signed directory's expires
};

// The highest directory serial and cRLNumber accepted before (state_dir), 0 when none.
struct Persisted {
    std::uint64_t directory_serial = 0;
    std::uint64_t crl_number = 0;
};
Persisted read_state(const std::string& state_dir);
// Writes state_dir/NAME atomically (temp file + rename); false on failure.
bool write_state_number(const std::string& state_dir, const std::string& name, std::uint64_t value);

ike::Expected<Trust, ConfigIssues> load_trust(const FileConfig& config, const Persisted& persisted, ike::Time now);

// A reload (SIGHUP, meshctl): the files are read and checked again as at start, and only a set
// that passes every check reaches the Node (Node::on_reload); otherwise nothing changes and the
// issues say why. The caller persists the accepted directory serial and cRLNumber.
ike::Expected<Trust, ConfigIssues> reload_node(Node& node, const FileConfig& config, const Persisted& persisted,
                                               ike::Time now);

// NodeSettings from a checked config and its trust (the part of start that decides nothing).
NodeSettings node_settings(const FileConfig& config, const Trust& trust, const Persisted& persisted);

}  // namespace meshd
