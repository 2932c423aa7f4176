// Notify Message Types: every error and status type of RFC 7296 §3.10.1, plus those of
// RFC 4555 (MOBIKE), 5685 (redirect), 6023 (childless), 7383 (fragmentation), 7427
// (signature hashes), 8784 (PPK) and a few more from the IANA registry. Values outside the
// list are kept as they are (the enum is a 16-bit number).
#pragma once

#include <cstdint>

namespace ike::wire {

enum class NotifyType : std::uint16_t {
    // Error types (below 16384), RFC 7296 §3.10.1.
    unsupported_critical_payload = 1,
    invalid_ike_spi = 4,
    invalid_major_version = 5,
    invalid_syntax = 7,
    invalid_message_id = 9,
    invalid_spi = 11,
    no_proposal_chosen = 14,
    invalid_ke_payload = 17,
    authentication_failed = 24,
    single_pair_required = 34,
    no_additional_sas = 35,
    internal_address_failure = 36,
    failed_cp_required = 37,
    ts_unacceptable = 38,
    invalid_selectors = 39,
    unacceptable_addresses = 40,   // RFC 4555
    unexpected_nat_detected = 41,  // RFC 4555
    temporary_failure = 43,
    child_sa_not_found = 44,

    // Status types, RFC 7296 §3.10.1.
    initial_contact = 16384,
    set_window_size = 16385,
    additional_ts_possible = 16386,
    ipcomp_supported = 16387,
    nat_detection_source_ip = 16388,
    nat_detection_destination_ip = 16389,
    cookie = 16390,
    use_transport_mode = 16391,
    http_cert_lookup_supported = 16392,
    rekey_sa = 16393,
    esp_tfc_padding_not_supported = 16394,
    non_first_fragments_also = 16395,
    // RFC 4555 (MOBIKE).
    mobike_supported = 16396,
    additional_ip4_address = 16397,
    additional_ip6_address = 16398,
    no_additional_addresses = 16399,
    update_sa_addresses = 16400,
    cookie2 = 16401,
    no_nats_allowed = 16402,
    auth_lifetime = 16403,             // RFC 4478
    multiple_auth_supported = 16404,   // RFC 4739
    another_auth_follows = 16405,      // RFC 4739
    // RFC 5685 (redirect).
    redirect_supported = 16406,
    redirect = 16407,
    redirected_from = 16408,
    eap_only_authentication = 16417,    // RFC 5998
    childless_ikev2_supported = 16418,  // RFC 6023
    ikev2_fragmentation_supported = 16430,  // RFC 7383
    signature_hash_algorithms = 16431,      // RFC 7427
    // RFC 8784 (post-quantum preshared keys).
    use_ppk = 16435,
    ppk_identity = 16436,
    no_ppk_auth = 16437,
    intermediate_exchange_supported = 16438,  // RFC 9242
};

// RFC 7296 §3.10.1: types below 16384 are errors.
constexpr bool is_error(NotifyType t) {
    return static_cast<std::uint16_t>(t) < 16384;
}

}  // namespace ike::wire
