// NAT detection (RFC 7296 §2.23): each side hashes SPIi | SPIr | IP | port of the addresses it
// sends from and to; the receiver recomputes them from the addresses the datagram really had.
#include <algorithm>

#include "crypto/hash.hpp"
#include "sa/convert.hpp"
#include "sa/tasks.hpp"

namespace ike::sa {
namespace {

wire::Bytes nat_hash(std::uint64_t spi_i, std::uint64_t spi_r, const SocketAddress& a) {
    const auto si = be64(spi_i);
    const auto sr = be64(spi_r);
    const std::uint8_t port[2] = {static_cast<std::uint8_t>(a.port >> 8), static_cast<std::uint8_t>(a.port)};
    const auto h = crypto::sha1({si, sr, a.ip.octets(), port});
    return wire::Bytes(h.begin(), h.end());
}

// nullopt when the peer sent no notify of that type (it does not do NAT detection).
std::optional<bool> any_matches(std::span<const wire::Payload> payloads, wire::NotifyType type,
                                const wire::Bytes& expected) {
    bool seen = false;
    for (const auto& p : payloads) {
        const auto* n = std::get_if<wire::Notify>(&p);
        if (n == nullptr || n->type != type) continue;
        seen = true;
        if (n->data == expected) return true;
    }
    if (!seen) return std::nullopt;
    return false;
}

}  // namespace

Payloads nat_detection_notifies(std::uint64_t spi_i, std::uint64_t spi_r, const SocketAddress& source,
                                const SocketAddress& destination) {
    return {notify(wire::NotifyType::nat_detection_source_ip, nat_hash(spi_i, spi_r, source)),
            notify(wire::NotifyType::nat_detection_destination_ip, nat_hash(spi_i, spi_r, destination))};
}

NatInfo check_nat(std::span<const wire::Payload> payloads, std::uint64_t spi_i, std::uint64_t spi_r,
                  const SocketAddress& local, const SocketAddress& remote) {
    NatInfo info;
    const auto src = any_matches(payloads, wire::NotifyType::nat_detection_source_ip, nat_hash(spi_i, spi_r, remote));
    const auto dst =
        any_matches(payloads, wire::NotifyType::nat_detection_destination_ip, nat_hash(spi_i, spi_r, local));
    info.peer_behind_nat = src.has_value() && !*src;
    info.local_behind_nat = dst.has_value() && !*dst;
    return info;
}

}  // namespace ike::sa
