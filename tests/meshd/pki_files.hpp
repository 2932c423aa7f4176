// A mesh PKI on disk for config tests, made with lib/crypto's CA: ca.crt, node certificates and
// keys (0600), a CRL, a signed directory and a blocklist in docs/FORMATS.md's formats, in a
// fresh temporary folder. Times are fixed (kNow), never the machine's clock.
#pragma once

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/ca_issue.hpp"
#include "crypto/sign.hpp"
#include "ike/types.hpp"

namespace meshd::test {

using namespace std::chrono_literals;
inline const ike::Time kNow = ike::Time(std::chrono::seconds(1780272000));  // 2026-06-01T00:00:00Z

inline std::string base64(std::span<const std::uint8_t> data) {
    static constexpr char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < data.size(); i += 3) {
        const std::uint32_t n = std::uint32_t{data[i]} << 16 | (i + 1 < data.size() ? std::uint32_t{data[i + 1]} << 8 : 0) |
                                (i + 2 < data.size() ? data[i + 2] : 0);
        out += a[n >> 18 & 63];
        out += a[n >> 12 & 63];
        out += i + 1 < data.size() ? a[n >> 6 & 63] : '=';
        out += i + 2 < data.size() ? a[n & 63] : '=';
    }
    return out;
}

class PkiFiles {
public:
    std::filesystem::path dir;
    std::unique_ptr<ike::crypto::Rng> rng = ike::crypto::make_seeded_rng(99);
    std::optional<ike::crypto::CertificateAuthority> ca;
    std::uint64_t next_serial = 10;

    explicit PkiFiles(const char* ca_name = "mesh-ca") {
        char tmpl[] = "/tmp/meshd-test-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        dir = tmpl;
        ca = make_ca(ca_name);
        write("ca.crt", ca->certificate().to_pem());
    }
    ~PkiFiles() { std::filesystem::remove_all(dir); }

    ike::crypto::CertificateAuthority make_ca(const std::string& cn) {
        auto key = ike::crypto::PrivateKey::generate(ike::crypto::KeyType::Ed25519, *rng);
        REQUIRE(key);
        ike::crypto::CaProfile p;
        p.common_name = cn;
        p.not_before = kNow - 24h * 30;
        p.not_after = kNow + 24h * 3650;
        ike::crypto::IpAddrBlocks b;
        b.add(*ike::crypto::IpRange::parse("10.0.0.0/8"));
        p.ip_blocks = b;
        auto c = ike::crypto::CertificateAuthority::create_self_signed(std::move(*key), p, *rng);
        REQUIRE(c);
        return std::move(*c);
    }

    std::string path(const std::string& name) const { return (dir / name).string(); }
    void write(const std::string& name, const std::string& text, mode_t mode = 0644) {
        std::ofstream(path(name), std::ios::trunc | std::ios::binary) << text;
        REQUIRE(::chmod(path(name).c_str(), mode) == 0);
    }

    // NAME.crt and NAME.key for a node with `subnet`, valid around kNow unless told otherwise.
    void node(const std::string& name, const std::string& subnet, ike::Time not_before = kNow - 24h,
              ike::Time not_after = kNow + 24h * 30, const ike::crypto::CertificateAuthority* issuer = nullptr) {
        auto key = ike::crypto::PrivateKey::generate(ike::crypto::KeyType::Ed25519, *rng);
        REQUIRE(key);
        ike::crypto::NodeProfile p;
        p.common_name = name;
        p.alt_names.dns = {name};
        ike::crypto::IpAddrBlocks b;
        b.add(*ike::crypto::IpRange::parse(subnet));
        p.ip_blocks = b;
        p.not_before = not_before;
        p.not_after = not_after;
        p.serial = next_serial++;
        auto cert = (issuer ? *issuer : *ca).issue_node(key->public_key(), p, *rng);
        REQUIRE(cert);
        write(name + ".crt", cert->to_pem());
        write(name + ".key", ike::crypto::der_to_pem(key->to_pkcs8_der(), "PRIVATE KEY"), 0600);
    }

    void crl(const std::string& file, std::vector<std::uint64_t> revoked, std::uint64_t number,
             const ike::crypto::CertificateAuthority* issuer = nullptr) {
        auto der = (issuer ? *issuer : *ca).issue_crl(revoked, kNow - 1h, kNow + 24h * 7, number, *rng);
        REQUIRE(der);
        write(file, ike::crypto::der_to_pem(*der, "X509 CRL"));
    }

    // A signed directory with these "node ..." lines.
    std::string directory_text(std::uint64_t serial, const std::vector<std::string>& nodes,
                               const std::string& expires = "2026-06-08T00:00:00Z",
                               const ike::crypto::CertificateAuthority* signer = nullptr) {
        std::string body = "meshd-directory 1\nserial " + std::to_string(serial) + "\nexpires " + expires + "\n";
        for (const auto& n : nodes) body += "node " + n + "\n";
        const auto& key = (signer ? *signer : *ca).key();
        auto sig = ike::crypto::sign(key, ike::crypto::SignatureScheme::Ed25519,
                                     {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()}, *rng);
        REQUIRE(sig);
        return body + "signature " + base64(*sig) + "\n";
    }
};

}  // namespace meshd::test
