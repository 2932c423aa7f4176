// meshd's configuration: one TOML file (docs/meshd.md is its reference). parse_config checks
// the file itself; load_trust (trust.hpp) reads the files it names. Every problem is reported as
// FILE:LINE: FIELD: what is wrong, all of them at once, and meshd exits with status 2.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ike/config.hpp"
#include "ike/expected.hpp"
#include "peers.hpp"

namespace meshd {

struct ConfigIssue {
    std::string file;
    unsigned line = 0;   // 0: the file as a whole
    std::string field;
    std::string message;
    std::string to_string() const;  // "file:line: field: message"
};
using ConfigIssues = std::vector<ConfigIssue>;

struct FileConfig {
    std::string path;  // of the config file; relative file names below are relative to its folder
    // [node]
    std::string name;         // our identity: the certificate's DNS name
    std::string certificate;  // PEM, ours
    std::string key;          // PEM PKCS#8, mode 0600
    std::string ca;           // PEM, the mesh CA
    std::string crl;          // PEM CRL (optional)
    std::string blocklist;    // (optional)
    std::string directory;    // signed directory (optional with static peers)
    std::string state_dir = "/var/lib/meshd";
    ike::TrafficSelectors subnets;
    std::vector<ike::IpAddress> listen;
    bool hold_first_packet = true;   // net.core.xfrm_larval_drop = 0
    std::string keylog;              // a folder for Wireshark's ikev2_decryption_table and esp_sa; empty: off
    std::string log_level = "info";
    bool strict_crl_expiry = false;
    // [proposals]
    ike::Proposals proposals;
    // [lifetimes]
    std::chrono::seconds ike_rekey{4 * 3600};
    std::chrono::seconds child_soft{3600};
    std::chrono::seconds child_hard{3600 + 600};
    std::uint64_t child_soft_bytes = 0, child_hard_bytes = 0;
    std::uint64_t child_soft_packets = 0, child_hard_packets = 0;
    unsigned jitter_percent = 10;
    std::chrono::seconds idle_timeout{300};
    // [control]: meshctl's socket (docs/control.md)
    std::string control_socket = "/run/meshd/meshd.sock";
    std::string control_group;  // may read status (mode 0660); empty: root only
    // [[peer]]
    std::vector<Peer> peers;
    // Where each field was set, for the start checks' messages ("node.certificate" -> line).
    std::map<std::string, unsigned> lines;

    std::string resolve(const std::string& file) const;  // relative to the config's folder
    ConfigIssue issue(const std::string& field, std::string message) const;
};

ike::Expected<FileConfig, ConfigIssues> parse_config(std::string_view text, const std::string& path);
ike::Expected<FileConfig, ConfigIssues> load_config(const std::string& path);

// Proposal names (strongSwan's spelling, which administrators know): IKE
// "aes256gcm16-prfsha256-x25519", ESP "aes256gcm16", "chacha20poly1305", "aes256-sha256".
std::optional<ike::crypto::IkeSuite> parse_ike_proposal(std::string_view text);
std::optional<ike::crypto::EspSuite> parse_esp_proposal(std::string_view text);
// "30s", "5m", "1h", "2d", or a bare number of seconds.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace meshd
