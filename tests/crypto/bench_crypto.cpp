// bench_crypto: µs per operation of lib/crypto's primitives and the crypto cost of one whole
// IKEv2 handshake (IKE_SA_INIT + IKE_AUTH, both sides) per default suite. Prints a table.
// Signatures (AUTH payloads) come from the x509 helper's code and are not included here yet.
#include "crypto/esp_keys.hpp"
#include "crypto/ke.hpp"
#include "crypto/key_schedule.hpp"
#include "crypto/prf.hpp"
#include "crypto/rng.hpp"
#include "crypto/sk_payload.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

using namespace ike::crypto;

namespace {

using Clock = std::chrono::steady_clock;

// Mean µs per call: repeats until both min_iters calls and min_ms have passed.
double measure(const std::function<void()>& op, int min_iters = 20, double min_ms = 300.0) {
    op();  // warm-up (first-use tables, group parameters)
    int n = 0;
    const auto start = Clock::now();
    double elapsed_ms = 0;
    while (n < min_iters || elapsed_ms < min_ms) {
        op();
        ++n;
        elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    }
    return elapsed_ms * 1000.0 / n;
}

void row(const std::string& what, double us) { std::printf("| %-58s | %12.1f |\n", what.c_str(), us); }
void header(const char* title) {
    std::printf("\n%s\n| %-58s | %12s |\n|%s|%s|\n", title, "operation", "µs/op", std::string(60, '-').c_str(),
                std::string(14, '-').c_str());
}

template <typename T>
T must(CryptoResult<T> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "%s failed: %s\n", what, std::string(to_string(r.error())).c_str());
        std::exit(1);
    }
    return std::move(*r);
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
    row("prf+ 64 octets", measure([&] { (void)must(prf.prf_plus(key, ni, 64), "prf+"); }, 1000, 100));
    row("prf+ 200 octets", measure([&] { (void)must(prf.prf_plus(key, ni, 200), "prf+"); }, 1000, 100));
    const SkSuite gcm{EncrId::AesGcm16, 256, IntegId::None};
    row("SKEYSEED", measure([&] { (void)must(derive_skeyseed(PrfId::HmacSha2_256, ni, nr, gir), "skeyseed"); },
                            1000, 100));
    const auto seed = must(derive_skeyseed(PrfId::HmacSha2_256, ni, nr, gir), "skeyseed");
    row("SK_d..SK_pr for AES-GCM-256 (prf+ 200 octets)", measure([&] {
            (void)must(derive_ike_sa_keys(PrfId::HmacSha2_256, gcm, seed, ni, nr, spi_i, spi_r), "keys");
        }, 1000, 100));
    const auto keys = must(derive_ike_sa_keys(PrfId::HmacSha2_256, gcm, seed, ni, nr, spi_i, spi_r), "keys");
    row("child SA KEYMAT, AES-GCM-256 ESP, no PFS", measure([&] {
            (void)must(derive_child_sa_keys(PrfId::HmacSha2_256, keys.sk_d, {EncrId::AesGcm16, 256, IntegId::None},
                                            ni, nr),
                       "keymat");
        }, 1000, 100));
    const auto id = random_bytes(rng, 24);
    const auto msg = random_bytes(rng, 300);
    row("AUTH octets (§2.15) for a 300-octet IKE_SA_INIT", measure([&] {
            (void)must(initiator_signed_octets(PrfId::HmacSha2_256, msg, nr, keys.sk_pi, id), "octets");
        }, 1000, 100));
    const PreSharedKey psk(random_bytes(rng, 32));
    const auto octets = must(initiator_signed_octets(PrfId::HmacSha2_256, msg, nr, keys.sk_pi, id), "octets");
    row("shared-key MIC (auth method 2)", measure([&] {
            (void)must(shared_key_auth(PrfId::HmacSha2_256, psk, octets), "psk");
        }, 1000, 100));
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
        row(std::string(s.name) + ": protect", measure([&] { (void)must(p.protect(aad, inner), "protect"); }, 1000, 100));
        const auto body = must(p.protect(aad, inner), "protect");
        row(std::string(s.name) + ": unprotect", measure([&] { (void)must(u.unprotect(aad, body), "unprotect"); },
                                                         1000, 100));
    }
}

// Both sides of IKE_SA_INIT + IKE_AUTH, crypto only (no encoding, no signatures): nonces, key
// exchange, SKEYSEED and SK_*, SK protector/unprotector setup, AUTH octets for both AUTH payloads,
// the IKE_AUTH request and response protected and unprotected (~1 KiB and ~800 octets, roughly a
// certificate-bearing exchange), and the first child SA's KEYMAT on both sides.
void handshake(Rng& rng, KeId group, const SkSuite& sk, PrfId prf_id) {
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
    (void)must(initiator_signed_octets(prf_id, init_msg, nr, keys_i.sk_pi, id), "octets");
    const auto req = must(out_i.protect(aad, auth_req), "protect req");
    (void)must(in_r.unprotect(aad, req), "unprotect req");
    (void)must(initiator_signed_octets(prf_id, init_msg, nr, keys_r.sk_pi, id), "octets");
    (void)must(responder_signed_octets(prf_id, init_msg, ni, keys_r.sk_pr, id), "octets");
    (void)must(derive_child_sa_keys(prf_id, keys_r.sk_d, esp, ni, nr), "keymat");
    const auto resp = must(out_r.protect(aad, auth_resp), "protect resp");
    (void)must(in_i.unprotect(aad, resp), "unprotect resp");
    (void)must(responder_signed_octets(prf_id, init_msg, ni, keys_i.sk_pr, id), "octets");
    (void)must(derive_child_sa_keys(prf_id, keys_i.sk_d, esp, ni, nr), "keymat");
}

void bench_handshakes(Rng& rng) {
    header("Crypto cost of one whole handshake, both sides (IKE_SA_INIT + IKE_AUTH; NO signatures)");
    struct Default {
        const char* name;
        KeId group;
        SkSuite sk;
        PrfId prf;
    };
    const Default defaults[] = {
        {"Curve25519, AES-GCM-16-256, PRF-HMAC-SHA2-256", KeId::Curve25519, {EncrId::AesGcm16, 256, IntegId::None},
         PrfId::HmacSha2_256},
        {"ECP-256, AES-GCM-16-256, PRF-HMAC-SHA2-256", KeId::Ecp256, {EncrId::AesGcm16, 256, IntegId::None},
         PrfId::HmacSha2_256},
        {"MODP-2048, AES-CBC-256/HMAC-SHA2-256, PRF-SHA2-256", KeId::Modp2048,
         {EncrId::AesCbc, 256, IntegId::HmacSha2_256_128}, PrfId::HmacSha2_256},
    };
    for (const auto& d : defaults) {
        row(d.name, measure([&] { handshake(rng, d.group, d.sk, d.prf); }));
    }
    std::printf("(signature sign/verify not included: the x509 helper's sign API had not landed)\n");
}

}  // namespace

int main() {
    auto rng = make_system_rng();
    std::printf("bench_crypto: mean wall-clock µs per operation (steady_clock), Botan 2, one thread\n");
    bench_key_exchange(*rng);
    bench_key_schedule(*rng);
    bench_sk_payload(*rng);
    bench_handshakes(*rng);
    return 0;
}
