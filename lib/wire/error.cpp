// Readable text for each decode rule (what ikedump prints after "decode error at offset N").
#include "wire/error.hpp"

namespace ike::wire {

std::string_view describe(DecodeRule rule) {
    switch (rule) {
        case DecodeRule::message_too_short: return "message shorter than the 28-byte IKE header";
        case DecodeRule::length_mismatch: return "header Length differs from the datagram size";
        case DecodeRule::ikev1_version: return "major version below 2 (not IKEv2)";
        case DecodeRule::invalid_major_version: return "major version above 2 (INVALID_MAJOR_VERSION)";
        case DecodeRule::zero_initiator_spi: return "initiator SPI is zero";
        case DecodeRule::payload_header_truncated: return "generic payload header truncated";
        case DecodeRule::payload_length_too_small: return "payload length below 4";
        case DecodeRule::payload_length_overflow: return "payload length exceeds the message";
        case DecodeRule::trailing_bytes: return "bytes after the last payload";
        case DecodeRule::encrypted_not_last: return "SK/SKF payload is not the last payload";
        case DecodeRule::nested_encrypted: return "SK/SKF payload inside an encrypted payload";
        case DecodeRule::unsupported_critical_payload: return "unknown payload with the critical bit set";
        case DecodeRule::body_truncated: return "payload body shorter than its fixed fields";
        case DecodeRule::sa_no_proposal: return "SA payload without a proposal";
        case DecodeRule::proposal_length: return "proposal length invalid";
        case DecodeRule::proposal_last_substruc: return "proposal Last Substruc is not 0/2 as required";
        case DecodeRule::proposal_number: return "proposal numbers not consecutive from 1";
        case DecodeRule::proposal_spi_size: return "proposal SPI size wrong for its protocol";
        case DecodeRule::transform_length: return "transform length invalid";
        case DecodeRule::transform_last_substruc: return "transform Last Substruc is not 0/3 as required";
        case DecodeRule::transform_count: return "Num Transforms differs from the transforms present";
        case DecodeRule::attribute_truncated: return "transform attribute truncated";
        case DecodeRule::key_length_not_tv: return "Key Length attribute not in TV format";
        case DecodeRule::id_address_length: return "ID address length wrong for its ID type";
        case DecodeRule::certreq_hash_length: return "CERTREQ authorities not a list of 20-byte hashes";
        case DecodeRule::nonce_length: return "nonce not 16 to 256 bytes";
        case DecodeRule::notify_data_length: return "notification data length wrong for its type";
        case DecodeRule::delete_spi_size: return "Delete SPI size wrong for its protocol";
        case DecodeRule::delete_spi_count: return "Delete # of SPIs differs from the SPIs present";
        case DecodeRule::delete_protocol: return "Delete protocol is not IKE, AH or ESP";
        case DecodeRule::ts_count: return "Number of TSs differs from the selectors present";
        case DecodeRule::ts_length: return "traffic selector length wrong for its type";
        case DecodeRule::ts_type: return "unknown traffic selector type";
        case DecodeRule::cp_attribute_truncated: return "configuration attribute truncated";
        case DecodeRule::cp_attribute_length: return "configuration attribute length wrong for its type";
        case DecodeRule::eap_too_short: return "EAP message too short";
        case DecodeRule::eap_length: return "EAP Length differs from the payload";
        case DecodeRule::skf_fragment_number: return "fragment number zero or above total fragments";
        case DecodeRule::skf_next_payload: return "non-first fragment names a next payload";
    }
    return "unknown rule";
}

}  // namespace ike::wire
