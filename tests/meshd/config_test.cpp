// meshd's config file and the files it names (issue 15, Deliver 2): defaults, every error as
// file:line: field, start checks on our certificate and key, the signed directory and blocklist.
#include <catch2/catch.hpp>

#include <algorithm>

#include "config.hpp"
#include "crypto/hash.hpp"
#include "crypto/x509_cert.hpp"
#include "fake_kernel.hpp"
#include "pki_files.hpp"
#include "trust.hpp"

using namespace meshd;
using namespace meshd::test;

namespace {

std::string base_config(const std::string& extra_node = "", const std::string& rest = "") {
    return "# meshd test config\n"
           "[node]\n"
           "name = \"nyc.mesh.example\"\n"
           "certificate = \"nyc.mesh.example.crt\"\n"
           "key = \"nyc.mesh.example.key\"\n"
           "ca = \"ca.crt\"\n"
           "directory = \"directory.signed\"\n"
           "subnets = [\"10.0.1.0/24\"]\n"
           "listen = [\"192.0.2.1\"]\n" +
           extra_node + rest;
}

// The one issue expected, as text.
std::string only_issue(const ike::Expected<FileConfig, ConfigIssues>& r) {
    REQUIRE_FALSE(r);
    REQUIRE(r.error().size() == 1);
    return r.error().front().to_string();
}

bool has_issue(const ConfigIssues& issues, const std::string& text) {
    return std::any_of(issues.begin(), issues.end(), [&](const ConfigIssue& i) { return i.to_string() == text; });
}

std::string issues_text(const ConfigIssues& issues) {
    std::string s;
    for (const auto& i : issues) s += i.to_string() + "\n";
    return s;
}

}  // namespace

TEST_CASE("config: a minimal file gets the issue's defaults", "[meshd][config][unit]") {
    const auto c = parse_config(base_config(), "/etc/meshd/meshd.toml");
    REQUIRE(c);
    CHECK(c->resolve(c->certificate) == "/etc/meshd/nyc.mesh.example.crt");
    CHECK(c->state_dir == "/var/lib/meshd");
    CHECK(c->hold_first_packet);
    CHECK(c->keylog.empty());
    using namespace ike::crypto;
    REQUIRE(c->proposals.ike.size() == 4);
    CHECK(c->proposals.ike[0].sk.encr == EncrId::AesGcm16);
    CHECK(c->proposals.ike[0].sk.key_bits == 256);
    CHECK(c->proposals.ike[0].prf == PrfId::HmacSha2_256);
    CHECK(c->proposals.ike[1].prf == PrfId::HmacSha2_384);
    CHECK(c->proposals.ike[0].ke == KeId::Curve25519);
    CHECK(c->proposals.ike[2].ke == KeId::Ecp256);
    REQUIRE(c->proposals.esp.size() == 3);
    CHECK(c->proposals.esp[0].encr == EncrId::AesGcm16);
    CHECK(c->proposals.esp[1].encr == EncrId::ChaCha20Poly1305);
    CHECK(c->proposals.esp[2].encr == EncrId::AesCbc);
    CHECK(c->proposals.esp[2].integ == IntegId::HmacSha2_256_128);
    CHECK(c->proposals.esn);
    CHECK(c->child_soft < c->child_hard);
    CHECK(c->idle_timeout == std::chrono::seconds{300});
}

TEST_CASE("config: every field of the reference example parses", "[meshd][config][unit]") {
    const auto text = base_config("crl = \"crl.pem\"\nblocklist = \"blocklist\"\nstate_dir = \"/tmp/x\"\n"
                                  "hold_first_packet = false\nkeylog = \"/tmp/keys\"\nlog_level = \"debug\"\n",
                                  "[proposals]\nike = [\"aes256gcm16-prfsha384-ecp384\"]\n"
                                  "esp = [\"chacha20poly1305\", \"aes128-sha512\"]\nesn = false\n"
                                  "[lifetimes]\nike = \"2h\"\nchild_soft = \"50m\"\nchild_hard = 3600\n"
                                  "child_soft_bytes = 1000000\nchild_hard_bytes = 2000000\nidle_timeout = \"90s\"\n"
                                  "jitter_percent = 5\n"
                                  "[[peer]]\nname = \"lab.mesh.example\"\nendpoints = [\"198.51.100.7\", \"2001:db8::7\"]\n"
                                  "subnets = [\"10.0.7.0/24\", \"10.0.8.1/32\"]\n"
                                  "[[peer]]\nname = \"laptop.mesh.example\"\nsubnets = [\"10.0.9.5/32\"]\n");
    const auto c = parse_config(text, "m.toml");
    INFO((c ? "" : issues_text(c.error())));
    REQUIRE(c);
    CHECK_FALSE(c->hold_first_packet);
    CHECK(c->log_level == "debug");
    CHECK(c->proposals.ike.front().ke == ike::crypto::KeId::Ecp384);
    CHECK(c->proposals.esp.back().integ == ike::crypto::IntegId::HmacSha2_512_256);
    CHECK_FALSE(c->proposals.esn);
    CHECK(c->ike_rekey == std::chrono::hours{2});
    CHECK(c->child_soft == std::chrono::minutes{50});
    CHECK(c->child_hard == std::chrono::seconds{3600});
    CHECK(c->idle_timeout == std::chrono::seconds{90});
    CHECK(c->jitter_percent == 5);
    REQUIRE(c->peers.size() == 2);
    CHECK(c->peers[0].endpoints.size() == 2);
    CHECK(c->peers[0].subnets.size() == 2);
    CHECK(c->peers[1].endpoints.empty());
}

TEST_CASE("config: each error names file:line and the field", "[meshd][config][unit]") {
    SECTION("syntax") {
        const auto r = parse_config("[node]\nname = \"x\n", "m.toml");
        REQUIRE_FALSE(r);
        CHECK(r.error().front().line == 2);
        CHECK(r.error().front().field == "syntax");
    }
    SECTION("a misspelt field") {
        const auto r = parse_config(base_config("certifcate = \"x\"\n"), "m.toml");
        CHECK(only_issue(r) == "m.toml:10: node.certifcate: unknown field");
    }
    SECTION("a missing required field") {
        const auto r = parse_config("[node]\nname = \"n\"\ncertificate = \"c\"\nkey = \"k\"\n"
                                    "subnets = [\"10.0.1.0/24\"]\nlisten = [\"192.0.2.1\"]\ndirectory = \"d\"\n",
                                    "m.toml");
        CHECK(only_issue(r) == "m.toml:1: node.ca: missing (required)");
    }
    SECTION("a subnet with host bits, an address that is none") {
        const auto r = parse_config("[node]\nname = \"n\"\ncertificate = \"c\"\nkey = \"k\"\nca = \"a\"\ndirectory = \"d\"\n"
                                    "subnets = [\"10.0.1.0/24\", \"10.0.2.5/24\"]\nlisten = [\"192.0.2.300\"]\n",
                                    "m.toml");
        REQUIRE_FALSE(r);
        CHECK(has_issue(r.error(), "m.toml:7: node.subnets[1]: \"10.0.2.5/24\" is not a subnet (\"10.0.1.0/24\")"));
        CHECK(has_issue(r.error(), "m.toml:8: node.listen[0]: \"192.0.2.300\" is not an IP address"));
    }
    SECTION("an unknown proposal") {
        const auto r = parse_config(base_config("", "[proposals]\nesp = [\"aes256gcm16\", \"3des-md5\"]\n"), "m.toml");
        CHECK(only_issue(r) ==
              "m.toml:11: proposals.esp[1]: \"3des-md5\" is not an ESP proposal (e.g. \"aes256gcm16\", \"aes256-sha256\")");
    }
    SECTION("a rekey after the hard lifetime") {
        const auto r = parse_config(base_config("", "[lifetimes]\nchild_soft = \"2h\"\nchild_hard = \"1h\"\n"), "m.toml");
        CHECK(only_issue(r) == "m.toml:11: lifetimes.child_soft: must be shorter than lifetimes.child_hard (the rekey comes first)");
    }
    SECTION("a bad duration, a wrong type") {
        const auto r = parse_config(base_config("hold_first_packet = \"yes\"\n", "[lifetimes]\nidle_timeout = \"5 minutes\"\n"), "m.toml");
        REQUIRE_FALSE(r);
        CHECK(has_issue(r.error(), "m.toml:10: node.hold_first_packet: must be true or false"));
        CHECK(has_issue(r.error(), "m.toml:12: lifetimes.idle_timeout: must be a duration: seconds, or \"30s\", \"5m\", \"1h\", \"2d\""));
    }
    SECTION("no directory and no peers") {
        auto text = base_config();
        text.erase(text.find("directory = "), std::string("directory = \"directory.signed\"\n").size());
        const auto r = parse_config(text, "m.toml");
        CHECK(only_issue(r) == "m.toml:3: node.directory: neither a directory nor [[peer]]s: no one to talk to");
    }
    SECTION("an unknown section, a peer twice") {
        const auto r = parse_config(base_config("", "[routing]\nx = 1\n[[peer]]\nname = \"a\"\nsubnets = [\"10.0.2.0/24\"]\n"
                                                    "[[peer]]\nname = \"a\"\nsubnets = [\"10.0.3.0/24\"]\n"),
                                    "m.toml");
        REQUIRE_FALSE(r);
        CHECK(has_issue(r.error(), "m.toml:10: routing: unknown section or field"));
        CHECK(has_issue(r.error(), "m.toml:15: peer[1].name: peer \"a\" twice"));
    }
    SECTION("an unreadable file") {
        const auto r = load_config("/nonexistent/meshd.toml");
        CHECK(only_issue(r) == "/nonexistent/meshd.toml:0: file: cannot be read");
    }
}

namespace {

struct Site {
    PkiFiles pki;
    std::string config_path;
    Site() {
        pki.node("nyc.mesh.example", "10.0.1.0/24");
        pki.write("directory.signed", pki.directory_text(7, {"nyc.mesh.example 192.0.2.1 10.0.1.0/24",
                                                             "sfo.mesh.example 192.0.2.2,2001:db8::2 10.0.2.0/24,10.0.12.0/24",
                                                             "laptop.mesh.example - 10.0.9.5/32"}));
        write_config(base_config());
    }
    void write_config(const std::string& text) {
        pki.write("meshd.toml", text);
        config_path = pki.path("meshd.toml");
    }
    FileConfig config() {
        auto c = load_config(config_path);
        INFO((c ? "" : issues_text(c.error())));
        REQUIRE(c);
        return *c;
    }
    ike::Expected<Trust, ConfigIssues> trust(Persisted p = {}, ike::Time now = kNow) { return load_trust(config(), p, now); }
};

}  // namespace

TEST_CASE("start checks: a good node loads its credentials and the directory", "[meshd][config][unit]") {
    Site s;
    const auto t = s.trust();
    INFO((t ? "" : issues_text(t.error())));
    REQUIRE(t);
    CHECK(t->directory_serial == 7);
    REQUIRE(t->peers.size() == 3);
    CHECK(t->peers[1].name == "sfo.mesh.example");
    CHECK(t->peers[1].endpoints.size() == 2);
    CHECK(t->peers[1].subnets.size() == 2);
    CHECK(t->peers[2].endpoints.empty());
    CHECK(t->credentials.local_id.to_string() == "nyc.mesh.example");
    // What Node gets from it is what libike accepts.
    const auto settings = node_settings(s.config(), *t, {});
    auto node = Node::create(settings, t->peers, ike::crypto::make_seeded_rng(1), nullptr);
    CHECK(node);
}

TEST_CASE("start checks refuse our own certificate and key when they cannot serve", "[meshd][config][unit]") {
    Site s;
    const auto expect = [&](const std::string& text) {
        const auto t = s.trust();
        REQUIRE_FALSE(t);
        INFO(issues_text(t.error()));
        CHECK(has_issue(t.error(), text));
    };
    const auto cert = s.pki.path("nyc.mesh.example.crt");
    SECTION("expired") {
        s.pki.node("nyc.mesh.example", "10.0.1.0/24", kNow - 24h * 60, kNow - 24h * 30);
        expect(s.config_path + ":4: node.certificate: " + cert + ": expired on 2026-05-02T00:00:00Z");
    }
    SECTION("issued by another CA") {
        const auto other = s.pki.make_ca("other-ca");
        s.pki.node("nyc.mesh.example", "10.0.1.0/24", kNow - 24h, kNow + 24h, &other);
        expect(s.config_path + ":4: node.certificate: " + cert + ": not issued by the CA in " + s.pki.path("ca.crt"));
    }
    SECTION("not covering the local subnets") {
        s.write_config(base_config().replace(base_config().find("10.0.1.0/24"), 11, "10.0.0.0/16"));
        expect(s.config_path + ":8: node.subnets: 10.0.0.0/16 is not covered by the certificate's subnets (RFC 3779 blocks)");
    }
    SECTION("a name the certificate does not carry") {
        auto text = base_config();
        const std::string name_line = "name = \"nyc.mesh.example\"";
        text.replace(text.find(name_line), name_line.size(), "name = \"sfo.mesh.examp\"");
        s.write_config(text);
        expect(s.config_path + ":3: node.name: \"sfo.mesh.examp\" is not a DNS name of the certificate");
    }
    SECTION("a key readable by others") {
        REQUIRE(::chmod(s.pki.path("nyc.mesh.example.key").c_str(), 0644) == 0);
        expect(s.config_path + ":5: node.key: " + s.pki.path("nyc.mesh.example.key") +
               " is readable by others (mode 0644): chmod 600 it");
    }
    SECTION("another node's key") {
        s.pki.node("sfo.mesh.example", "10.0.2.0/24");
        std::filesystem::copy_file(s.pki.path("sfo.mesh.example.key"), s.pki.path("nyc.mesh.example.key"),
                                   std::filesystem::copy_options::overwrite_existing);
        expect(s.config_path + ":5: node.key: " + s.pki.path("nyc.mesh.example.key") + " is not the key of " + cert);
    }
    SECTION("a missing file") {
        std::filesystem::remove(s.pki.path("ca.crt"));
        expect(s.config_path + ":6: node.ca: " + s.pki.path("ca.crt") + ": cannot be read");
    }
}

TEST_CASE("the signed directory: tampered, rolled back, expired, another CA's are refused", "[meshd][config][unit]") {
    Site s;
    const auto dir = s.pki.path("directory.signed");
    const auto refused = [&](const std::string& text, Persisted p = {}) {
        const auto t = s.trust(p);
        REQUIRE_FALSE(t);
        INFO(issues_text(t.error()));
        CHECK(has_issue(t.error(), text));
    };
    SECTION("tampered: one subnet changed after signing") {
        auto text = s.pki.directory_text(8, {"sfo.mesh.example 192.0.2.2 10.0.2.0/24"});
        text.replace(text.find("10.0.2.0/24"), 11, "10.0.1.0/24");
        s.pki.write("directory.signed", text);
        refused(dir + ":5: directory: bad_signature: the signature does not verify with the CA CN=\"mesh-ca\" (SignatureMismatch)");
    }
    SECTION("signed by another CA") {
        const auto other = s.pki.make_ca("other-ca");
        s.pki.write("directory.signed", s.pki.directory_text(8, {"sfo.mesh.example 192.0.2.2 10.0.2.0/24"}, "2026-06-08T00:00:00Z", &other));
        refused(dir + ":5: directory: bad_signature: the signature does not verify with the CA CN=\"mesh-ca\" (SignatureMismatch)");
    }
    SECTION("an older serial than one accepted before") {
        refused(dir + ":2: directory: rollback: serial 7 is older than serial 9 accepted before", Persisted{9, 0});
    }
    SECTION("the same serial again is a reload of the same file") {
        CHECK(s.trust(Persisted{7, 0}));
    }
    SECTION("expired") {
        s.pki.write("directory.signed", s.pki.directory_text(8, {"sfo.mesh.example 192.0.2.2 10.0.2.0/24"}, "2026-05-31T00:00:00Z"));
        refused(dir + ":3: directory: expired: the directory expired at 2026-05-31T00:00:00Z");
    }
    SECTION("a malformed node line (signed, so only the parser can catch it)") {
        s.pki.write("directory.signed", s.pki.directory_text(8, {"sfo.mesh.example 192.0.2.2:500 10.0.2.0/24"}));
        refused(dir + ":4: directory: malformed: endpoint '192.0.2.2:500' is not an IP address (no port, no prefix)");
    }
}

TEST_CASE("blocklist and CRL: entries reach the revocation policy - a bad line or a foreign CRL is refused", "[meshd][config][unit]") {
    Site s;
    s.pki.node("sfo.mesh.example", "10.0.2.0/24");
    const auto sfo = ike::crypto::Certificate::from_pem(
        std::string((std::istreambuf_iterator<char>(*std::make_unique<std::ifstream>(s.pki.path("sfo.mesh.example.crt")))),
                    std::istreambuf_iterator<char>()));
    REQUIRE(sfo);
    std::string spki_hex, issuer_hex;
    char buf[3];
    for (const auto b : sfo->spki_sha256()) std::snprintf(buf, sizeof buf, "%02x", b), spki_hex += buf;
    for (const auto b : ike::crypto::sha256({s.pki.ca->certificate().subject_dn_der()})) std::snprintf(buf, sizeof buf, "%02x", b), issuer_hex += buf;
    s.pki.write("blocklist", "# revoked by hand\nspki-sha256 " + spki_hex + "\nserial 0b issuer " + issuer_hex +
                                 "\n# stolen:\nname laptop.mesh.example\n");
    s.pki.crl("crl.pem", {11, 12}, 3);
    s.write_config(base_config("crl = \"crl.pem\"\nblocklist = \"blocklist\"\n"));
    SECTION("accepted") {
        const auto t = s.trust(Persisted{7, 2});
        INFO((t ? "" : issues_text(t.error())));
        REQUIRE(t);
        REQUIRE(t->revocation.blocked_spki_sha256.size() == 1);
        CHECK(t->revocation.blocked_spki_sha256.front() == sfo->spki_sha256());
        REQUIRE(t->revocation.blocked_serials.size() == 1);
        CHECK(t->revocation.blocked_serials.front().serial == std::vector<std::uint8_t>{0x0b});
        const auto ca_dn_hash = ike::crypto::sha256({s.pki.ca->certificate().subject_dn_der()});
        REQUIRE(t->revocation.blocked_serials.front().issuer_dn_sha256);
        CHECK(std::equal(ca_dn_hash.begin(), ca_dn_hash.end(), t->revocation.blocked_serials.front().issuer_dn_sha256->begin()));
        CHECK(t->revocation.blocked_names == std::vector<std::string>{"laptop.mesh.example"});
        CHECK(t->revocation.crls.size() == 1);
        CHECK(t->revocation.min_crl_number == 2);
    }
    SECTION("a line that is no entry") {
        s.pki.write("blocklist", "name ok.mesh.example\nfingerprint abc\n");
        const auto t = s.trust();
        REQUIRE_FALSE(t);
        CHECK(has_issue(t.error(), s.pki.path("blocklist") + ":2: blocklist: unknown entry 'fingerprint' (spki-sha256, serial or name)"));
    }
    SECTION("a CRL another CA signed") {
        const auto other = s.pki.make_ca("mesh-ca");  // same name, other key
        s.pki.crl("crl.pem", {11}, 4, &other);
        const auto t = s.trust();
        REQUIRE_FALSE(t);
        INFO(issues_text(t.error()));
        CHECK(has_issue(t.error(), s.config_path + ":10: node.crl: " + s.pki.path("crl.pem") + ": not signed by the CA"));
    }
}

TEST_CASE("reload with a bad file: refused as a whole, the old directory and traps stay", "[meshd][config][unit]") {
    Site s;
    const auto config = s.config();
    const auto t = s.trust();
    REQUIRE(t);
    auto kernel = std::make_shared<FakeKernel>();
    auto node = Node::create(node_settings(config, *t, {}), t->peers, ike::crypto::make_seeded_rng(1), kernel);
    REQUIRE(node);
    const auto drain = [&] {
        while (auto o = (*node)->poll_output())
            if (auto* k = std::get_if<KernelCommand>(&*o)) kernel->apply(*k, nullptr);
    };
    (*node)->start(kNow);
    drain();
    const auto sfo_trap = xfrm::Selector::between(xfrm::Address::ipv4(10, 0, 1, 0), 24, xfrm::Address::ipv4(10, 0, 2, 0), 24);
    REQUIRE(kernel->policies.size() == 2);  // sfo's two subnets; the laptop has no endpoint
    REQUIRE(kernel->find_policy(sfo_trap, xfrm::Direction::out));
    const auto before = kernel->commands.size();

    // A tampered directory that would drop sfo and add bos: refused, nothing reaches the kernel.
    auto tampered = s.pki.directory_text(8, {"bos.mesh.example 192.0.2.4 10.0.4.0/24"});
    tampered.replace(tampered.find("10.0.4.0/24"), 11, "10.0.5.0/24");
    s.pki.write("directory.signed", tampered);
    const auto refused = reload_node(**node, config, Persisted{7, 0}, kNow + 1h);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().front().field == "directory");
    drain();
    CHECK(kernel->commands.size() == before);
    CHECK(kernel->find_policy(sfo_trap, xfrm::Direction::out));

    // An expired own certificate at reload time is refused the same way.
    const auto late = reload_node(**node, config, Persisted{7, 0}, kNow + 24h * 60);
    REQUIRE_FALSE(late);
    drain();
    CHECK(kernel->commands.size() == before);

    // The properly signed one is applied: sfo's traps go, bos's come.
    s.pki.write("directory.signed", s.pki.directory_text(8, {"bos.mesh.example 192.0.2.4 10.0.4.0/24"}));
    const auto applied = reload_node(**node, config, Persisted{7, 0}, kNow + 1h);
    INFO((applied ? "" : issues_text(applied.error())));
    REQUIRE(applied);
    CHECK(applied->directory_serial == 8);
    drain();
    CHECK(kernel->errors.empty());
    REQUIRE(kernel->policies.size() == 1);
    CHECK(kernel->policies.front().selector.dst == xfrm::Address::ipv4(10, 0, 4, 0));
    CHECK(kernel->policies.front().templates.front().dst == xfrm::Address::ipv4(192, 0, 2, 4));
}

TEST_CASE("state directory: numbers written atomically and read back", "[meshd][config][unit]") {
    PkiFiles pki;
    const auto dir = pki.dir.string();
    CHECK(read_state(dir).directory_serial == 0);
    REQUIRE(write_state_number(dir, "directory.serial", 42));
    REQUIRE(write_state_number(dir, "crl.number", 7));
    CHECK(read_state(dir).directory_serial == 42);
    CHECK(read_state(dir).crl_number == 7);
    CHECK_FALSE(std::filesystem::exists(dir + "/directory.serial.tmp"));
    CHECK_FALSE(write_state_number("/nonexistent/dir", "crl.number", 1));
}
