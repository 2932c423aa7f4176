// RFC 7296 §1.2-§1.4 (and §2.6, §2.16, RFC 6023): which payloads each exchange carries.
#include "test_util.hpp"
#include "wire/exchange_table.hpp"

using namespace ike::wire;
using namespace ike::wire::test;

namespace {

Header header(ExchangeType x, bool response) {
    Header h;
    h.spi_i = 1;
    h.exchange = x;
    h.response = response;
    h.initiator = !response;
    return h;
}

SecurityAssociation sa() {
    return {{Proposal{1, ProtocolId::ike, {}, {{TransformType::encr, 20, {}}}}}, false};
}
NoncePayload nonce() {
    return {*Nonce::make(Bytes(32, 1)), false};
}
KeyExchange ke() {
    return {KeGroup::curve25519, Bytes(32, 2), false};
}
Notify notify(NotifyType t) {
    return {ProtocolId::none, {}, t, {}, false};
}
IdInitiator idi() {
    return {{IdType::fqdn, hex("61"), false}};
}
IdResponder idr() {
    return {{IdType::fqdn, hex("62"), false}};
}
Authentication auth() {
    return {AuthMethod::digital_signature, hex("00"), false};
}
TsInitiator tsi() {
    return {{{TrafficSelector{TsType::ipv4_addr_range, 0, 0, 65535, hex("0a000000"), hex("0a0000ff")}}, false}};
}
TsResponder tsr() {
    return {{{TrafficSelector{TsType::ipv4_addr_range, 0, 0, 65535, hex("0a000100"), hex("0a0001ff")}}, false}};
}
const std::vector<Payload> sk = {Encrypted{PayloadType::id_i, hex("00"), false}};

ike::Expected<void, ExchangeError> check_plain(ExchangeType x, bool response, std::vector<Payload> p) {
    return check_exchange(header(x, response), p);
}
ike::Expected<void, ExchangeError> check_sk(ExchangeType x, bool response, std::vector<Payload> inner) {
    return check_exchange(header(x, response), sk, inner);
}

}  // namespace

TEST_CASE("RFC 7296 1.2: IKE_SA_INIT request carries SA, KE, Ni, notifies", "[wire][exchange]") {
    using X = ExchangeType;
    CHECK(check_plain(X::ike_sa_init, false,
                      {sa(), ke(), nonce(), notify(NotifyType::nat_detection_source_ip),
                       notify(NotifyType::nat_detection_destination_ip), VendorId{hex("01"), false}}));
    auto r = check_plain(X::ike_sa_init, false, {sa(), nonce()});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::payload_missing);
    CHECK(r.error().payload == PayloadType::ke);
    CHECK(r.error().notify == NotifyType::invalid_syntax);
    r = check_plain(X::ike_sa_init, false, {sa(), ke(), nonce(), nonce()});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::payload_repeated);
    CHECK(r.error().payload == PayloadType::nonce);
    r = check_plain(X::ike_sa_init, false, {sa(), ke(), nonce(), auth()});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::payload_not_allowed);
    CHECK(r.error().payload == PayloadType::auth);
    r = check_plain(X::ike_sa_init, false, {sa(), ke(), nonce(), sk[0]});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::unexpected_encrypted);
}

TEST_CASE("RFC 7296 1.2, 2.6, 1.3: IKE_SA_INIT response: full, or notify-only (COOKIE, INVALID_KE)",
          "[wire][exchange]") {
    using X = ExchangeType;
    CHECK(check_plain(X::ike_sa_init, true,
                      {sa(), ke(), nonce(), CertificateRequest{CertEncoding::x509_signature, {}, false},
                       notify(NotifyType::ikev2_fragmentation_supported)}));
    CHECK(check_plain(X::ike_sa_init, true, {notify(NotifyType::cookie)}));
    CHECK(check_plain(X::ike_sa_init, true, {notify(NotifyType::invalid_ke_payload)}));
    const auto r = check_plain(X::ike_sa_init, true, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::payload_missing);
    CHECK(r.error().payload == PayloadType::notify);  // nearest form: notify-only
    CHECK_FALSE(check_plain(X::ike_sa_init, true, {sa(), nonce(), notify(NotifyType::cookie)}));
}

TEST_CASE("RFC 7296 1.2: IKE_AUTH request inside SK with IDi, AUTH, SA, TSi, TSr", "[wire][exchange]") {
    using X = ExchangeType;
    CHECK(check_sk(X::ike_auth, false,
                   {idi(), Certificate{CertEncoding::x509_signature, hex("30"), false}, idr(), auth(),
                    sa(), tsi(), tsr(), notify(NotifyType::initial_contact)}));
    // RFC 6023 childless: no SA/TS.
    CHECK(check_sk(X::ike_auth, false, {idi(), auth()}));
    // RFC 7296 2.16: no AUTH announces EAP.
    CHECK(check_sk(X::ike_auth, false, {idi(), sa(), tsi(), tsr()}));
    CHECK(check_sk(X::ike_auth, false, {Eap{hex("0201000601 61"), false}}));
    CHECK(check_sk(X::ike_auth, false, {auth()}));
    auto r = check_sk(X::ike_auth, false, {idi(), auth(), sa(), tsi()});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::incomplete_child_sa);
    CHECK(r.error().payload == PayloadType::ts_r);
    r = check_sk(X::ike_auth, false, {idi(), idi(), auth()});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::payload_repeated);
    CHECK(r.error().payload == PayloadType::id_i);
}

TEST_CASE("RFC 7296 3.14: IKE_AUTH payloads must be inside SK", "[wire][exchange]") {
    auto r = check_exchange(header(ExchangeType::ike_auth, false), std::vector<Payload>{idi(), auth()});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::not_encrypted);
    CHECK(r.error().payload == PayloadType::id_i);
    r = check_exchange(header(ExchangeType::ike_auth, false), std::vector<Payload>{});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::payload_missing);
    CHECK(r.error().payload == PayloadType::sk);
    // RFC 7383: a reassembled SKF message is checked like SK.
    const std::vector<Payload> skf = {EncryptedFragment{1, 2, PayloadType::id_i, hex("00"), false}};
    CHECK(check_exchange(header(ExchangeType::ike_auth, false), skf, std::vector<Payload>{idi(), auth()}));
    // Nested SK in the inner payloads.
    CHECK_FALSE(check_sk(ExchangeType::ike_auth, false, {idi(), sk[0]}));
}

TEST_CASE("RFC 7296 1.2: IKE_AUTH response forms (full, EAP, error)", "[wire][exchange]") {
    using X = ExchangeType;
    CHECK(check_sk(X::ike_auth, true, {idr(), auth(), sa(), tsi(), tsr()}));
    CHECK(check_sk(X::ike_auth, true, {idr(), auth(), notify(NotifyType::ts_unacceptable)}));
    CHECK(check_sk(X::ike_auth, true, {idr(), auth(), Eap{hex("0101000601"), false}}));
    CHECK(check_sk(X::ike_auth, true, {notify(NotifyType::authentication_failed)}));
    CHECK(check_sk(X::ike_auth, true, {auth(), sa(), tsi(), tsr()}));
    const auto r = check_sk(X::ike_auth, true, {idr(), sa(), tsi(), tsr()});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::payload_missing);
    CHECK(r.error().payload == PayloadType::auth);
    CHECK_FALSE(check_sk(X::ike_auth, true, {idr(), auth(), idi()}));
}

TEST_CASE("RFC 7296 1.3: CREATE_CHILD_SA: child SA, IKE SA rekey, error", "[wire][exchange]") {
    using X = ExchangeType;
    CHECK(check_sk(X::create_child_sa, false,
                   {notify(NotifyType::rekey_sa), sa(), nonce(), ke(), tsi(), tsr()}));
    CHECK(check_sk(X::create_child_sa, false, {sa(), nonce(), tsi(), tsr()}));
    CHECK(check_sk(X::create_child_sa, false, {sa(), nonce(), ke()}));
    auto r = check_sk(X::create_child_sa, false, {sa(), nonce()});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::payload_missing);
    CHECK_FALSE(check_sk(X::create_child_sa, false, {sa(), nonce(), tsi()}));
    CHECK_FALSE(check_sk(X::create_child_sa, false, {notify(NotifyType::no_proposal_chosen)}));
    CHECK(check_sk(X::create_child_sa, true, {sa(), nonce(), ke(), tsi(), tsr()}));
    CHECK(check_sk(X::create_child_sa, true, {sa(), nonce(), ke()}));
    CHECK(check_sk(X::create_child_sa, true, {notify(NotifyType::no_proposal_chosen)}));
    r = check_sk(X::create_child_sa, true, {sa(), nonce(), idi(), tsi(), tsr()});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::payload_not_allowed);
    CHECK(r.error().payload == PayloadType::id_i);
}

TEST_CASE("RFC 7296 1.4: INFORMATIONAL carries N, D, CP or nothing", "[wire][exchange]") {
    using X = ExchangeType;
    for (const bool response : {false, true}) {
        CHECK(check_sk(X::informational, response, {}));
        CHECK(check_sk(X::informational, response,
                       {Delete{ProtocolId::esp, {1, 2}, false}, notify(NotifyType::update_sa_addresses)}));
        const auto r = check_sk(X::informational, response, {sa()});
        REQUIRE_FALSE(r);
        CHECK(r.error().rule == ExchangeRule::payload_not_allowed);
        CHECK(r.error().form == "INFORMATIONAL");
    }
    CHECK_FALSE(check_sk(X::informational, false,
                         {Configuration{CfgType::request, {}, false}, Configuration{CfgType::request, {}, false}}));
}

TEST_CASE("RFC 7296 3.1: exchanges without rules are refused", "[wire][exchange]") {
    const auto r = check_exchange(header(static_cast<ExchangeType>(99), false), sk, std::vector<Payload>{});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::unknown_exchange);
}

TEST_CASE("RFC 7296 2.5: unknown payloads without the critical bit are skipped, in and outside SK", "[wire][exchange]") {
    using X = ExchangeType;
    const UnknownPayload unknown{static_cast<PayloadType>(200), hex("0102"), false};
    CHECK(check_sk(X::informational, false, {unknown}));
    CHECK(check_sk(X::informational, true, {notify(NotifyType::update_sa_addresses), unknown, unknown}));
    CHECK(check_sk(X::ike_auth, false, {idi(), unknown, auth(), sa(), tsi(), tsr()}));
    CHECK(check_plain(X::ike_sa_init, false, {sa(), ke(), unknown, nonce()}));
    // Outside SK too: the encrypted message still has exactly one SK payload that counts.
    const std::vector<Payload> outer = {unknown, sk[0]};
    CHECK(check_exchange(header(X::informational, false), outer, std::vector<Payload>{}));
    // Skipping does not make a required payload optional.
    const auto r = check_plain(X::ike_sa_init, false, {sa(), unknown, nonce()});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::payload_missing);
    CHECK(r.error().payload == PayloadType::ke);
}

TEST_CASE("RFC 7296 2.5: an unknown payload with the critical bit is refused with UNSUPPORTED_CRITICAL_PAYLOAD",
          "[wire][exchange]") {
    const auto r = check_sk(ExchangeType::informational, false,
                            {UnknownPayload{static_cast<PayloadType>(200), {}, true}});
    REQUIRE_FALSE(r);
    CHECK(r.error().rule == ExchangeRule::payload_not_allowed);
    CHECK(r.error().notify == NotifyType::unsupported_critical_payload);
}

TEST_CASE("exchange table: every exchange and role has exactly one entry", "[wire][exchange]") {
    const auto table = exchange_table();
    CHECK(table.size() == 8);
    for (const auto x : {ExchangeType::ike_sa_init, ExchangeType::ike_auth, ExchangeType::create_child_sa,
                         ExchangeType::informational})
        for (const bool response : {false, true}) {
            int n = 0;
            for (const auto& e : table) n += e.exchange == x && e.response == response;
            CHECK(n == 1);
        }
}
