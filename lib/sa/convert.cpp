// API value <-> payload struct conversions.
#include "sa/convert.hpp"

#include <algorithm>

#include "sa/context.hpp"

namespace ike::sa {

wire::TrafficSelectors to_wire(const TrafficSelectors& ts) {
    wire::TrafficSelectors out;
    for (const auto& t : ts) {
        const auto s = t.start.octets();
        const auto e = t.end.octets();
        out.selectors.push_back(wire::TrafficSelector{
            t.start.family == IpAddress::Family::v4 ? wire::TsType::ipv4_addr_range : wire::TsType::ipv6_addr_range,
            t.ip_protocol, t.start_port, t.end_port, wire::Bytes(s.begin(), s.end()), wire::Bytes(e.begin(), e.end())});
    }
    return out;
}

std::optional<TrafficSelectors> from_wire(const wire::TrafficSelectors& ts) {
    TrafficSelectors out;
    for (const auto& t : ts.selectors) {
        auto s = IpAddress::from_bytes(t.start_address);
        auto e = IpAddress::from_bytes(t.end_address);
        if (!s || !e || s->family != e->family) return std::nullopt;
        out.push_back(TrafficSelector{*s, *e, t.ip_protocol, t.start_port, t.end_port});
    }
    return out;
}

wire::Identification to_wire(const Identity& id) { return wire::Identification{id.type, id.data, false}; }

Identity from_wire(const wire::Identification& id) { return Identity{id.type, id.data}; }

std::vector<std::uint8_t> id_body(const Identity& id) {
    std::vector<std::uint8_t> b(4 + id.data.size(), 0);
    b[0] = wire::raw(id.type);
    std::copy(id.data.begin(), id.data.end(), b.begin() + 4);
    return b;
}

wire::Bytes be64(std::uint64_t v) {
    wire::Bytes b(8);
    for (int i = 7; i >= 0; --i, v >>= 8) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
    return b;
}

wire::Bytes be32(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
            static_cast<std::uint8_t>(v)};
}

wire::Notify notify(wire::NotifyType type, wire::Bytes data) {
    return wire::Notify{wire::ProtocolId::none, {}, type, std::move(data), false};
}

const wire::Notify* find_notify(std::span<const wire::Payload> payloads, wire::NotifyType type) {
    for (const auto& p : payloads)
        if (const auto* n = std::get_if<wire::Notify>(&p); n && n->type == type) return n;
    return nullptr;
}

const wire::Notify* find_error_notify(std::span<const wire::Payload> payloads) {
    for (const auto& p : payloads)
        if (const auto* n = std::get_if<wire::Notify>(&p); n && wire::is_error(n->type)) return n;
    return nullptr;
}

void Context::send(const SocketAddress& local, const SocketAddress& remote, const Bytes& message) {
    const std::size_t marker = local.port == natt_port ? 4 : 0;
    Transmit t{local, remote, Bytes(marker + message.size(), 0)};
    std::copy(message.begin(), message.end(), t.data.begin() + static_cast<std::ptrdiff_t>(marker));
    transmits.push_back(std::move(t));
    ++counters.datagrams_out;
}

Bytes Context::random_bytes(std::size_t n) {
    Bytes b(n);
    rng.fill(b);
    return b;
}

}  // namespace ike::sa
