// RFC 7296 §3.14 interop: strongSwan's encrypted captures, decrypted with the keys it logged
// (tests/captures/<suite>/ikev2_decryption_table, read by ike/keylog.hpp) by lib/crypto, hold inner payload chains
// that decode_inner reads, encode_inner reproduces byte for byte, and that satisfy the
// exchange table. A separate executable (test_wire_interop), since it needs lib/crypto.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "crypto/sk_payload.hpp"
#include "ike/keylog.hpp"
#include "test_util.hpp"
#include "wire/exchange_table.hpp"
#include "wire/format.hpp"

using namespace ike::wire;
using namespace ike::wire::test;
namespace fs = std::filesystem;

namespace {

// The table as the engine's reader (ike/keylog.hpp) reads it, keyed by (SPIi, SPIr).
std::map<std::pair<std::uint64_t, std::uint64_t>, ike::IkeDecryptionKeys> read_table(const fs::path& p) {
    std::ifstream in(p);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto rows = ike::parse_ikev2_decryption_table(text);
    INFO("table " << p.string());
    if (!rows) FAIL("unreadable table: " << rows.error());
    std::map<std::pair<std::uint64_t, std::uint64_t>, ike::IkeDecryptionKeys> out;
    for (auto& k : *rows) out[{k.spi_i, k.spi_r}] = std::move(k);
    return out;
}

Bytes read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("RFC 7296 3.14: decrypted strongSwan SK payloads decode and re-encode byte for byte",
          "[wire][captures][interop]") {
    const fs::path root = fs::path(MESHD_SOURCE_DIR) / "tests" / "captures";
    std::size_t decrypted = 0, suites = 0;
    // Missing captures mean nothing was checked: that is a failure, not a pass with a warning.
    INFO("captures under " << root.string());
    REQUIRE(fs::is_directory(root));
    for (const auto& suite : fs::directory_iterator(root)) {
        const auto table_path = suite.path() / "ikev2_decryption_table";
        if (!fs::exists(table_path)) continue;
        ++suites;
        const auto table = read_table(table_path);
        std::vector<fs::path> files;
        for (const auto& f : fs::directory_iterator(suite.path()))
            if (f.path().extension() == ".ike") files.push_back(f.path());
        std::sort(files.begin(), files.end());
        for (const auto& path : files) {
            INFO("capture " << path.string());
            const Bytes b = read_file(path);
            auto m = decode(b);
            REQUIRE(m);
            const auto spans = encrypted_spans(b, *m);
            if (!spans) continue;
            const auto keys = table.find({m->header.spi_i, m->header.spi_r});
            REQUIRE(keys != table.end());
            const auto& k = keys->second;
            auto unprotector = ike::crypto::SkUnprotector::create(k.suite, m->header.initiator ? k.sk_ei : k.sk_er,
                                                                  m->header.initiator ? k.sk_ai : k.sk_ar);
            REQUIRE(unprotector);
            auto plain = unprotector->unprotect(spans->aad, spans->body);
            REQUIRE(plain);
            const Bytes plaintext(plain->begin(), plain->end());
            const auto first = std::get<Encrypted>(m->payloads.back()).first_inner;
            auto inner = decode_inner(first, plaintext);
            if (!inner) FAIL("inner decode error at " << inner.error().offset << ": " << inner.error().what());
            const auto enc = encode_inner(*inner);
            CHECK(enc.first == first);
            CHECK(enc.bytes == plaintext);
            auto ok = check_exchange(m->header, m->payloads, *inner);
            if (!ok)
                FAIL_CHECK("exchange rule: " << describe(ok.error().rule) << " "
                                             << fmt::format("{}", ok.error().payload) << " in "
                                             << ok.error().form);
            ++decrypted;
        }
    }
    REQUIRE(suites > 0);
    REQUIRE(decrypted > 0);
    WARN(decrypted << " encrypted captures of " << suites << " suites decrypted and checked");
}
