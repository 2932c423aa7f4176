// libFuzzer target for lib/crypto's X.509 side: certificates and CRLs (DER and PEM), the
// hand-written subjectAltName and RFC 3779 decoders, and chain verification with a fuzzed
// certificate as leaf, as intermediate, and a fuzzed CRL installed on the trust anchor.
//   fuzz_x509 [libFuzzer flags] DIR...        fuzz
//   fuzz_x509 --generate=DIR                  write the harness PKI's certificates and CRLs
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ca_issue.hpp"
#include "crypto/x509_verify.hpp"

using namespace ike::crypto;
using namespace std::chrono_literals;

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

const TimePoint kNow = TimePoint(std::chrono::seconds(1767225600));  // 2026-01-01

IpAddrBlocks blocks(std::initializer_list<std::string_view> nets) {
    IpAddrBlocks b;
    for (const auto n : nets) b.add(IpRange::parse(n).value());
    return b;
}

CaProfile ca_profile(std::string cn, std::uint64_t serial) {
    CaProfile p;
    p.common_name = std::move(cn);
    p.not_before = kNow - 24h;
    p.not_after = kNow + 24h * 3650;
    p.serial = serial;
    p.ip_blocks = blocks({"10.0.0.0/8", "fd00::/8"});
    return p;
}

// One root, one intermediate, a node under each, CRLs of both: made once per process from a
// fixed seed, so --generate writes seeds that verify against the same anchor.
struct Pki {
    CertificateAuthority root, mid;
    Certificate node, mid_node;
    std::vector<std::uint8_t> root_crl, mid_crl;
    TrustAnchor anchor;
};

Certificate node_of(const CertificateAuthority& ca, const char* name, std::uint64_t serial, Rng& rng) {
    auto key = PrivateKey::generate(KeyType::Ed25519, rng).value();
    NodeProfile p;
    p.common_name = name;
    p.alt_names.dns = {name};
    p.alt_names.ipv4 = {{192, 0, 2, 10}};
    p.alt_names.ipv6 = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}};
    p.alt_names.email = {std::string("ops@") + name};
    p.ip_blocks = blocks({"10.0.1.0/24", "fd00:1::/48"});
    p.not_before = kNow - 1h;
    p.not_after = kNow + 24h * 30;
    p.serial = serial;
    return ca.issue_node(key.public_key(), p, rng).value();
}

const Pki& pki() {
    static const Pki p = [] {
        auto rng = make_seeded_rng(0x5859);
        auto root = CertificateAuthority::create_self_signed(PrivateKey::generate(KeyType::Ed25519, *rng).value(),
                                                             ca_profile("fuzz root", 1), *rng)
                        .value();
        auto mid = root.issue_intermediate(PrivateKey::generate(KeyType::EcdsaP256, *rng).value(),
                                           ca_profile("fuzz intermediate", 2), *rng)
                       .value();
        auto node = node_of(root, "a.mesh.example", 10, *rng);
        auto mid_node = node_of(mid, "b.mesh.example", 11, *rng);
        const std::uint64_t revoked[] = {11, 12};
        auto root_crl = root.issue_crl(revoked, kNow - 1h, kNow + 24h, 1, *rng).value();
        auto mid_crl = mid.issue_crl(revoked, kNow - 1h, kNow + 24h, 1, *rng).value();
        auto anchor = TrustAnchor::create(root.certificate()).value();
        return Pki{std::move(root), std::move(mid), std::move(node), std::move(mid_node),
                   std::move(root_crl), std::move(mid_crl), std::move(anchor)};
    }();
    return p;
}

std::string_view text(std::span<const std::uint8_t> in) {
    return {reinterpret_cast<const char*>(in.data()), in.size()};
}

// Whatever decodes re-encodes to something that decodes to the same value.
void san_and_blocks(std::span<const std::uint8_t> in) {
    // Known (fuzz/x509/README.md, 2026-12-06): decode accepts a GeneralNames whose entries it all
    // skips (even universal SEQUENCEs) as an empty SubjectAltNames, whose encoding "30 00" it then
    // refuses; the round trip is required only where a name was kept.
    if (auto san = decode_subject_alt_names(in); san && !san->empty()) {
        auto again = decode_subject_alt_names(encode_subject_alt_names(*san));
        require(again.has_value() && *again == *san);
    }
    if (auto b = IpAddrBlocks::decode_der(in)) {
        const auto der = b->encode_der();
        auto again = IpAddrBlocks::decode_der(der);
        require(again.has_value() && *again == *b);
        require(again->encode_der() == der);  // canonical: a fixed point
        (void)b->within(*pki().root.certificate().ip_blocks());
    }
}

void certificate(const Certificate& c) {
    const auto& p = pki();
    require(!c.der().empty());
    auto pem = Certificate::from_pem(c.to_pem());
    require(pem.has_value());
    require(std::ranges::equal(pem->der(), c.der()));
    (void)c.subject();
    (void)c.issuer();
    (void)c.subject_dn_der();
    (void)c.serial();
    (void)c.is_ca();
    (void)c.path_limit();
    (void)c.is_self_issued();
    (void)c.allows_digital_signature();
    (void)c.has_unknown_critical_extension();
    (void)c.spki_sha1();
    (void)c.fingerprint_sha256();
    (void)c.public_key().bits();
    (void)c.verify_signed_by(p.root.certificate().public_key());
    (void)c.verify_signed_by(c.public_key());
    if (const auto& b = c.ip_blocks()) (void)b->contains(IpRange::parse("10.0.1.7").value());
    (void)c.not_before();
    (void)c.not_after();

    // as the leaf, alone and with the real intermediate; as an intermediate for the mid's node
    const Certificate mids[] = {p.mid.certificate()};
    for (auto chain : {std::span<const Certificate>{}, std::span<const Certificate>(mids)}) {
        if (auto peer = verify_certificate_chain(p.anchor, c, chain, kNow)) {
            const std::string_view fqdn = "a.mesh.example";
            (void)peer->check_identity(IdType::Fqdn, std::span(reinterpret_cast<const std::uint8_t*>(fqdn.data()), fqdn.size()));
            (void)peer->check_subnet(IpRange::parse("10.0.1.0/24").value());
        }
    }
    const Certificate as_mid[] = {c};
    (void)verify_certificate_chain(p.anchor, p.mid_node, as_mid, kNow);
}

void crl(const Crl& l) {
    const auto& p = pki();
    (void)l.revoked_count();
    const std::uint8_t serials[][1] = {{10}, {11}, {0}};
    for (const auto& s : serials) (void)l.revokes(s);
    (void)l.verify_issued_by(p.mid.certificate());
    (void)l.this_update();
    (void)l.next_update();
    auto anchor = p.anchor;
    if (anchor.set_crl(l)) {
        // installed: the anchor's signature check passed; verification must use it consistently
        const Certificate mids[] = {p.mid.certificate()};
        (void)verify_certificate_chain(anchor, p.node, {}, kNow);
        (void)verify_certificate_chain(anchor, p.mid_node, mids, kNow);
    }
}

bool write_file(const std::string& path, std::span<const std::uint8_t> bytes) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return static_cast<bool>(f);
}

int generate(const std::string& dir) {
    const auto& p = pki();
    // the seeds must reach the deep paths: both nodes verify, and a CRL revokes the mid's node
    const Certificate mids[] = {p.mid.certificate()};
    auto anchor = p.anchor;
    if (!verify_certificate_chain(p.anchor, p.node, {}, kNow) ||
        !verify_certificate_chain(p.anchor, p.mid_node, mids, kNow) || !anchor.set_crl(Crl::from_der(p.root_crl).value()))
        return 0;
    int n = 0;
    const auto put = [&](const std::string& name, std::span<const std::uint8_t> der) {
        n += write_file(dir + "/harness-" + name + ".der", der) ? 1 : 0;
        const auto pem = der_to_pem(der, name.ends_with("crl") ? "X509 CRL" : "CERTIFICATE");
        n += write_file(dir + "/harness-" + name + ".pem",
                        std::span(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size())) ? 1 : 0;
    };
    put("root", p.root.certificate().der());
    put("intermediate", p.mid.certificate().der());
    put("node", p.node.der());
    put("intermediate-node", p.mid_node.der());
    put("root-crl", p.root_crl);
    put("intermediate-crl", p.mid_crl);
    // the extension values alone, for the hand-written decoders
    n += write_file(dir + "/harness-san.der", encode_subject_alt_names(p.node.alt_names())) ? 1 : 0;
    n += write_file(dir + "/harness-ip-blocks.der", p.node.ip_blocks()->encode_der()) ? 1 : 0;
    return n;
}

}  // namespace

// As fuzz/engine: a small ASan quarantine (the default 256 MiB dominated the process's memory).
extern "C" const char* __asan_default_options() { return "quarantine_size_mb=16:malloc_context_size=6"; }

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    (void)pki();
    for (int i = 1; i < *argc; ++i)
        if (std::strncmp((*argv)[i], "--generate=", 11) == 0) {
            const int n = generate((*argv)[i] + 11);
            std::printf("fuzz_x509: wrote %d seeds to %s\n", n, (*argv)[i] + 11);
            std::exit(n == 14 ? 0 : 1);
        }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Copy into a buffer of exactly `size` bytes so that ASan sees any overread.
    const std::vector<std::uint8_t> buffer(data, data + size);
    const std::span<const std::uint8_t> in(buffer);
    san_and_blocks(in);
    if (auto c = Certificate::from_der(in)) certificate(*c);
    if (auto c = Certificate::from_pem(text(in))) certificate(*c);
    if (auto l = Crl::from_der(in)) crl(*l);
    if (auto l = Crl::from_pem(text(in))) crl(*l);
    return 0;
}
