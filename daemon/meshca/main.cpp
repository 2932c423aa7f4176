// meshca: the mesh's offline certificate authority. A thin command line (CLI11) over the commands
// in cmd_*.cpp; exit 0 on success, 1 when an operation is refused, 2 for usage errors.
#include "ca_store.hpp"
#include "errors.hpp"
#include "options.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace {

using namespace meshca;

constexpr const char* kFooter = R"(
Quick start (a CA, three nodes, the directory; docs/FORMATS.md describes every file):
  meshca init --name "Example mesh CA" --subnets 10.0.0.0/8 --dir ca
  meshca csr --name nyc.mesh.example                  # on the node: its key never leaves it
  meshca sign --dir ca --csr nyc.mesh.example.csr --subnets 10.0.1.0/24 --endpoint 192.0.2.1
  meshca issue --dir ca --name sfo.mesh.example --subnets 10.0.2.0/24 --endpoint 192.0.2.2
  meshca issue --dir ca --name laptop.mesh.example --subnets 10.0.9.5/32
  printf '%s\n' 'node nyc.mesh.example 192.0.2.1 10.0.1.0/24' \
      'node sfo.mesh.example 192.0.2.2 10.0.2.0/24' 'node laptop.mesh.example - 10.0.9.5/32' >nodes
  meshca directory sign --dir ca nodes               # -> directory.signed
  meshca revoke --dir ca laptop.mesh.example --reason key-compromise   # rewrites ca/crl.pem
Each node needs NAME.crt, NAME.key, ca/ca.crt, ca/crl.pem and directory.signed.
Cron on the CA: meshca renew NAME --force; meshca crl; meshca directory sign nodes --force.
Exit status: 0 done, 1 refused (nothing written), 2 usage error (nothing written).
The CA directory is --dir, else $MESHCA_DIR, else the current directory.)";

void add_common(CLI::App& sub, Common& c, bool ca_key, bool writes) {
    sub.add_option("--dir", c.dir, "CA directory (default: $MESHCA_DIR or .)")->envname("MESHCA_DIR");
    if (ca_key)
        sub.add_option("--passphrase-file", c.passphrase_file,
                       "file whose first line is the CA key's passphrase (init: encrypt the new key with it)")
            ->check(CLI::ExistingFile);
    if (writes) sub.add_flag("--force", c.force, "replace output files that exist (and, for sign/issue, a node's valid certificate)");
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"meshca: the offline certificate authority of an IPsec mesh (meshd).\n"
                 "Makes the CA, node keys and certificates (name + subnets, RFC 3779), CRLs and the\n"
                 "signed directory; all standard X.509/PEM that openssl and strongSwan read."};
    app.name("meshca");
    app.footer(kFooter);
    app.require_subcommand(1);
    Common common;

    InitOptions init;
    auto* s_init = app.add_subcommand("init", "create the CA: ca.key (0600), ca.crt, an empty crl.pem, counters, index.txt");
    s_init->add_option("--name", init.name, "the CA's common name, e.g. \"Example mesh CA\"")->required();
    s_init->add_option("--key-type", init.key_type, "ed25519 | ecdsa-p256 | ecdsa-p384")->capture_default_str();
    s_init->add_option("--subnets", init.subnets, "CIDR list the whole mesh may use; every node's subnets must lie inside")
        ->capture_default_str();
    s_init->add_option("--lifetime", init.lifetime, "CA validity: Ns, Nm, Nh, Nd, Nw or Ny")->capture_default_str();
    add_common(*s_init, common, true, true);

    CsrOptions csr;
    auto* s_csr = app.add_subcommand("csr", "on a node: make NAME.key (0600) and NAME.csr (PKCS#10) for the CA to sign");
    s_csr->add_option("--name", csr.name, "the node's DNS name, e.g. nyc.mesh.example")->required();
    s_csr->add_option("--key-type", csr.key_type, "ed25519 | ecdsa-p256 | ecdsa-p384 | rsa-2048 | rsa-3072 | rsa-4096 (RSA signs with PSS)")
        ->capture_default_str();
    s_csr->add_option("--out-dir", csr.out_dir, "where to write the key and the request")->capture_default_str();
    s_csr->add_flag("--force", common.force, "replace NAME.key / NAME.csr if they exist");

    SignOptions sign;
    auto* s_sign = app.add_subcommand("sign", "sign a node's request: NAME.crt with SAN DNS = the name, IP SAN = the endpoints, RFC 3779 blocks = the subnets");
    s_sign->add_option("--csr", sign.csr, "the request (PEM) made by 'meshca csr' or openssl req")->required()->check(CLI::ExistingFile);
    s_sign->add_option("--subnets", sign.subnets, "CIDR list the node serves, e.g. 10.0.1.0/24,10.0.11.0/24 (networks, inside the CA's, overlapping no other node's)")->required();
    s_sign->add_option("--endpoint", sign.endpoints, "the node's public IP address (repeatable or comma list; no port)");
    s_sign->add_option("--lifetime", sign.lifetime, "certificate validity (not beyond the CA's)")->capture_default_str();
    s_sign->add_option("--out", sign.out, "certificate file (default: NAME.crt beside the request)");
    add_common(*s_sign, common, true, true);

    IssueOptions issue;
    auto* s_issue = app.add_subcommand("issue", "key + certificate at once on the CA (csr + sign); --count for many test identities");
    s_issue->add_option("--name", issue.name, "the node's DNS name");
    s_issue->add_option("--subnets", issue.subnets, "CIDR list the node serves; with --count: the pool split among the nodes")->required();
    s_issue->add_option("--endpoint", issue.endpoints, "the node's public IP address (repeatable or comma list)");
    s_issue->add_option("--key-type", issue.key_type, "ed25519 | ecdsa-p256 | ecdsa-p384 | rsa-2048 | rsa-3072 | rsa-4096")->capture_default_str();
    s_issue->add_option("--lifetime", issue.lifetime, "certificate validity")->capture_default_str();
    s_issue->add_option("--out-dir", issue.out_dir, "where NAME.key and NAME.crt go")->capture_default_str();
    s_issue->add_option("--count", issue.count, "issue N distinct nodes (load tests)")->check(CLI::Range(1u, 1000000u));
    s_issue->add_option("--name-pattern", issue.name_pattern, "with --count: names like 'node%d.mesh.example' (%d or %05d)");
    s_issue->add_option("--split", issue.split, "with --count: each node gets the next /LEN of the --subnets pool, e.g. 24");
    s_issue->add_option("--first", issue.first, "with --count: the first number in the names")->capture_default_str();
    add_common(*s_issue, common, true, true);

    RenewOptions renew;
    auto* s_renew = app.add_subcommand("renew", "a new certificate for a node's newest unrevoked one: same key, name, endpoints, subnets (cron: --force)");
    s_renew->add_option("name", renew.name, "the node's DNS name")->required();
    s_renew->add_option("--lifetime", renew.lifetime, "new validity from now")->capture_default_str();
    s_renew->add_option("--out", renew.out, "certificate file (default: ./NAME.crt)");
    add_common(*s_renew, common, true, true);

    RevokeOptions revoke;
    auto* s_revoke = app.add_subcommand("revoke", "revoke a node (all its certificates) or one serial, and rewrite crl.pem");
    s_revoke->add_option("what", revoke.what, "a node name or a certificate serial (decimal, as in index.txt)")->required();
    s_revoke->add_option("--reason", revoke.reason, "one of " + reason_names())->capture_default_str();
    s_revoke->add_option("--next-update", revoke.next_update, "the new CRL's nextUpdate, from now")->capture_default_str();
    add_common(*s_revoke, common, true, false);

    CrlOptions crl;
    auto* s_crl = app.add_subcommand("crl", "re-issue crl.pem (v2, next cRLNumber) before the old one's nextUpdate: run it from cron");
    s_crl->add_option("--next-update", crl.next_update, "nextUpdate, from now")->capture_default_str();
    add_common(*s_crl, common, true, false);

    DirectorySignOptions dirsign;
    auto* s_dir = app.add_subcommand("directory", "the signed directory of nodes, endpoints and subnets");
    s_dir->require_subcommand(1);
    auto* s_dirsign = s_dir->add_subcommand("sign", "sign FILE ('node NAME ENDPOINTS SUBNETS' lines) into directory.signed with the next serial");
    s_dirsign->add_option("file", dirsign.input, "lines 'node NAME ADDR[,ADDR]|- CIDR[,CIDR]'; '#' comments")->required()->check(CLI::ExistingFile);
    s_dirsign->add_option("--lifetime", dirsign.lifetime, "expiry, from now")->capture_default_str();
    s_dirsign->add_option("--out", dirsign.out, "output (default: directory.signed beside FILE)");
    add_common(*s_dirsign, common, true, true);

    ShowOptions show;
    auto* s_show = app.add_subcommand("show", "print a certificate, request, CRL or signed directory (directories are verified with the CA)");
    s_show->add_option("file", show.file, "the file")->required()->check(CLI::ExistingFile);
    s_show->add_flag("--json", show.json, "JSON instead of text");
    s_show->add_option("--ca", show.ca, "CA certificate for a directory (default: DIR/ca.crt)");
    add_common(*s_show, common, false, false);

    VerifyOptions verify;
    auto* s_verify = app.add_subcommand("verify", "check a certificate: signed by the CA, valid now, subnets inside the CA's, not revoked (--crl); exit 1 if not");
    s_verify->add_option("--cert", verify.cert, "the certificate")->required()->check(CLI::ExistingFile);
    s_verify->add_option("--crl", verify.crl, "the CA's CRL (e.g. DIR/crl.pem)")->check(CLI::ExistingFile);
    s_verify->add_option("--ca", verify.ca, "CA certificate (default: DIR/ca.crt)");
    add_common(*s_verify, common, false, false);

    FingerprintOptions fp;
    auto* s_fp = app.add_subcommand("fingerprint", "print the blocklist line that blocks a certificate (spki-sha256 ...)");
    s_fp->add_option("cert", fp.cert, "the certificate")->required()->check(CLI::ExistingFile);
    s_fp->add_flag("--all", fp.all, "also the 'serial ... issuer ...' and 'name ...' lines");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? kExitOk : kExitUsage;
    }
    try {
        if (*s_init) cmd_init(common, init);
        if (*s_csr) cmd_csr(common, csr);
        if (*s_sign) cmd_sign(common, sign);
        if (*s_issue) cmd_issue(common, issue);
        if (*s_renew) cmd_renew(common, renew);
        if (*s_revoke) cmd_revoke(common, revoke);
        if (*s_crl) cmd_crl(common, crl);
        if (*s_dirsign) cmd_directory_sign(common, dirsign);
        if (*s_show) cmd_show(common, show);
        if (*s_verify) return cmd_verify(common, verify);
        if (*s_fp) cmd_fingerprint(common, fp);
    } catch (const UsageError& e) {
        std::cerr << "meshca: " << e.what() << " (see meshca " << app.get_subcommands().front()->get_name()
                  << " --help)\n";
        return kExitUsage;
    } catch (const Refused& e) {
        std::cerr << "meshca: refused: " << e.what() << "\n";
        return kExitRefused;
    } catch (const std::exception& e) {
        std::cerr << "meshca: refused: " << e.what() << "\n";
        return kExitRefused;
    }
    return kExitOk;
}
