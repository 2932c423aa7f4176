// bench_crypto: µs per operation of lib/crypto's primitives and the crypto cost of one whole
// IKEv2 handshake (IKE_SA_INIT + IKE_AUTH, both sides) per default suite, with and without the
// RFC 7427 AUTH signatures (sign.hpp / auth_sig.hpp). Prints a table.
#include "crypto/auth_sig.hpp"
#include "crypto/ca_issue.hpp"
#include "crypto/esp_keys.hpp"
#include "crypto/ke.hpp"
#include "crypto/key_schedule.hpp"
#include "crypto/prf.hpp"
#include "crypto/privkey.hpp"
#include "crypto/rng.hpp"
#include "crypto/sign.hpp"
#include "crypto/sk_payload.hpp"
#include "crypto/x509_verify.hpp"

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

using namespace ike::crypto;

namespace {

// CPU time of this thread, not wall time: the development machines are shared, and other
// processes' load would otherwise inflate the figures unpredictably.
double thread_cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// --smoke (ctest): one call per batch, one batch: every row still runs once, in seconds.
bool g_smoke = false;

// µs per call: the best of 5 batches, each of at least `min_iters` calls and ~min_ms ms.
double measure(const std::function<void()>& op, int min_iters = 3, double min_ms = 40.0) {
    op();  // warm-up (first-use tables, group parameters)
    if (g_smoke) min_iters = 1, min_ms = 0;
    double best = 0;
    for (int batch = 0; batch < (g_smoke ? 1 : 5); ++batch) {
        int n = 0;
        const double start = thread_cpu_us();
        double elapsed = 0;
        while (n < min_iters || elapsed < min_ms * 1000.0) {
            op();
            ++n;
            elapsed = thread_cpu_us() - start;
        }
        const double per_call = elapsed / n;
        best = batch == 0 ? per_call : std::min(best, per_call);
    }
    return best;
}

void row(const std::string& what, double us) { std::printf("| %-74s | %10.1f |\n", what.c_str(), us); }
void header(const char* title) {
    std::printf("\n%s\n| %-74s | %11s |\n|%s|%s|\n", title, "operation", "µs/op", std::string(76, '-').c_str(),
                std::string(12, '-').c_str());
}

template <typename T, typename E>
T must(ike::Expected<T, E> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "%s failed: %s\n", what, std::string(to_string(r.error())).c_str());
        std::exit(1);
    }
    return std::move(*r);
}

template <typename E>
void must(ike::Expected<void, E> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "%s failed: %s\n", what, std::string(to_string(r.error())).c_str());
        std::exit(1);
    }
}

std::vector<std::uint8_t> random_bytes(Rng& rng, std::size_t n) {
    std::vector<std::uint8_t> v(n);
    rng.fill(v);
    return v;
}

void bench_key_exchange(Rng& rng) {
    header("Key exchange (per side)");
    for (const auto& info : supported_ke()) {
        row(std::string(info.name) + ": key pair + KE value",
            measure([&] { (void)must(make_key_exchange(info.id, rng), "keygen"); }));
        auto peer = must(make_key_exchange(info.id, rng), "keygen");
        auto self = must(make_key_exchange(info.id, rng), "keygen");
        const std::vector<std::uint8_t> pv(peer->public_value().begin(), peer->public_value().end());
        row(std::string(info.name) + ": check peer value + shared secret",
            measure([&] { (void)must(self->shared_secret(pv), "shared secret"); }));
    }
}

void bench_key_schedule(Rng& rng) {
    header("Key schedule (PRF-HMAC-SHA2-256 unless noted)");
    const auto ni = random_bytes(rng, 32), nr = random_bytes(rng, 32);
    const auto spi_i = random_bytes(rng, 8), spi_r = random_bytes(rng, 8);
    const SharedSecret gir(random_bytes(rng, 32));
    auto prf = must(Prf::create(PrfId::HmacSha2_256), "prf");
    const auto key = random_bytes(rng, 32);
    row("prf+ 64 octets", measure([&] { (void)must(prf.prf_plus(key, ni, 64), "prf+"); }));
    row("prf+ 200 octets", measure([&] { (void)must(prf.prf_plus(key, ni, 200), "prf+"); }));
    const SkSuite gcm{EncrId::AesGcm16, 256, IntegId::None};
    row("SKEYSEED", measure([&] { (void)must(derive_skeyseed(PrfId::HmacSha2_256, ni, nr, gir), "skeyseed"); }));
    const auto seed = must(derive_skeyseed(PrfId::HmacSha2_256, ni, nr, gir), "skeyseed");
    row("SK_d..SK_pr for AES-GCM-256 (prf+ 200 octets)", measure([&] {
            (void)must(derive_ike_sa_keys(PrfId::HmacSha2_256, gcm, seed, ni, nr, spi_i, spi_r), "keys");
        }));
    const auto keys = must(derive_ike_sa_keys(PrfId::HmacSha2_256, gcm, seed, ni, nr, spi_i, spi_r), "keys");
    row("child SA KEYMAT, AES-GCM-256 ESP, no PFS", measure([&] {
            (void)must(derive_child_sa_keys(PrfId::HmacSha2_256, keys.sk_d, {EncrId::AesGcm16, 256, IntegId::None},
                                            ni, nr),
                       "keymat");
        }));
    const auto id = random_bytes(rng, 24);
    const auto msg = random_bytes(rng, 300);
    row("AUTH octets (RFC 7296 2.15) for a 300-octet IKE_SA_INIT", measure([&] {
            (void)must(initiator_signed_octets(PrfId::HmacSha2_256, msg, nr, keys.sk_pi, id), "octets");
        }));
    const PreSharedKey psk(random_bytes(rng, 32));
    const auto octets = must(initiator_signed_octets(PrfId::HmacSha2_256, msg, nr, keys.sk_pi, id), "octets");
    row("shared-key MIC (auth method 2)", measure([&] {
            (void)must(shared_key_auth(PrfId::HmacSha2_256, psk, octets), "psk");
        }));
}

struct NamedSuite {
    const char* name;
    SkSuite sk;
};

const NamedSuite kSkSuites[] = {
    {"AES-GCM-16-128", {EncrId::AesGcm16, 128, IntegId::None}},
    {"AES-GCM-16-256", {EncrId::AesGcm16, 256, IntegId::None}},
    {"ChaCha20-Poly1305", {EncrId::ChaCha20Poly1305, 0, IntegId::None}},
    {"AES-CBC-128 + HMAC-SHA2-256-128", {EncrId::AesCbc, 128, IntegId::HmacSha2_256_128}},
    {"AES-CBC-256 + HMAC-SHA2-256-128", {EncrId::AesCbc, 256, IntegId::HmacSha2_256_128}},
    {"AES-CBC-256 + HMAC-SHA2-384-192", {EncrId::AesCbc, 256, IntegId::HmacSha2_384_192}},
    {"AES-CBC-256 + HMAC-SHA2-512-256", {EncrId::AesCbc, 256, IntegId::HmacSha2_512_256}},
};

std::vector<std::uint8_t> keymat(Rng& rng, const SkSuite& s, bool integ) {
    if (!integ) {
        return random_bytes(rng, find_encr(s.encr, s.key_bits)->keymat_len());
    }
    return random_bytes(rng, s.integ == IntegId::None ? 0 : find_integ(s.integ)->key_len);
}

void bench_sk_payload(Rng& rng) {
    header("SK payload, 1 KiB of inner payloads");
    const std::vector<std::uint8_t> inner(1024, 0x5a);
    std::vector<std::uint8_t> aad(32, 0x11);
    for (const auto& s : kSkSuites) {
        const auto e = keymat(rng, s.sk, false), a = keymat(rng, s.sk, true);
        auto p = must(SkProtector::create(s.sk, e, a, rng), "protector");
        auto u = must(SkUnprotector::create(s.sk, e, a), "unprotector");
        row(std::string(s.name) + ": protect", measure([&] { (void)must(p.protect(aad, inner), "protect"); }));
        const auto body = must(p.protect(aad, inner), "protect");
        row(std::string(s.name) + ": unprotect", measure([&] { (void)must(u.unprotect(aad, body), "unprotect"); }));
    }
}

struct SigKey {
    const char* name;
    KeyType type;
};

const SigKey kSigKeys[] = {
    {"Ed25519", KeyType::Ed25519},
    {"ECDSA P-256", KeyType::EcdsaP256},
    {"ECDSA P-384", KeyType::EcdsaP384},
    {"RSA-3072 (PSS)", KeyType::Rsa},
};

// AUTH payload data (RFC 7427, method 14) over a 400-octet AUTH octets string, as an engine
// would call it: the peer announced SHA2-256/384/512 and Identity.
void bench_signatures(Rng& rng) {
    header("AUTH signatures (RFC 7427 method 14, from sign.hpp / auth_sig.hpp)");
    const auto octets = random_bytes(rng, 400);
    const auto hashes = supported_hash_algorithms();
    for (const auto& k : kSigKeys) {
        const auto key = must(PrivateKey::generate(k.type, rng), "keygen");
        row(std::string(k.name) + ": sign AUTH", measure([&] {
                (void)must(make_signature_auth(key, hashes, octets, rng), "sign");
            }));
        const auto auth = must(make_signature_auth(key, hashes, octets, rng), "sign");
        const PublicKey& pub = key.public_key();
        row(std::string(k.name) + ": verify AUTH (key already loaded)", measure([&] {
                must(verify_signature_auth(pub, hashes, auth, octets), "verify");
            }));
    }
}

// Both sides of IKE_SA_INIT + IKE_AUTH, crypto only (no encoding): nonces, key exchange,
// SKEYSEED and SK_*, SK protector/unprotector setup, AUTH octets for both AUTH payloads, the
// IKE_AUTH request and response protected and unprotected (~1 KiB and ~800 octets, roughly a
// certificate-bearing exchange), the first child SA's KEYMAT on both sides, and, when keys are
// given, each side's AUTH signature and the check of the peer's; with certificates, each side
// also parses the peer's certificate (first contact: no cache), verifies it against the CA
// (whose own signature TrustAnchor checked once, outside the loop) and matches its identity.
struct PeerCerts {
    const TrustAnchor* anchor;
    std::vector<std::uint8_t> initiator_der, responder_der;
    TimePoint now;
};

struct AuthKeys {
    const PrivateKey* initiator;
    const PrivateKey* responder;
    const PeerCerts* certs = nullptr;
};

// The peer's public key for its AUTH: from its certificate after chain and identity checks, or
// directly from its key when the row measures signatures alone.
PublicKey peer_key(const AuthKeys& auth, bool peer_is_initiator) {
    if (auth.certs == nullptr) {
        return (peer_is_initiator ? auth.initiator : auth.responder)->public_key();
    }
    const auto& der = peer_is_initiator ? auth.certs->initiator_der : auth.certs->responder_der;
    const auto leaf = must(Certificate::from_der(der), "parse peer certificate");
    const auto peer = must(verify_certificate_chain(*auth.certs->anchor, leaf, {}, auth.certs->now), "chain");
    const std::string_view name = peer_is_initiator ? "i.mesh.example" : "r.mesh.example";
    must(peer.check_identity(IdType::Fqdn, {reinterpret_cast<const std::uint8_t*>(name.data()), name.size()}),
         "identity");
    return leaf.public_key();
}

void handshake(Rng& rng, KeId group, const SkSuite& sk, PrfId prf_id, const AuthKeys* auth) {
    const EspSuite esp{sk.encr, sk.key_bits, sk.integ};
    const auto ni = random_bytes(rng, 32), nr = random_bytes(rng, 32);
    const auto spi_i = random_bytes(rng, 8), spi_r = random_bytes(rng, 8);
    auto ke_i = must(make_key_exchange(group, rng), "ke_i");
    auto ke_r = must(make_key_exchange(group, rng), "ke_r");
    const auto g_ir_r = must(ke_r->shared_secret(ke_i->public_value()), "g^ir responder");
    const auto g_ir_i = must(ke_i->shared_secret(ke_r->public_value()), "g^ir initiator");

    const auto seed_i = must(derive_skeyseed(prf_id, ni, nr, g_ir_i), "skeyseed");
    const auto seed_r = must(derive_skeyseed(prf_id, ni, nr, g_ir_r), "skeyseed");
    const auto keys_i = must(derive_ike_sa_keys(prf_id, sk, seed_i, ni, nr, spi_i, spi_r), "keys");
    const auto keys_r = must(derive_ike_sa_keys(prf_id, sk, seed_r, ni, nr, spi_i, spi_r), "keys");

    auto out_i = must(SkProtector::outbound(sk, keys_i, Role::Initiator, rng), "out_i");
    auto in_i = must(SkUnprotector::inbound(sk, keys_i, Role::Initiator), "in_i");
    auto out_r = must(SkProtector::outbound(sk, keys_r, Role::Responder, rng), "out_r");
    auto in_r = must(SkUnprotector::inbound(sk, keys_r, Role::Responder), "in_r");

    static const std::vector<std::uint8_t> init_msg(320, 0x21), id(24, 0x22), aad(32, 0x23);
    static const std::vector<std::uint8_t> auth_req(1024, 0x24), auth_resp(800, 0x25);
    // Initiator: AUTH octets, protect the request. Responder: unprotect, check the peer's octets,
    // build its own, protect. Initiator: unprotect, check.
    const auto hashes = supported_hash_algorithms();
    const auto octets_i = must(initiator_signed_octets(prf_id, init_msg, nr, keys_i.sk_pi, id), "octets");
    std::vector<std::uint8_t> auth_i;
    if (auth != nullptr) {
        auth_i = must(make_signature_auth(*auth->initiator, hashes, octets_i, rng), "sign i");
    }
    const auto req = must(out_i.protect(aad, auth_req), "protect req");
    (void)must(in_r.unprotect(aad, req), "unprotect req");
    const auto check_i = must(initiator_signed_octets(prf_id, init_msg, nr, keys_r.sk_pi, id), "octets");
    if (auth != nullptr) {
        must(verify_signature_auth(peer_key(*auth, true), hashes, auth_i, check_i), "verify i");
    }
    const auto octets_r = must(responder_signed_octets(prf_id, init_msg, ni, keys_r.sk_pr, id), "octets");
    std::vector<std::uint8_t> auth_r;
    if (auth != nullptr) {
        auth_r = must(make_signature_auth(*auth->responder, hashes, octets_r, rng), "sign r");
    }
    (void)must(derive_child_sa_keys(prf_id, keys_r.sk_d, esp, ni, nr), "keymat");
    const auto resp = must(out_r.protect(aad, auth_resp), "protect resp");
    (void)must(in_i.unprotect(aad, resp), "unprotect resp");
    const auto check_r = must(responder_signed_octets(prf_id, init_msg, ni, keys_i.sk_pr, id), "octets");
    if (auth != nullptr) {
        must(verify_signature_auth(peer_key(*auth, false), hashes, auth_r, check_r), "verify r");
    }
    (void)must(derive_child_sa_keys(prf_id, keys_i.sk_d, esp, ni, nr), "keymat");
}

void bench_handshakes(Rng& rng) {
    header("Crypto cost of one whole handshake, both sides (IKE_SA_INIT + IKE_AUTH)");
    struct Default {
        const char* name;
        KeId group;
        SkSuite sk;
        PrfId prf;
    };
    const Default defaults[] = {
        {"X25519, AES-GCM-256, SHA2-256", KeId::Curve25519, {EncrId::AesGcm16, 256, IntegId::None},
         PrfId::HmacSha2_256},
        {"ECP-256, AES-GCM-256, SHA2-256", KeId::Ecp256, {EncrId::AesGcm16, 256, IntegId::None},
         PrfId::HmacSha2_256},
        {"MODP-2048, AES-CBC-256/HMAC-SHA2-256-128, SHA2-256", KeId::Modp2048,
         {EncrId::AesCbc, 256, IntegId::HmacSha2_256_128}, PrfId::HmacSha2_256},
    };
    struct Signer {
        const char* name;
        PrivateKey i, r;
    };
    std::vector<Signer> signers;
    for (const auto& k : kSigKeys) {
        signers.push_back({k.name, must(PrivateKey::generate(k.type, rng), "keygen"),
                           must(PrivateKey::generate(k.type, rng), "keygen")});
    }
    // An Ed25519 CA (the default) issuing both nodes' certificates, for the rows with chains.
    const TimePoint now = std::chrono::system_clock::now();
    const auto day = std::chrono::hours(24);
    CaProfile ca_profile;
    ca_profile.common_name = "mesh CA";
    ca_profile.not_before = now - day;
    ca_profile.not_after = now + 365 * day;
    const auto ca = must(CertificateAuthority::create_self_signed(
                             must(PrivateKey::generate(KeyType::Ed25519, rng), "ca key"), ca_profile, rng),
                         "ca");
    const auto anchor = must(TrustAnchor::create(ca.certificate()), "anchor");
    auto issue = [&](const PrivateKey& key, const char* name, std::uint64_t serial) {
        NodeProfile node;
        node.common_name = name;
        node.alt_names.dns.push_back(name);
        node.not_before = now - day;
        node.not_after = now + 30 * day;
        node.serial = serial;
        const auto cert = must(ca.issue_node(key.public_key(), node, rng), "issue");
        return std::vector<std::uint8_t>(cert.der().begin(), cert.der().end());
    };
    for (const auto& d : defaults) {
        row(std::string(d.name) + ", no signatures", measure([&] { handshake(rng, d.group, d.sk, d.prf, nullptr); }));
        for (const auto& sg : signers) {
            const AuthKeys keys{&sg.i, &sg.r};
            row(std::string(d.name) + ", " + sg.name,
                measure([&] { handshake(rng, d.group, d.sk, d.prf, &keys); }));
        }
        for (std::size_t i = 0; i < 2; ++i) {  // the default node keys: Ed25519, ECDSA P-256
            const auto& sg = signers[i];
            const PeerCerts certs{&anchor, issue(sg.i, "i.mesh.example", 10 + 2 * i),
                                  issue(sg.r, "r.mesh.example", 11 + 2 * i), now};
            const AuthKeys keys{&sg.i, &sg.r, &certs};
            row(std::string(d.name) + ", " + sg.name + " + cert chains",
                measure([&] { handshake(rng, d.group, d.sk, d.prf, &keys); }));
        }
    }
    std::printf("(AUTH sign + verify on both sides in every row but the first of each group; \"+ cert\n"
                " chains\": each side also parses the peer's certificate, verifies it against the CA and\n"
                " checks its identity. Certificate generation and the CA's self-check are outside.)\n");
}

}  // namespace

int main(int argc, char** argv) {
    g_smoke = argc > 1 && std::string(argv[1]) == "--smoke";
    auto rng = make_system_rng();
    std::printf("bench_crypto: µs of thread CPU time per operation (best of 5 batches), Botan 2, one thread\n");
    bench_key_exchange(*rng);
    bench_key_schedule(*rng);
    bench_sk_payload(*rng);
    bench_signatures(*rng);
    bench_handshakes(*rng);
    return 0;
}
