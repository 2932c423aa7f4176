// Known answers from a real peer: the IKE SA key schedule (RFC 7296 §2.14; §2.18 for the rekeyed
// IKE SA) and child SA KEYMAT (§2.17) against the secrets strongSwan 5.9.8's charon logged
// (`ike = 4`, `chd = 4`) during the captures in tests/captures/<suite>/: g^ir, SKEYSEED and
// SK_d ... SK_pr from keys.txt, the ESP keys from child_keys.txt, the nonces from the messages
// (IKE_SA_INIT 01/02; CREATE_CHILD_SA 05/06 for the child rekey and 09/10 for the IKE SA rekey,
// decrypted with the suite's ikev2_decryption_table), the SPIs from index.txt. Unlike
// key_schedule_test.cpp and esp_keys_test.cpp, no expectation here comes from our own prf+.
// ecdsa-p256-aes128cbc is the one suite with an integrity transform: it checks where SK_ai and
// SK_ar sit in the prf+ stream (after SK_d, before SK_ei), and the ESP order encryption then
// integrity key, initiator->responder first.
#include "crypto/esp_keys.hpp"
#include "crypto/key_schedule.hpp"

#include "hex.hpp"

#include <catch2/catch.hpp>

#include <string_view>

using namespace ike::crypto;
using namespace test_hex;

namespace {

// One IKE SA as charon logged it. For a rekeyed SA, `ni`/`nr` are the rekey exchange's nonces.
// sk_ai/sk_ar are empty for AEAD suites.
struct LoggedSa {
    std::string_view spi_i, spi_r, ni, nr, g_ir, skeyseed, sk_d, sk_ai, sk_ar, sk_ei, sk_er, sk_pi, sk_pr;
};

struct Suite {
    std::string_view name;
    PrfId prf;
    SkSuite sk;
    LoggedSa initial, rekeyed;
};

// tests/captures/ecdsa-p256: aes128gcm16-prfsha256-ecp256
const Suite kEcdsaP256{
    "ecdsa-p256", PrfId::HmacSha2_256, {EncrId::AesGcm16, 128, IntegId::None},
    {"40e87598c67c0067",
     "57039810b6526cb6",
     "b3c1ec06f6260ee989be90576c0ee29926a238dc8e629737bb79e68e20409b1c",
     "d9960b1f8677096debf4ba7bbbdaa6c8fa43917fba3bdf021ebffd3441482a03",
     "ff7b9cbebe2cf67e26bfbd062fd065ade74c3f222f374680ad86db8dfbc845fd",
     "6224a6208415ba6d89fd175025669da7ed9be644c052bc96670a651decfa0065",
     "a79217d64ae254657012425df26b40cc8dbe5f096b4e0ab63b72581c4e5376ce",
     "",
     "",
     "5084408ff23dacfe10c13584a319c627a4d0e021",
     "051257800450ed2dc7730189726021621edd3424",
     "8f9d05f4fd6082a93ae3826aac4bff8d6500cb6d68f7049e029954f96e8e55d1",
     "0bdf2fe6c46a03583639cc6ecd47ea9dbde59c85c6158f83dc8d9fa7663179a1"},
    {"371d7f7d332076c6",
     "a9b47c622ef6245d",
     "6d7f9547dca185f395d8a3a39299b3d1d93f904bde425be7b65d21c42754670b",
     "2aee45bc1a3616000bf70197c32a8ed5a499941c3f11d53fb2adea01a0ed407f",
     "ea6b4d59d830937b458b02166689224c9ac49c77c948c913b7a571aaebf30f0e",
     "8e7618a8be9833f9a1cae5de19d3ae0037902e43310e88b8e8f75c492d2eb993",
     "3f5ee7c55c310a43b5c64938b873e08b85493c28c639ee1e34c33a90a83bf6e9",
     "",
     "",
     "65470edbbfb415b0188dacec5aace2face687fb3",
     "744a12410e9d2783afae83ae6e7a7a634ddd952f",
     "05007b280208e540af8fc6d0999be3410d329a6a1caf8f591255848f551f051c",
     "2004b47674e62e592ed0d81b4e819e700a92b7e47622fbd9de316a4c04dbf7fd"}};

// tests/captures/ed25519: chacha20poly1305-prfsha256-x25519
const Suite kEd25519{
    "ed25519", PrfId::HmacSha2_256, {EncrId::ChaCha20Poly1305, 0, IntegId::None},
    {"0533ef3e4c0801a3",
     "562354b822b6b351",
     "d71e74599e10c86182ce96f125a5e5bb02bf3db978b6f37a34350d4681d4ba2d",
     "eec07501425e0d7fd4ca8b215e395d5a002822bc744d813dfd5a0070fc73b45d",
     "418918f43c31bf455023f2500da2dd116afacb34f7c243103626456d1c344e3b",
     "c1bb7a9310c916e704e141a0202732c1683cb8fa14bb75b7afadabb5f2b7a3db",
     "0c1eb793da588c47671635a7203dba63e50b663ae98763231add82035566aa5a",
     "",
     "",
     "6db167f16b1fbff6d2a19a9d80a1c90aa8ae036c2e6c4bebf50d61922bd2e414"
     "6fdd20e6",
     "5f20c96501ed9f70ccd5d7c0a81a54d7bc19bbdf94f8034ee764f73ae67a078f"
     "024795bf",
     "40b361b103ad8052dbf6616f0d2344047e76f05d8785003a33e050cbdc84595c",
     "e4f33b7eb8d3fce07803d6e7673758da671e82c17b567e0fbcf6081a08976397"},
    {"6747255e8a3643fc",
     "2c646161234d27e9",
     "c32e1725366ee977ac8e9583a61e7f9a26c60adcb0a8c056ee8aa67d7e979b95",
     "7aa0914afd13e302cb5d3137363c9332a6c09f2aae8e96d4a8b67ea9d1084be2",
     "4e767b84e56421edee44393f52e27f2381bca029fb316bcb7eed62c14a2bd23f",
     "b93e18cdd809d0c110fffaac5a3e17309a42708b7a231782534afcd55fd975b9",
     "6838127902ea52829ba020c77388da1a3944ea1c973fee2458f12d793b42fb2b",
     "",
     "",
     "36404057fa4e4cc52f6b14b421427f00af8baf1dfa43bc0c79cf8bf765663297"
     "a6d1d685",
     "d1b330c6c96769252d77f6898ee46921f63790b807bba8b80eb23109e9916891"
     "e8a61244",
     "546f86488e0d21e9355f3b16610ea231e1f1ae5927a48a29c8d0aab8a7decb29",
     "a52ccd1007899fd9d713f69827d80fba65b5e637935ad6b62e1101da16e53c17"}};

// tests/captures/ed25519-aes256gcm: aes256gcm16-prfsha384-x25519
const Suite kEd25519Aes256Gcm{
    "ed25519-aes256gcm", PrfId::HmacSha2_384, {EncrId::AesGcm16, 256, IntegId::None},
    {"ec5355b61268eed4",
     "34b9e164d6cf27c7",
     "ec94a21b021216f30290e076f3c4d7a972fa1531a122541ea2b0119ce4597d19",
     "bb513a8934bce8dd504147e4b67ab55a13b124a6f48dace00911bb997eee5c44",
     "9d4c4feabc192d910e2d3116149137bd904f8cff367847f356b54ac841b69f19",
     "205ae7ec967c4270af6f2c04eb2d7609271fdb4150b6c2c13c224675c902de34"
     "9765aa18dc192eb689c7d8aa5fb1041c",
     "810e4f0384d2848f4093715d700a954269c4fe1926548c8f3fac4539354ffd32"
     "ff1ad8b96cd7943f80dfd5ad9d997ac4",
     "",
     "",
     "d4981853c840d1ada863af292b1952c2e62ce5de1c395320ddc7f640404d3848"
     "d1abb39d",
     "32c31c8f86220b9ef99192b3251d48e3cf24a9d5219a45827355346041238979"
     "bbe8e9bd",
     "9eab0271f4d82cc737a449288436007c378b124552304c404552406b63d36818"
     "b3982f354b7d92c689c283b5798a883b",
     "801775a9ea4953e9b1af21fe352935e916b80384f00a37a15db13a54fa601a8a"
     "e0d3ee86e92671d8b342a8d8bcf9ce84"},
    {"99fcb52014edf889",
     "593a6f75b47b4d94",
     "f0acda7a12bd01c00dd7222144374fd052b988280fdcaee5708d487d2728a8db",
     "d706e6528e102f281975d45c00c0e0b38e0e6ea81ade17baa6a61be39fb84204",
     "d4ea713ae13d0e61f5a83fe6f37ff0e34982a79776ba6586b96979ab9ce1b139",
     "e02ebd993a952004adc4960788505188aca3bf42331d1cfa9c26e797ac0411fa"
     "f1ebd3db07e8915c806ad9ede8ae9bc9",
     "e0319bbf22f4ef28cf11da543e67201e23a2779fcf3de6c07290bcefc849cfe9"
     "ba3da8c1308006d53c1d26b9fcf68773",
     "",
     "",
     "cfd6139f14e2ac987e5bed73d7c84405d8154ac707e9d59d44d2d4e37547c5a5"
     "d875a7b5",
     "628f3f7c8a66ded43fdc0001afe1dc3c9d338514dc78ec4566aee0c193b3d1f2"
     "afa689b4",
     "cede557b7d18f8932a78cef16d2f44549cba9eba72f1db351434ca48b3ba2643"
     "4bf1adfad0c855221534177e132b826e",
     "1c4cada1637d8c6082f2278fa1e7994a21405c99573567637faaf5d5fe2d9ff5"
     "0030f48e595273fa709dc8a05c48366e"}};

// tests/captures/ecdsa-p256-aes128cbc: aes128-sha256-prfsha256-ecp256
const Suite kEcdsaP256Aes128Cbc{
    "ecdsa-p256-aes128cbc", PrfId::HmacSha2_256, {EncrId::AesCbc, 128, IntegId::HmacSha2_256_128},
    {"e87a7b4b39f5120c",
     "3c2e6d99acf0b79e",
     "d5e62c918b6bbc112fcdf2e94bfe0fa815bb3136b098847a355dc1e9c972b349",
     "ccf561eb48f24c4e1919734a06dc90820ef03fdc0fbadaedd2d4adcf15d840ad",
     "cdcaa62d7628fb9cce79442b4ee31cb280e97a62d1c35d5ee7051dd793f21e24",
     "c5de703641872b016618a4cb708a742b4bc49b4a5b662b3b7b6e22f4ce9e6d33",
     "8f2168d0764aa781d6722652571f45465102dc06e1b051e1b739343524353783",
     "042cd5ebb11bbc48c92634c167c671779b1f85c986b06ddc1b305c04bec5a412",
     "a642707a7cd5a10a09485d421f3a134f88979d8c6f6fc17b1f02b742876528a9",
     "e1716cc2b99553bb9c1ddb34859cd702",
     "7228438d37a948ce7addf18d44d01067",
     "f9e9f16b0b15de4fd9697ce49cd52bc8b2b05f8b487452edadf6f76e1df20b04",
     "8ccce897d20a3f971eacc942cb8414081d5a32ace708c2fbb7ed8d461e8f9795"},
    {"1249f5e22a4e3614",
     "10c6d2c879bad555",
     "27fa966f950a73226faf94efba875e86f8daf06e80fd5d32810f058e5fa9e05e",
     "6f009884ada064e1ceb60c286c433534f37c0e37da46d195dd3d840baab4d591",
     "cc334908fac23ee2419b989cddf3642241ac547545cab88636502168e1fdaf49",
     "c3d87114bfea14348753984d70dbb9a43274285b49252ad9e5edf198083fe01d",
     "598a4d3ea3fadee337a0de3657c60ca81f8e737609567ccd585c797824dda197",
     "d49ea9e3c4521036bdbb6c2660ace8291e16f74886399932412f20affb78be70",
     "a206ee77ffa4547cf6740d55739ece51b6b45409bee60848373ffd42876b919e",
     "e5d58fa24e4de823eab4c5f60fd302ee",
     "a8638189139532ba3c9732bb68b5f67c",
     "d87b4e3d681338b86ea70afc685358ef8b91264a9c47dd07accf8aafbe2bb4e6",
     "d09a7af950217027b43bf89dd541bfc9551d3b4b3f32c8830415d6abf6c39d6d"}};

const Suite* const kSuites[] = {&kEcdsaP256, &kEd25519, &kEd25519Aes256Gcm, &kEcdsaP256Aes128Cbc};

// A child SA of ecdsa-p256-aes128cbc (ESP aes128-sha256, no PFS): KEYMAT = prf+(SK_d, Ni | Nr)
// with the initial IKE SA's SK_d, split as initiator->responder (encryption, integrity key),
// then responder->initiator.
struct LoggedChild {
    std::string_view ni, nr, encr_i, integ_i, encr_r, integ_r;
};

const LoggedChild kCbcChildren[] = {
    // the IKE_AUTH child: the IKE_SA_INIT nonces (01, 02)
    {"d5e62c918b6bbc112fcdf2e94bfe0fa815bb3136b098847a355dc1e9c972b349",
     "ccf561eb48f24c4e1919734a06dc90820ef03fdc0fbadaedd2d4adcf15d840ad",
     "cbc1d43a223f0d657d1b89347f9127e5",
     "e2553f57a2d3cc7d799e7c6462a57dfde197c32f34c02ec4c6de775412f1e90f",
     "aee4f6eda9d3315d35e31a38ea5da9ff",
     "8f2eca783f403acc43cc716033b6978d5216630a60feb74da6d9ee65e902e55e"},
    // its rekey, without PFS: the CREATE_CHILD_SA nonces (05, 06)
    {"18d6629e191cf8d5e7cfe8b2d409cd7b52ed7e15acbc74e0571270085d951104",
     "fb8cf61d0b682c69a5932fd96a85a98c4c508628ffcab2c2b87952ca6a8ee290",
     "9f8927f4ede3f3ad26d0c29bc0c3b6b0",
     "74d95402bc29e4231de65cf3792f37de8485c84f5bfeaa00f2814f10dc35f485",
     "a9af5bc72edb59a2ea6036b03fe77a5e",
     "80230a68141d39d2732fa4a4fc08f430d8c272284683150c3af5c78b6c1c7f3a"}};

// The keys derived from `sa` (its SKEYSEED as logged) equal the logged ones.
void check_keys(const Suite& s, const LoggedSa& sa, const Skeyseed& seed) {
    auto keys = derive_ike_sa_keys(s.prf, s.sk, seed, hex(sa.ni), hex(sa.nr), hex(sa.spi_i), hex(sa.spi_r));
    REQUIRE(keys);
    CHECK(to_hex(keys->sk_d.bytes()) == sa.sk_d);
    CHECK(to_hex(keys->sk_ai.bytes()) == sa.sk_ai);
    CHECK(to_hex(keys->sk_ar.bytes()) == sa.sk_ar);
    CHECK(to_hex(keys->sk_ei.bytes()) == sa.sk_ei);
    CHECK(to_hex(keys->sk_er.bytes()) == sa.sk_er);
    CHECK(to_hex(keys->sk_pi.bytes()) == sa.sk_pi);
    CHECK(to_hex(keys->sk_pr.bytes()) == sa.sk_pr);
}

}  // namespace

TEST_CASE("strongSwan KAT: SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 §2.14)", "[keys][kat]") {
    for (const auto* s : kSuites) {
        CAPTURE(s->name);
        auto seed = derive_skeyseed(s->prf, hex(s->initial.ni), hex(s->initial.nr), SharedSecret(hex(s->initial.g_ir)));
        REQUIRE(seed);
        CHECK(to_hex(seed->bytes()) == s->initial.skeyseed);
    }
}

TEST_CASE("strongSwan KAT: SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr from prf+ (RFC 7296 §2.14)",
          "[keys][kat]") {
    for (const auto* s : kSuites) {
        CAPTURE(s->name);
        check_keys(*s, s->initial, Skeyseed(hex(s->initial.skeyseed)));
    }
    CHECK_FALSE(kEcdsaP256Aes128Cbc.initial.sk_ai.empty());  // the CBC+HMAC order is covered
}

TEST_CASE("strongSwan KAT: rekeyed IKE SA, SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (RFC 7296 §2.18)",
          "[keys][kat][rekey]") {
    for (const auto* s : kSuites) {
        CAPTURE(s->name);
        auto seed = derive_rekey_skeyseed(s->prf, SkD(hex(s->initial.sk_d)), SharedSecret(hex(s->rekeyed.g_ir)),
                                          hex(s->rekeyed.ni), hex(s->rekeyed.nr));
        REQUIRE(seed);
        CHECK(to_hex(seed->bytes()) == s->rekeyed.skeyseed);
        // the new SA's keys: prf+(SKEYSEED (new), Ni | Nr | SPIi | SPIr) with the new SPIs
        check_keys(*s, s->rekeyed, *seed);
    }
}

TEST_CASE("strongSwan KAT: ESP AES-CBC + HMAC-SHA2-256 keys from KEYMAT = prf+(SK_d, Ni | Nr) (RFC 7296 §2.17)",
          "[esp][kat]") {
    const auto& s = kEcdsaP256Aes128Cbc;
    const EspSuite esp{EncrId::AesCbc, 128, IntegId::HmacSha2_256_128};
    for (const auto& c : kCbcChildren) {
        CAPTURE(c.ni);
        auto keys = derive_child_sa_keys(s.prf, SkD(hex(s.initial.sk_d)), esp, hex(c.ni), hex(c.nr));
        REQUIRE(keys);
        CHECK(to_hex(keys->initiator_to_responder.encr_key.bytes()) == c.encr_i);
        CHECK(to_hex(keys->initiator_to_responder.integ_key.bytes()) == c.integ_i);
        CHECK(to_hex(keys->responder_to_initiator.encr_key.bytes()) == c.encr_r);
        CHECK(to_hex(keys->responder_to_initiator.integ_key.bytes()) == c.integ_r);
    }
}
