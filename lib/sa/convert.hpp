// Conversions between the public API's values and the codec's payload structs.
#pragma once

#include <optional>

#include "ike/types.hpp"
#include "wire/payloads.hpp"

namespace ike::sa {

wire::TrafficSelectors to_wire(const TrafficSelectors& ts);
std::optional<TrafficSelectors> from_wire(const wire::TrafficSelectors& ts);

wire::Identification to_wire(const Identity& id);
Identity from_wire(const wire::Identification& id);
// The ID payload body after the generic header: type, three reserved octets, data (§2.15).
std::vector<std::uint8_t> id_body(const Identity& id);

wire::Bytes be64(std::uint64_t v);
wire::Bytes be32(std::uint32_t v);

wire::Notify notify(wire::NotifyType type, wire::Bytes data = {});
// The first notify of a type among payloads, or nullptr.
const wire::Notify* find_notify(std::span<const wire::Payload> payloads, wire::NotifyType type);
// The first error notify (type below 16384), or nullptr.
const wire::Notify* find_error_notify(std::span<const wire::Payload> payloads);

template <typename T>
const T* find_payload(std::span<const wire::Payload> payloads) {
    for (const auto& p : payloads)
        if (const auto* v = std::get_if<T>(&p)) return v;
    return nullptr;
}

}  // namespace ike::sa
