// Renders a decoded IKEv2 message as indented text, one field per line, with RFC 7296 names.
#pragma once

#include <string>

#include "wire/message.hpp"

namespace ikedump {

std::string render(const ike::wire::Message& m);
std::string render_error(const ike::wire::DecodeError& e);

}  // namespace ikedump
