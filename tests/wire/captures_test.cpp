// RFC 7296 interoperability: the datagrams strongSwan sent (tests/captures/<suite>/
// <NN>-<exchange>-<request|response>.ike, the raw IKE message without the non-ESP marker)
// decode, re-encode byte for byte (SK is opaque, so encrypted ones too), match the exchange
// and role their file name states, and unencrypted ones satisfy the exchange table.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "generate.hpp"
#include "test_util.hpp"
#include "wire/exchange_table.hpp"
#include "wire/format.hpp"

using namespace ike::wire;
using namespace ike::wire::test;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> find_captures(const fs::path& root) {
    std::vector<fs::path> out;
    if (!fs::is_directory(root)) return out;
    for (const auto& suite : fs::directory_iterator(root)) {
        if (!suite.is_directory()) continue;
        for (const auto& f : fs::directory_iterator(suite.path()))
            if (f.is_regular_file() && f.path().extension() == ".ike") out.push_back(f.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

Bytes read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// What the file name says: "03-ike_auth-response.ike" -> ("IKE_AUTH", true). Empty if the
// name does not follow the pattern.
std::pair<std::string, int> name_parts(const fs::path& p) {
    const std::string stem = p.stem().string();
    const auto first = stem.find('-');
    const auto last = stem.rfind('-');
    if (first == std::string::npos || last == first) return {"", -1};
    const std::string role = stem.substr(last + 1);
    const int response = role == "response" ? 1 : role == "request" ? 0 : -1;
    return {upper(stem.substr(first + 1, last - first - 1)), response};
}

struct Tally {
    std::size_t files = 0, encrypted = 0, plain = 0;
};

// Every check on one directory of captures; returns what it saw.
Tally check_captures(const fs::path& root) {
    Tally t;
    for (const auto& path : find_captures(root)) {
        INFO("capture " << path.string());
        const Bytes b = read_file(path);
        auto m = decode(b);
        if (!m) FAIL("decode error at offset " << m.error().offset << ": " << m.error().what());
        CHECK(encode(*m) == b);
        const auto [exchange, response] = name_parts(path);
        if (!exchange.empty()) CHECK(exchange == std::string(to_string(m->header.exchange)));
        if (response >= 0) CHECK(m->header.response == (response == 1));
        const bool encrypted = !m->payloads.empty() &&
                               (std::holds_alternative<Encrypted>(m->payloads.back()) ||
                                std::holds_alternative<EncryptedFragment>(m->payloads.back()));
        if (encrypted) {
            ++t.encrypted;
        } else {
            ++t.plain;
            auto ok = check_exchange(m->header, m->payloads);
            if (!ok) FAIL_CHECK("exchange rule: " << describe(ok.error().rule) << " " << fmt::format("{}", ok.error().payload));
        }
        ++t.files;
    }
    return t;
}

void write_file(const fs::path& p, const Bytes& b) {
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()),
                                             static_cast<std::streamsize>(b.size()));
}

}  // namespace

TEST_CASE("RFC 7296 interop: every strongSwan capture decodes and re-encodes byte for byte",
          "[wire][captures]") {
    const fs::path root = fs::path(MESHD_SOURCE_DIR) / "tests" / "captures";
    const Tally t = check_captures(root);
    INFO("captures under " << root.string());
    REQUIRE(t.files > 0);  // no captures means nothing was checked: fail
    CHECK(t.plain > 0);    // at least the IKE_SA_INIT pair
    WARN(t.files << " captures: " << t.plain << " unencrypted, " << t.encrypted << " encrypted");
}

TEST_CASE("captures check: works on a directory of hand-built and generated messages",
          "[wire][captures]") {
    const fs::path root = fs::path(MESHD_BINARY_DIR) / "tests" / "wire" / "selfmade-captures";
    fs::remove_all(root);
    fs::create_directories(root / "suite");
    // An IKE_SA_INIT request (SA, KE, Ni, N) and an encrypted IKE_AUTH response.
    const Bytes sa = payload(34, hex("00 00 0014 01 01 00 01  00 00 000c 01 00 0014 800e 0100"));
    const Bytes ke = payload(40, cat({hex("001f 0000"), Bytes(32, 7)}));
    const Bytes ni = payload(41, Bytes(32, 9));
    const Bytes n = payload(0, hex("0000 4004 0000000000000000000000000000000000000000"));
    write_file(root / "suite" / "01-ike_sa_init-request.ike", message(33, cat({sa, ke, ni, n}), 34, 0x08));
    write_file(root / "suite" / "02-ike_auth-response.ike", message(46, payload(36, Bytes(64, 3)), 35, 0x20));
    Tally t = check_captures(root);
    CHECK(t.files == 2);
    CHECK(t.plain == 1);
    CHECK(t.encrypted == 1);

    // A malformed file is caught (Nonce of 8 bytes).
    fs::create_directories(root / "bad");
    write_file(root / "bad" / "01-ike_sa_init-request.ike", message(40, payload(0, Bytes(8, 1))));
    auto m = decode(read_file(root / "bad" / "01-ike_sa_init-request.ike"));
    REQUIRE_FALSE(m);
    CHECK(m.error().rule == DecodeRule::nonce_length);
    fs::remove_all(root / "bad");

    // Generated messages of every exchange round-trip through files as well.
    Generator g(31337);
    for (int i = 0; i < 50; ++i) {
        const Message gm = g.message();
        const std::string role = gm.header.response ? "response" : "request";
        const std::string name = fmt::format("{:02}-{}-{}.ike", i + 3, gm.header.exchange, role);
        write_file(root / "suite" / name, encode(gm));
    }
    CHECK(find_captures(root).size() == 52);
    for (const auto& path : find_captures(root)) {
        const Bytes b = read_file(path);
        auto d = decode(b);
        REQUIRE(d);
        CHECK(encode(*d) == b);
        CHECK(name_parts(path).first == std::string(to_string(d->header.exchange)));
    }
    fs::remove_all(root);
}
