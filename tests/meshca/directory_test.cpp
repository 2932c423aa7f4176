// The signed directory (docs/FORMATS.md §2, lib/policy/directory.hpp): a valid file parses, and
// each refusal the daemon relies on has its own case: a changed byte, another CA's signature,
// an expired file, an older serial (rollback), and every malformed line.
#include "policy/directory.hpp"
#include "policy/mesh_text.hpp"

#include "crypto/base64.hpp"
#include "crypto/ca_issue.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

using namespace ike;
using namespace ike::policy;
using namespace std::chrono_literals;

const Time kNow = Time(std::chrono::seconds(1767225600));  // 2026-01-01T00:00:00Z

crypto::CertificateAuthority make_ca(crypto::KeyType type, std::uint64_t seed, std::string cn = "mesh CA") {
    auto rng = crypto::make_seeded_rng(seed);
    auto key = crypto::PrivateKey::generate(type, *rng);
    REQUIRE(key.has_value());
    crypto::CaProfile p;
    p.common_name = std::move(cn);
    p.not_before = kNow - 24h;
    p.not_after = kNow + 24h * 3650;
    auto ca = crypto::CertificateAuthority::create_self_signed(std::move(*key), p, *rng);
    REQUIRE(ca.has_value());
    return std::move(*ca);
}

std::span<const std::uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// A body signed as meshca signs it: the signature covers every byte before its line.
std::string sign_body(const crypto::CertificateAuthority& ca, const std::string& body) {
    auto rng = crypto::make_seeded_rng(99);
    const auto sig = ca.sign_bytes(bytes(body), *rng);
    REQUIRE(sig.has_value());
    return body + format_directory_signature(*sig);
}

const std::string kBody =
    "meshd-directory 1\n"
    "serial 7\n"
    "expires 2026-01-08T00:00:00Z\n"
    "node nyc.mesh.example 192.0.2.1,2001:db8::1 10.0.1.0/24,10.0.11.0/24\n"
    "node laptop.mesh.example - 10.0.9.5/32\n"
    "node v6.mesh.example 2001:db8::6 fd00:6::/48\n";

Expected<Directory, DirectoryFailure> parse(const std::string& file, const crypto::CertificateAuthority& ca,
                                            std::uint64_t min_serial = 0, Time now = kNow) {
    return parse_signed_directory(bytes(file), ca.certificate().der(), min_serial, now);
}

DirectoryFailure refusal(const std::string& file, const crypto::CertificateAuthority& ca, std::uint64_t min_serial = 0,
                         Time now = kNow) {
    auto d = parse(file, ca, min_serial, now);
    REQUIRE_FALSE(d.has_value());
    return d.error();
}

}  // namespace

TEST_CASE("a signed directory parses, with every CA key type", "[meshca][directory]") {
    for (const auto type : {crypto::KeyType::Ed25519, crypto::KeyType::EcdsaP256, crypto::KeyType::EcdsaP384}) {
        const auto ca = make_ca(type, 1);
        const auto d = parse(sign_body(ca, kBody), ca);
        REQUIRE(d.has_value());
        CHECK(d->serial == 7);
        CHECK(format_utc_time(d->expires) == "2026-01-08T00:00:00Z");
        REQUIRE(d->nodes.size() == 3);
        CHECK(d->nodes[0].name == "nyc.mesh.example");
        REQUIRE(d->nodes[0].endpoints.size() == 2);
        CHECK(format_address(d->nodes[0].endpoints[1]) == "2001:db8::1");
        REQUIRE(d->nodes[0].subnets.size() == 2);
        CHECK(d->nodes[0].subnets[1] == TrafficSelector::subnet(*parse_address("10.0.11.0"), 24));
        CHECK(d->nodes[1].endpoints.empty());
        CHECK(format_subnet(d->nodes[1].subnets[0]) == "10.0.9.5/32");
        CHECK(format_subnet(d->nodes[2].subnets[0]) == "fd00:6::/48");
        // What the writer makes from the parsed value is the signed text, byte for byte.
        CHECK(format_directory_body(*d) == kBody);
    }
}

TEST_CASE("directory: a changed byte anywhere is a bad signature", "[meshca][directory]") {
    const auto ca = make_ca(crypto::KeyType::Ed25519, 1);
    const auto file = sign_body(ca, kBody);
    // serial 7 -> 8, a subnet widened, an endpoint changed, a node dropped
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"serial 7", "serial 8"}, {"10.0.9.5/32", "10.0.9.0/24"}, {"192.0.2.1", "192.0.2.9"},
             {"node v6.mesh.example 2001:db8::6 fd00:6::/48\n", ""}}) {
        auto changed = file;
        changed.replace(changed.find(from), from.size(), to);
        const auto e = refusal(changed, ca);
        CHECK(e.error == DirectoryError::bad_signature);
    }
    // one bit of the signature itself
    auto flipped = file;
    const auto at = flipped.find("signature ") + 12;
    flipped[at] = flipped[at] == 'A' ? 'B' : 'A';
    CHECK(refusal(flipped, ca).error == DirectoryError::bad_signature);
}

TEST_CASE("directory: another CA's signature is refused, even with the same name", "[meshca][directory]") {
    const auto ours = make_ca(crypto::KeyType::Ed25519, 1, "mesh CA");
    const auto theirs = make_ca(crypto::KeyType::Ed25519, 2, "mesh CA");
    const auto e = refusal(sign_body(theirs, kBody), ours);
    CHECK(e.error == DirectoryError::bad_signature);
    CHECK_THAT(e.detail, Catch::Contains("line 7"));
    // an ECDSA CA's signature against an Ed25519 CA
    CHECK(refusal(sign_body(make_ca(crypto::KeyType::EcdsaP256, 3), kBody), ours).error == DirectoryError::bad_signature);
}

TEST_CASE("directory: expired after its expiry, valid up to it", "[meshca][directory]") {
    const auto ca = make_ca(crypto::KeyType::Ed25519, 1);
    const auto file = sign_body(ca, kBody);
    const auto expires = *parse_utc_time("2026-01-08T00:00:00Z");
    CHECK(parse(file, ca, 0, expires).has_value());
    const auto e = refusal(file, ca, 0, expires + 1s);
    CHECK(e.error == DirectoryError::expired);
    CHECK_THAT(e.detail, Catch::Contains("2026-01-08T00:00:00Z"));
}

TEST_CASE("directory: an older serial is rollback, the same serial a reload", "[meshca][directory]") {
    const auto ca = make_ca(crypto::KeyType::Ed25519, 1);
    const auto file = sign_body(ca, kBody);
    CHECK(parse(file, ca, 6).has_value());
    CHECK(parse(file, ca, 7).has_value());
    const auto e = refusal(file, ca, 8);
    CHECK(e.error == DirectoryError::rollback);
    CHECK_THAT(e.detail, Catch::Contains("serial 7") && Catch::Contains("serial 8"));
}

TEST_CASE("directory: malformed files, each with the line at fault", "[meshca][directory]") {
    const auto ca = make_ca(crypto::KeyType::Ed25519, 1);
    struct Case {
        std::string from, to, line;
    };
    // Each change is signed properly: the content itself must be refused.
    const std::vector<Case> cases{
        {"meshd-directory 1", "meshd-directory 2", "line 1"},
        {"serial 7", "serial 07", "line 2"},
        {"serial 7", "serial -7", "line 2"},
        {"serial 7", "serial 99999999999999999999", "line 2"},
        {"serial 7\n", "", "line 2"},
        {"expires 2026-01-08T00:00:00Z", "expires 2026-01-08 00:00:00", "line 3"},
        {"expires 2026-01-08T00:00:00Z", "expires 2026-02-30T00:00:00Z", "line 3"},
        {"10.0.1.0/24", "10.0.1.5/24", "line 4"},             // not a network
        {"10.0.1.0/24", "10.0.1.0/33", "line 4"},             // bad prefix
        {"10.0.1.0/24", "10.0.1.0", "line 4"},                // no prefix
        {"192.0.2.1", "192.0.2.1:500", "line 4"},             // a port
        {"192.0.2.1,2001", "192.0.2.1,192.0.2.1,2001", "line 4"},  // listed twice
        {"nyc.mesh.example", "nyc_mesh.example", "line 4"},   // not a DNS name
        {"nyc.mesh.example", "-nyc.mesh.example", "line 4"},
        {"node nyc", "node  nyc", "line 4"},                  // double space
        {"node nyc", "nodes nyc", "line 4"},
        {"10.0.11.0/24\n", "10.0.11.0/24 extra\n", "line 4"},
        {"10.0.11.0/24\n", "10.0.11.0/24\n# a comment\n", "line 5"},
        {"10.0.11.0/24\n", "10.0.11.0/24\n\n", "line 5"},
        {"10.0.9.5/32", "10.0.1.128/25", "line 5"},            // overlaps nyc's subnet
        {"laptop.mesh.example", "NYC.mesh.example", "line 5"},  // the same node twice
        {"10.0.1.0/24,10.0.11.0/24", "10.0.0.0/16,10.0.1.0/24", "line 4"},  // overlap inside a node
    };
    for (const auto& c : cases) {
        auto body = kBody;
        body.replace(body.find(c.from), c.from.size(), c.to);
        const auto e = refusal(sign_body(ca, body), ca);
        INFO(c.to << " -> " << e.detail);
        CHECK(e.error == DirectoryError::malformed);
        CHECK_THAT(e.detail, Catch::Contains(c.line));
    }
}

TEST_CASE("directory: the framing (header, signature line, newline) is malformed when wrong", "[meshca][directory]") {
    const auto ca = make_ca(crypto::KeyType::Ed25519, 1);
    const auto file = sign_body(ca, kBody);
    CHECK(refusal("", ca).error == DirectoryError::malformed);
    CHECK(refusal("meshd-directory 1\n", ca).error == DirectoryError::malformed);
    CHECK(refusal(kBody, ca).error == DirectoryError::malformed);                     // no signature line
    CHECK(refusal(file.substr(0, file.size() - 1), ca).error == DirectoryError::malformed);  // no final newline
    CHECK(refusal(file + "node x.example - 10.0.99.0/24\n", ca).error == DirectoryError::malformed);
    auto bad64 = file;
    bad64.insert(bad64.find("signature ") + 10, "!");
    CHECK(refusal(bad64, ca).error == DirectoryError::malformed);
    // a CA certificate that does not parse
    const auto d = parse_signed_directory(bytes(file), bytes("not DER"), 0, kNow);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().error == DirectoryError::malformed);
}

TEST_CASE("directory input: node lines, comments and blank lines - the same refusals", "[meshca][directory]") {
    const auto nodes = parse_directory_input("# sites\n\nnode NYC.mesh.example 192.0.2.1 10.0.1.0/24\n"
                                             "  \nnode sfo.mesh.example - 10.0.2.0/24,fd00:2::/48\n");
    REQUIRE(nodes.has_value());
    REQUIRE(nodes->size() == 2);
    CHECK((*nodes)[0].name == "nyc.mesh.example");
    CHECK(format_directory_node((*nodes)[1]) == "node sfo.mesh.example - 10.0.2.0/24,fd00:2::/48");
    const auto overlap = parse_directory_input("node a.example - 10.0.0.0/16\n# x\nnode b.example - 10.0.5.0/24\n");
    REQUIRE_FALSE(overlap.has_value());
    CHECK_THAT(overlap.error().detail, Catch::Contains("line 3") && Catch::Contains("a.example"));
    CHECK_FALSE(parse_directory_input("serial 3\n").has_value());
}

TEST_CASE("mesh text fields: names, subnets, times", "[meshca][text]") {
    for (const auto* good : {"nyc.mesh.example", "a", "x-1.example", "node42.mesh.example"}) CHECK(is_dns_name(good));
    for (const auto* bad : {"", "a..b", "-a.example", "a-.example", "a_b.example", "a.example.", "10.0.0.1",
                            "with space.example", "ex\xc3\xa9.example"})
        CHECK_FALSE(is_dns_name(bad));
    CHECK_FALSE(is_dns_name(std::string(64, 'a') + ".example"));
    const auto ts = parse_subnet("10.0.1.5/24");
    REQUIRE_FALSE(ts.has_value());
    CHECK_THAT(ts.error(), Catch::Contains("10.0.1.0/24"));
    CHECK(format_subnet(*parse_subnet("2001:db8::/32")) == "2001:db8::/32");
    CHECK(format_subnet(*parse_subnet("0.0.0.0/0")) == "0.0.0.0/0");
    CHECK(format_utc_time(*parse_utc_time("2028-02-29T23:59:59Z")) == "2028-02-29T23:59:59Z");
    CHECK_FALSE(parse_utc_time("2027-02-29T00:00:00Z").has_value());
    CHECK_FALSE(parse_utc_time("2027-01-01T24:00:00Z").has_value());
    CHECK(crypto::base64_decode("QQ==").has_value());
    CHECK_FALSE(crypto::base64_decode("QR==").has_value());  // non-canonical padding bits
    CHECK_FALSE(crypto::base64_decode("QQ").has_value());
}
