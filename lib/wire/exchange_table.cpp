// The exchange table and its checker. Deliberately permissive, and why:
//  - Notify and Vendor ID may appear any number of times in every message: status notifies
//    are extensible (RFC 7296 §3.10.1: unknown status types are ignored), and unknown error
//    types in responses mean failure; the state machine interprets them.
//  - CERTREQ is accepted in the IKE_SA_INIT request too (RFC 7296 §1.2 shows it only in the
//    response; §3.7 allows it "in an exchange" and some peers send it early).
//  - IKE_AUTH requests may omit AUTH (EAP, RFC 7296 §2.16) and may carry IDr (§1.2).
//  - SA/TSi/TSr in IKE_AUTH may all be absent (RFC 6023 childless, or a failed child SA
//    reported with a notify, §1.2).
//  - INFORMATIONAL may be empty (liveness check, §1.4) and carries any mix of N, D, CP.
//  - Unknown payloads without the critical bit (kept by decode) are skipped, inside SK and
//    outside it: RFC 7296 §2.5 says a receiver MUST skip them, so they count for no rule. An
//    unknown payload with the critical bit (decode refuses those first) is refused with
//    UNSUPPORTED_CRITICAL_PAYLOAD.
#include "wire/exchange_table.hpp"

#include <array>
#include <cstdint>
#include <variant>

namespace ike::wire {
namespace {

using P = PayloadType;

constexpr PayloadRule notify_only[] = {{P::notify, 1, many}, {P::vendor_id, 0, many}};

// IKE_SA_INIT (§1.2, §2.6 cookies, §1.3 / §2.7 INVALID_KE_PAYLOAD).
constexpr PayloadRule init_request[] = {{P::sa, 1, 1},      {P::ke, 1, 1},
                                        {P::nonce, 1, 1},   {P::certreq, 0, many},
                                        {P::notify, 0, many}, {P::vendor_id, 0, many}};
constexpr PayloadRule init_response[] = {{P::sa, 1, 1},      {P::ke, 1, 1},
                                         {P::nonce, 1, 1},   {P::certreq, 0, many},
                                         {P::notify, 0, many}, {P::vendor_id, 0, many}};

// IKE_AUTH (§1.2, §2.16 EAP, RFC 6023 childless).
constexpr PayloadRule auth_request[] = {
    {P::id_i, 1, 1},      {P::cert, 0, many}, {P::certreq, 0, many}, {P::id_r, 0, 1},
    {P::auth, 0, 1},      {P::cp, 0, 1},      {P::sa, 0, 1},         {P::ts_i, 0, 1},
    {P::ts_r, 0, 1},      {P::notify, 0, many}, {P::vendor_id, 0, many}};
constexpr PayloadRule auth_response[] = {
    {P::id_r, 1, 1}, {P::cert, 0, many}, {P::auth, 1, 1},      {P::eap, 0, 1},
    {P::cp, 0, 1},   {P::sa, 0, 1},      {P::ts_i, 0, 1},      {P::ts_r, 0, 1},
    {P::notify, 0, many}, {P::vendor_id, 0, many}};
constexpr PayloadRule eap_round[] = {{P::eap, 1, 1}, {P::notify, 0, many}, {P::vendor_id, 0, many}};
constexpr PayloadRule auth_after_eap_request[] = {
    {P::auth, 1, 1}, {P::notify, 0, many}, {P::vendor_id, 0, many}};
constexpr PayloadRule auth_after_eap_response[] = {
    {P::auth, 1, 1}, {P::cp, 0, 1},       {P::sa, 0, 1},         {P::ts_i, 0, 1},
    {P::ts_r, 0, 1}, {P::notify, 0, many}, {P::vendor_id, 0, many}};

// CREATE_CHILD_SA (§1.3.1 child SA, §1.3.2 IKE SA rekey, §1.3.3 child rekey).
constexpr PayloadRule child_request[] = {
    {P::sa, 1, 1},   {P::nonce, 1, 1},  {P::ke, 0, 1}, {P::ts_i, 1, 1},
    {P::ts_r, 1, 1}, {P::notify, 0, many}, {P::vendor_id, 0, many}};
constexpr PayloadRule ike_rekey[] = {
    {P::sa, 1, 1}, {P::nonce, 1, 1}, {P::ke, 1, 1}, {P::notify, 0, many}, {P::vendor_id, 0, many}};

// INFORMATIONAL (§1.4).
constexpr PayloadRule informational[] = {
    {P::notify, 0, many}, {P::del, 0, many}, {P::cp, 0, 1}, {P::vendor_id, 0, many}};

constexpr Form init_request_forms[] = {{"IKE_SA_INIT request", init_request, false}};
constexpr Form init_response_forms[] = {
    {"IKE_SA_INIT response", init_response, false},
    {"IKE_SA_INIT notify-only response (COOKIE, INVALID_KE_PAYLOAD, error)", notify_only, false}};
constexpr Form auth_request_forms[] = {
    {"IKE_AUTH request", auth_request, true},
    {"IKE_AUTH EAP request", eap_round, false},
    {"IKE_AUTH request after EAP", auth_after_eap_request, false}};
constexpr Form auth_response_forms[] = {
    {"IKE_AUTH response", auth_response, true},
    {"IKE_AUTH EAP response", eap_round, false},
    {"IKE_AUTH response after EAP", auth_after_eap_response, true},
    {"IKE_AUTH error response", notify_only, false}};
constexpr Form child_request_forms[] = {
    {"CREATE_CHILD_SA request (child SA)", child_request, false},
    {"CREATE_CHILD_SA request (IKE SA rekey)", ike_rekey, false}};
constexpr Form child_response_forms[] = {
    {"CREATE_CHILD_SA response (child SA)", child_request, false},
    {"CREATE_CHILD_SA response (IKE SA rekey)", ike_rekey, false},
    {"CREATE_CHILD_SA error response", notify_only, false}};
constexpr Form informational_forms[] = {{"INFORMATIONAL", informational, false}};

constexpr ExchangeRules table[] = {
    {ExchangeType::ike_sa_init, false, false, init_request_forms},
    {ExchangeType::ike_sa_init, true, false, init_response_forms},
    {ExchangeType::ike_auth, false, true, auth_request_forms},
    {ExchangeType::ike_auth, true, true, auth_response_forms},
    {ExchangeType::create_child_sa, false, true, child_request_forms},
    {ExchangeType::create_child_sa, true, true, child_response_forms},
    {ExchangeType::informational, false, true, informational_forms},
    {ExchangeType::informational, true, true, informational_forms},
};

bool is_encrypted(PayloadType t) {
    return t == PayloadType::sk || t == PayloadType::skf;
}

// §2.5: "If the critical flag is not set and the payload type is unsupported, that payload
// MUST be ignored".
bool skipped(const Payload& p) {
    const auto* u = std::get_if<UnknownPayload>(&p);
    return u != nullptr && !u->critical;
}

// Checks one form; returns the number of violations and the first one.
std::size_t check_form(const Form& form, std::span<const Payload> payloads, ExchangeError& first) {
    std::size_t violations = 0;
    const auto note = [&](ExchangeRule rule, PayloadType type) {
        if (violations++ == 0) first = ExchangeError{rule, type, form.name, NotifyType::invalid_syntax};
    };
    std::array<unsigned, 256> count{};
    for (const auto& p : payloads)
        if (!skipped(p)) ++count[raw(payload_type(p))];
    for (const auto& p : payloads) {
        if (skipped(p)) continue;
        const PayloadType t = payload_type(p);
        bool listed = false;
        for (const auto& r : form.rules) listed = listed || r.type == t;
        if (!listed && count[raw(t)] != 0) {
            note(ExchangeRule::payload_not_allowed, t);
            if (std::holds_alternative<UnknownPayload>(p) && violations == 1)
                first.notify = NotifyType::unsupported_critical_payload;
            count[raw(t)] = 0;  // report each type once
        }
    }
    for (const auto& r : form.rules) {
        const unsigned n = count[raw(r.type)];
        if (n < r.min) note(ExchangeRule::payload_missing, r.type);
        if (r.max != many && n > r.max) note(ExchangeRule::payload_repeated, r.type);
    }
    if (form.child_sa_together) {
        const unsigned sa = count[raw(P::sa)], tsi = count[raw(P::ts_i)], tsr = count[raw(P::ts_r)];
        if (!((sa && tsi && tsr) || (!sa && !tsi && !tsr)))
            note(ExchangeRule::incomplete_child_sa, !sa ? P::sa : !tsi ? P::ts_i : P::ts_r);
    }
    return violations;
}

ExchangeError error(ExchangeRule rule, PayloadType type = PayloadType::none) {
    return ExchangeError{rule, type, {}, NotifyType::invalid_syntax};
}

}  // namespace

std::span<const ExchangeRules> exchange_table() {
    return table;
}

std::string_view describe(ExchangeRule rule) {
    switch (rule) {
        case ExchangeRule::unknown_exchange: return "no rules for this exchange type";
        case ExchangeRule::not_encrypted: return "payload outside SK in an encrypted exchange";
        case ExchangeRule::unexpected_encrypted: return "SK payload in an unencrypted exchange";
        case ExchangeRule::payload_not_allowed: return "payload not allowed in this message";
        case ExchangeRule::payload_missing: return "required payload missing";
        case ExchangeRule::payload_repeated: return "payload appears too many times";
        case ExchangeRule::incomplete_child_sa: return "SA, TSi and TSr must appear together";
    }
    return "unknown rule";
}

Expected<void, ExchangeError> check_exchange(const Header& header, std::span<const Payload> outer,
                                             std::span<const Payload> inner) {
    const ExchangeRules* rules = nullptr;
    for (const auto& r : table)
        if (r.exchange == header.exchange && r.response == header.response) rules = &r;
    if (rules == nullptr) return unexpected(error(ExchangeRule::unknown_exchange));

    std::span<const Payload> checked = outer;
    if (rules->encrypted) {
        // §3.14: everything after the header is inside SK (or, RFC 7383, SKF fragments).
        std::size_t sk = 0, kept = 0;
        for (const auto& p : outer) {
            if (skipped(p)) continue;
            ++kept;
            if (!is_encrypted(payload_type(p)))
                return unexpected(error(ExchangeRule::not_encrypted, payload_type(p)));
            ++sk;
        }
        if (kept == 0) return unexpected(error(ExchangeRule::payload_missing, PayloadType::sk));
        if (sk != 1) return unexpected(error(ExchangeRule::payload_repeated, payload_type(outer.back())));
        checked = inner;
    } else {
        for (const auto& p : outer)
            if (is_encrypted(payload_type(p)))
                return unexpected(error(ExchangeRule::unexpected_encrypted, payload_type(p)));
    }
    for (const auto& p : checked)
        if (is_encrypted(payload_type(p)))
            return unexpected(error(ExchangeRule::payload_not_allowed, payload_type(p)));

    ExchangeError best{};
    std::size_t best_violations = SIZE_MAX;
    for (const auto& form : rules->forms) {
        ExchangeError e{};
        const std::size_t v = check_form(form, checked, e);
        if (v == 0) return {};
        if (v < best_violations) {
            best_violations = v;
            best = e;
        }
    }
    return unexpected(best);
}

}  // namespace ike::wire
