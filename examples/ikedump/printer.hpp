// Renders a decoded IKEv2 message as indented text, one field per line, with RFC 7296 names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wire/message.hpp"

namespace ikedump {

// The whole message; an SK/SKF payload's contents are left out (decrypt.hpp prints them).
std::string render(const ike::wire::Message& m);
// The IKE header and the outer payloads, one "Payload N" block each.
std::string render_outer(const ike::wire::Message& m);
// Payloads (the inner ones of a decrypted SK payload), every line indented by `indent` levels.
std::string render_payloads(const std::vector<ike::wire::Payload>& payloads, int indent);
// The exchange-rule verdict line for the message with its (decrypted) inner payloads.
std::string render_rules(const ike::wire::Message& m, const std::vector<ike::wire::Payload>& inner);
// "Label (N bytes):" then the bytes in hex, 16 a line, every line indented by `indent` levels.
std::string render_hex(std::string_view label, const ike::wire::Bytes& bytes, int indent);
// Whether the message ends in an SK or SKF payload.
bool is_encrypted(const ike::wire::Message& m);
std::string render_error(const ike::wire::DecodeError& e);

}  // namespace ikedump
