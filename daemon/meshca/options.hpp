// What each meshca subcommand was asked to do (filled by main.cpp from the command line) and the
// functions that do it. Each throws UsageError or Refused before writing anything.
#pragma once

#include "files.hpp"
#include "ike/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meshca {

struct Common {
    fs::path dir = ".";                      // the CA directory
    std::optional<fs::path> passphrase_file;  // for an encrypted ca.key
    bool force = false;
};

struct InitOptions {
    std::string name;
    std::string key_type = "ed25519";
    std::string subnets = "10.0.0.0/8,fd00::/8";
    std::string lifetime = "10y";
};

struct CsrOptions {
    std::string name;
    std::string key_type = "ed25519";
    fs::path out_dir = ".";
};

struct SignOptions {
    fs::path csr;
    std::string subnets;
    std::vector<std::string> endpoints;
    std::string lifetime = "30d";
    std::optional<fs::path> out;
};

struct IssueOptions {
    std::optional<std::string> name;
    std::string subnets;
    std::vector<std::string> endpoints;
    std::string key_type = "ed25519";
    std::string lifetime = "30d";
    fs::path out_dir = ".";
    std::optional<unsigned> count;
    std::optional<std::string> name_pattern;
    std::optional<unsigned> split;
    unsigned first = 1;
};

struct RenewOptions {
    std::string name;
    std::string lifetime = "30d";
    std::optional<fs::path> out;
};

struct RevokeOptions {
    std::string what;  // a name or a decimal serial
    std::string reason = "unspecified";
    std::string next_update = "7d";
};

struct CrlOptions {
    std::string next_update = "7d";
};

struct DirectorySignOptions {
    fs::path input;
    std::string lifetime = "7d";
    std::optional<fs::path> out;
};

struct ShowOptions {
    fs::path file;
    bool json = false;
    std::optional<fs::path> ca;
};

struct VerifyOptions {
    fs::path cert;
    std::optional<fs::path> crl;
    std::optional<fs::path> ca;
};

struct FingerprintOptions {
    fs::path cert;
    bool all = false;
};

// The wall clock, whole seconds (certificates carry no fractions).
ike::Time now_seconds();
// The CA key's passphrase from --passphrase-file, if given.
std::optional<std::string> passphrase(const Common& c);

void cmd_init(const Common& c, const InitOptions& o);
void cmd_csr(const Common& c, const CsrOptions& o);
void cmd_sign(const Common& c, const SignOptions& o);
void cmd_issue(const Common& c, const IssueOptions& o);
void cmd_renew(const Common& c, const RenewOptions& o);
void cmd_revoke(const Common& c, const RevokeOptions& o);
void cmd_crl(const Common& c, const CrlOptions& o);
void cmd_directory_sign(const Common& c, const DirectorySignOptions& o);
void cmd_show(const Common& c, const ShowOptions& o);
int cmd_verify(const Common& c, const VerifyOptions& o);
void cmd_fingerprint(const Common& c, const FingerprintOptions& o);

}  // namespace meshca
