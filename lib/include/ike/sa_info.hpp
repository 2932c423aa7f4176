// A read-only view of what an Endpoint holds, for a daemon's status display (meshctl): each IKE
// SA with its SPIs, state, algorithms and next rekey, and its child SAs. Plain values copied out
// of the Endpoint (Endpoint::sa_info); computing it changes nothing and reads no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/transforms.hpp"
#include "ike/types.hpp"

namespace ike {

struct ChildSaInfo {
    ChildSaId id;
    std::uint64_t tag = 0;           // the caller's tag from initiate()
    std::uint32_t inbound_spi = 0;   // ours
    std::uint32_t outbound_spi = 0;  // the peer's
    Mode mode = Mode::tunnel;
    crypto::EspSuite suite{};
    bool esn = false;
    TrafficSelectors local_ts, remote_ts;
    std::optional<Time> rekey_at;    // libike's own rekey on time; none when the caller rekeys
    bool rekeying = false;           // a rekey of it is queued or in flight
    bool replaced = false;           // a rekey replaced it: it only waits for its DELETE
};

struct IkeSaInfo {
    IkeSaId id;
    bool initiator = false;
    std::string state;               // init_sent, init_answered, auth_sent, established, deleting
    std::uint64_t spi_i = 0;
    std::uint64_t spi_r = 0;
    SocketAddress local;
    SocketAddress remote;
    std::optional<Identity> peer_id;  // once authenticated (or expected by our initiation)
    crypto::IkeSuite suite{};         // meaningful from IKE_SA_INIT on
    bool nat_local = false, nat_peer = false;
    std::optional<Time> rekey_at;     // next IKE SA rekey
    Time last_heard{};                // the last authenticated message from the peer
    std::vector<ChildSaInfo> children;
};

// "AES-GCM-256 PRF-HMAC-SHA2-256 X25519"-style names from the transform registry.
std::string ike_suite_name(const crypto::IkeSuite& suite);
std::string esp_suite_name(const crypto::EspSuite& suite);

}  // namespace ike
