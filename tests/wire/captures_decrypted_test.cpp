// RFC 7296 §3.14 interop: strongSwan's encrypted captures, decrypted with the keys it logged
// (tests/captures/<suite>/ikev2_decryption_table) by lib/crypto, hold inner payload chains
// that decode_inner reads, encode_inner reproduces byte for byte, and that satisfy the
// exchange table. A separate executable (test_wire_interop), since it needs lib/crypto.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

#include "crypto/sk_payload.hpp"
#include "test_util.hpp"
#include "wire/exchange_table.hpp"
#include "wire/format.hpp"

using namespace ike::wire;
using namespace ike::wire::test;
namespace fs = std::filesystem;

namespace {

struct SaKeys {
    Bytes sk_ei, sk_er;
    ike::crypto::SkSuite suite{};
};

// "spi_i,spi_r,sk_ei,sk_er,\"cipher\",sk_ai,sk_ar,\"integ\"" (Wireshark's IKEv2 table).
std::map<std::pair<std::uint64_t, std::uint64_t>, SaKeys> read_table(const fs::path& p) {
    std::map<std::pair<std::uint64_t, std::uint64_t>, SaKeys> out;
    std::ifstream in(p);
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::stringstream ss(line);
        for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
        if (f.size() < 5) continue;
        SaKeys k;
        k.sk_ei = hex(f[2]);
        k.sk_er = hex(f[3]);
        const std::string cipher = f[4];
        if (cipher.find("AES-GCM-128") != std::string::npos)
            k.suite = {ike::crypto::EncrId::AesGcm16, 128, ike::crypto::IntegId::None};
        else if (cipher.find("AES-GCM-256") != std::string::npos)
            k.suite = {ike::crypto::EncrId::AesGcm16, 256, ike::crypto::IntegId::None};
        else if (cipher.find("CHACHA20-POLY1305") != std::string::npos)
            k.suite = {ike::crypto::EncrId::ChaCha20Poly1305, 0, ike::crypto::IntegId::None};
        else
            continue;
        out[{std::stoull(f[0], nullptr, 16), std::stoull(f[1], nullptr, 16)}] = k;
    }
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
    std::size_t decrypted = 0;
    if (!fs::is_directory(root)) WARN("no captures under " << root.string());
    for (const auto& suite : fs::is_directory(root) ? fs::directory_iterator(root) : fs::directory_iterator()) {
        const auto table_path = suite.path() / "ikev2_decryption_table";
        if (!fs::exists(table_path)) continue;
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
            const Bytes& key = m->header.initiator ? keys->second.sk_ei : keys->second.sk_er;
            auto unprotector = ike::crypto::SkUnprotector::create(keys->second.suite, key, {});
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
    WARN(decrypted << " encrypted captures decrypted and checked");
    if (fs::is_directory(root)) CHECK(decrypted > 0);
}
