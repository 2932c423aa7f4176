// The blocklist (docs/FORMATS.md §3, lib/policy/blocklist.hpp): each entry kind parses and blocks
// the certificate it names through authorize()'s check_blocklist; every bad line refuses the file.
#include "policy/authorize.hpp"
#include "policy/blocklist.hpp"
#include "policy/mesh_text.hpp"

#include "crypto/hash.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace ike;
using namespace ike::policy;

const std::string kSpki(64, 'a');
const std::string kIssuerHex = "df69de7f015bd6460216fb500032c43eba0da52a5e0e9b9639f9e744a63bf3ae";

PeerFacts peer_with(std::vector<std::uint8_t> issuer_dn, std::vector<std::uint8_t> serial) {
    PeerFacts p;
    p.dns_names = {"nyc.mesh.example"};
    p.issuer_dn = std::move(issuer_dn);
    p.serial = std::move(serial);
    p.spki_sha256.fill(0x11);
    return p;
}

BlocklistFailure refusal(const std::string& text) {
    auto b = parse_blocklist(text);
    REQUIRE_FALSE(b.has_value());
    return b.error();
}

}  // namespace

TEST_CASE("blocklist: the three entry kinds, comments and blank lines", "[meshca][blocklist]") {
    const auto b = parse_blocklist("# blocked by ops, 2026-12-06\n"
                                   "spki-sha256 " + kSpki + "\n"
                                   "\n"
                                   "serial 0A0b issuer " + kIssuerHex + "\n"
                                   "name NYC.mesh.example\n");
    REQUIRE(b.has_value());
    REQUIRE(b->spki_sha256.size() == 1);
    CHECK(b->spki_sha256[0][0] == 0xaa);
    REQUIRE(b->serials.size() == 1);
    CHECK(b->serials[0].serial == std::vector<std::uint8_t>{0x0a, 0x0b});
    REQUIRE(b->serials[0].issuer_dn_sha256.has_value());
    CHECK(to_hex(*b->serials[0].issuer_dn_sha256) == kIssuerHex);
    CHECK(b->names == std::vector<std::string>{"nyc.mesh.example"});
    // leading zeros and odd lengths name the same serial
    CHECK(parse_blocklist("serial 000a0b issuer " + kIssuerHex)->serials[0].serial == b->serials[0].serial);
    CHECK(parse_blocklist("serial a0b issuer " + kIssuerHex)->serials[0].serial == b->serials[0].serial);
    CHECK(parse_blocklist("")->names.empty());
}

TEST_CASE("blocklist: entries block through check_blocklist - the issuer is matched by its hash",
          "[meshca][blocklist]") {
    const std::vector<std::uint8_t> issuer_dn{0x30, 0x03, 0x01, 0x02, 0x03};
    const auto issuer_hex = to_hex(crypto::sha256({issuer_dn}));
    const auto peer = peer_with(issuer_dn, {0x02});
    const std::string spki_hex = to_hex(peer.spki_sha256);
    struct Case {
        std::string text;
        bool blocks;
    };
    for (const auto& c : std::vector<Case>{
             {"spki-sha256 " + spki_hex, true},
             {"spki-sha256 " + kSpki, false},
             {"serial 02 issuer " + issuer_hex, true},
             {"serial 03 issuer " + issuer_hex, false},
             {"serial 02 issuer " + kIssuerHex, false},  // same serial, another issuer
             {"name nyc.mesh.example", true},
             {"name sfo.mesh.example", false},
         }) {
        const auto b = parse_blocklist(c.text);
        REQUIRE(b.has_value());
        RevocationPolicy policy;
        policy.blocked_names = {"left.over.example"};
        b->apply_to(policy);
        CHECK(policy.blocked_names.size() == b->names.size());  // replaced, not appended
        const auto r = check_blocklist(peer, policy);
        INFO(c.text);
        CHECK(r.has_value() == !c.blocks);
        if (!r) CHECK(r.error().reason == AuthFailure::blocklisted);
    }
}

TEST_CASE("blocklist: every bad line refuses the whole file, naming the line", "[meshca][blocklist]") {
    for (const auto& bad : std::vector<std::string>{
             "spki-sha256 " + kSpki.substr(1),                  // 63 digits
             "spki-sha256 " + std::string(63, 'a') + "g",       // not hex
             "spki-sha256 " + kSpki + " extra",
             "spki-sha256  " + kSpki,                           // double space
             "spki-sha256\t" + kSpki,
             "sha256 " + kSpki,                                 // unknown entry
             "serial 0a",                                       // no issuer
             "serial 0a issuer",                                // no hash
             "serial 0a from " + kIssuerHex,
             "serial 00 issuer " + kIssuerHex,                  // serial zero
             "serial 0x0a issuer " + kIssuerHex,
             "serial " + std::string(41, '1') + " issuer " + kIssuerHex,  // over 20 octets
             "serial 0a issuer " + kIssuerHex.substr(2),
             "name",
             "name bad_name.example",
             "name a.example b.example",
             " name a.example",
         }) {
        const auto e = refusal("# ok\nname ok.example\n" + bad + "\n");
        INFO(bad << " -> " << e.detail);
        CHECK(e.line == 3);
        CHECK_THAT(e.detail, Catch::StartsWith("line 3: "));
    }
}

TEST_CASE("blocklist lines as meshca fingerprint prints them parse back", "[meshca][blocklist]") {
    std::array<std::uint8_t, 32> h{};
    h.fill(0x5c);
    const std::vector<std::uint8_t> serial{0x01, 0x00};
    const auto b = parse_blocklist(blocklist_spki_line(h) + "\n" + blocklist_serial_line(serial, h) + "\n");
    REQUIRE(b.has_value());
    CHECK(b->spki_sha256.front() == h);
    CHECK(b->serials.front().serial == serial);
    CHECK(*b->serials.front().issuer_dn_sha256 == h);
}
