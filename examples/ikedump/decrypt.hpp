// ikedump --keys: the SK (RFC 7296 §3.14) or SKF (RFC 7383 §2.5) payload of a captured message,
// decrypted with the IKE SA keys of a Wireshark ikev2_decryption_table (ike/keylog.hpp reads it).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ike/keylog.hpp"
#include "wire/message.hpp"

namespace ikedump {

struct Decrypted {
    std::string text;     // the lines to print after the outer payloads
    bool failed = false;  // the ICV did not verify, or the plaintext did not decode
};

// The SK payload's inner payloads (with the exchange-rule verdict), or an SKF payload's fragment
// number and decrypted bytes. The sender's keys are picked by the Initiator flag: SK_ei/SK_ai
// when it is set, SK_er/SK_ar otherwise. An IKE SA missing from the table is reported, not failed.
// `m` is decode(datagram) and ends in an SK or SKF payload.
Decrypted render_decrypted(std::span<const std::uint8_t> datagram, const ike::wire::Message& m,
                           const std::vector<ike::IkeDecryptionKeys>& table);

}  // namespace ikedump
