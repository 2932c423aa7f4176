// ikeload's certificates, made with lib/crypto's CertificateAuthority (see pki.hpp).
#include "pki.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>

namespace ikeload {

using ike::crypto::KeyType;
using ike::crypto::KeId;

const Suite kSuites[3] = {
    {"ed25519", "Ed25519 + X25519", KeyType::Ed25519, KeId::Curve25519, "aes256gcm16-prfsha256-curve25519"},
    {"ecdsa", "ECDSA-P256 + ECP-256", KeyType::EcdsaP256, KeId::Ecp256, "aes256gcm16-prfsha256-ecp256"},
    {"rsa", "RSA-PSS 2048 + MODP-2048", KeyType::Rsa, KeId::Modp2048, "aes256gcm16-prfsha256-modp2048"},
};

const Suite* find_suite(const std::string& name) {
    for (const auto& s : kSuites)
        if (name == s.name) return &s;
    return nullptr;
}

void fatal(const std::string& msg) {
    std::fprintf(stderr, "ikeload: %s\n", msg.c_str());
    std::exit(1);
}

namespace {

template <typename T>
T must(ike::crypto::CertResult<T> r, const std::string& what) {
    if (!r) fatal(what + ": " + std::string(ike::crypto::to_string(r.error())));
    return std::move(*r);
}

void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) fatal("cannot write " + p.string());
}

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) fatal("cannot read " + p.string());
    return std::string(std::istreambuf_iterator<char>(in), {});
}

ike::crypto::IpAddrBlocks blocks(const std::string& cidr) {
    ike::crypto::IpAddrBlocks b;
    b.add(must(ike::crypto::IpRange::parse(cidr), "range " + cidr));
    return b;
}

std::string dotted(std::uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string(a >> 16 & 255) + "." + std::to_string(a >> 8 & 255) + "." +
           std::to_string(a & 255);
}

}  // namespace

void make_pki(const std::filesystem::path& dir, const Suite& suite) {
    std::filesystem::create_directories(dir);
    auto rng = ike::crypto::make_system_rng();
    const auto now = std::chrono::system_clock::now();
    ike::crypto::CaProfile cp;
    cp.common_name = "ikeload CA";
    cp.not_before = now - std::chrono::hours(24);
    cp.not_after = now + std::chrono::hours(24 * 365);
    cp.ip_blocks = blocks("10.0.0.0/8");
    auto ca = must(ike::crypto::CertificateAuthority::create_self_signed(
                       must(ike::crypto::PrivateKey::generate(KeyType::Ed25519, *rng), "CA key"), cp, *rng),
                   "CA");
    const auto rsa_bits = 2048;
    auto responder_key = must(ike::crypto::PrivateKey::generate(suite.key, *rng, rsa_bits), "responder key");
    ike::crypto::NodeProfile np;
    np.common_name = "responder.load";
    np.alt_names.dns = {"responder.load"};
    np.ip_blocks = blocks("10.0.0.0/24");
    np.not_before = cp.not_before;
    np.not_after = now + std::chrono::hours(24 * 30);
    np.serial = 2;
    const auto responder = must(ca.issue_node(responder_key.public_key(), np, *rng), "responder certificate");
    const auto client_key = must(ike::crypto::PrivateKey::generate(suite.key, *rng, rsa_bits), "client key");
    write(dir / "ca.crt", ca.certificate().to_pem());
    write(dir / "ca.p8", ca.key().to_pem());
    write(dir / "responder.crt", responder.to_pem());
    write(dir / "responder.p8", responder_key.to_pem());
    write(dir / "client.p8", client_key.to_pem());
    write(dir / "suite", std::string(suite.name) + "\n");
}

LoadedPki load_pki(const std::filesystem::path& dir, std::size_t count) {
    auto ca_cert = must(ike::crypto::Certificate::from_pem(read(dir / "ca.crt")), "ca.crt");
    auto ca_key = must(ike::crypto::PrivateKey::from_pem(read(dir / "ca.p8")), "ca.p8");
    LoadedPki p{must(ike::crypto::CertificateAuthority::from(std::move(ca_cert), std::move(ca_key)), "CA"),
                std::make_shared<const ike::crypto::PrivateKey>(
                    must(ike::crypto::PrivateKey::from_pem(read(dir / "client.p8")), "client.p8")),
                {}};
    auto rng = ike::crypto::make_system_rng();
    const auto now = std::chrono::system_clock::now();
    p.clients.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        Client c;
        c.name = "client-" + std::to_string(i) + ".load";
        c.address = 0x0a800000u + static_cast<std::uint32_t>(i) + 1;  // 10.128.0.1, ...
        ike::crypto::NodeProfile np;
        np.common_name = c.name;
        np.alt_names.dns = {c.name};
        np.ip_blocks = blocks(dotted(c.address) + "/32");
        np.not_before = now - std::chrono::hours(1);
        np.not_after = now + std::chrono::hours(24);
        np.serial = 1000 + i;
        const auto cert = must(p.ca.issue_node(p.client_key->public_key(), np, *rng), "client certificate");
        c.certificate.assign(cert.der().begin(), cert.der().end());
        p.clients.push_back(std::move(c));
    }
    return p;
}

}  // namespace ikeload
