// Which payloads each exchange may carry (RFC 7296 §1.2-§1.5, §2.6, §2.16, §3): one table for
// IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA and INFORMATIONAL, request and response, and the
// checker the state machine applies after decoding (and, for SK, decrypting) a message.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "ike/expected.hpp"
#include "wire/header.hpp"
#include "wire/notify_types.hpp"
#include "wire/payloads.hpp"

namespace ike::wire {

inline constexpr std::uint8_t many = 255;

struct PayloadRule {
    PayloadType type{};
    std::uint8_t min = 0;
    std::uint8_t max = many;  // `many`: no upper bound
};

// One shape a message of an exchange may take (e.g. a normal IKE_SA_INIT response, or one
// that only carries notifications such as COOKIE or INVALID_KE_PAYLOAD).
struct Form {
    std::string_view name;
    std::span<const PayloadRule> rules;  // a payload type not listed may not appear
    bool child_sa_together = false;      // SA, TSi and TSr: all three or none
};

struct ExchangeRules {
    ExchangeType exchange{};
    bool response = false;
    bool encrypted = false;  // every payload inside SK (or SKF fragments)
    std::span<const Form> forms;
};

std::span<const ExchangeRules> exchange_table();

enum class ExchangeRule : std::uint8_t {
    unknown_exchange,
    not_encrypted,       // a payload outside SK in an exchange that must be encrypted
    unexpected_encrypted,  // SK/SKF in IKE_SA_INIT
    payload_not_allowed,
    payload_missing,
    payload_repeated,
    incomplete_child_sa,  // some but not all of SA, TSi, TSr
};

std::string_view describe(ExchangeRule rule);

struct ExchangeError {
    ExchangeRule rule{};
    PayloadType payload = PayloadType::none;
    std::string_view form;  // the form that came closest to matching
    NotifyType notify = NotifyType::invalid_syntax;
    bool operator==(const ExchangeError&) const = default;
};

// `outer`: the message's payloads; `inner`: the decrypted (and reassembled) SK content, empty
// for IKE_SA_INIT.
Expected<void, ExchangeError> check_exchange(const Header& header, std::span<const Payload> outer,
                                             std::span<const Payload> inner = {});

}  // namespace ike::wire
