// What meshd::Node asks the world to do, drained by the adapters in order: kernel commands in
// xfrm/'s vocabulary (so the netlink adapter is a one-line translation each), datagrams to send,
// log records and readiness. Plain values; no I/O here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "ike/endpoint.hpp"
#include "xfrm/types.hpp"

namespace meshd {

// Kernel commands. `child` names the child SA a command serves (0: none) so that a failure
// reported back (Node::on_kernel_error) can be tied to its tunnel.
struct AddSa { xfrm::Sa sa; };
// Replaces the larval SA that ALLOCSPI made for an inbound SPI (XFRM_MSG_UPDSA), or moves an
// SA's encapsulation ports after a NAT rebinding.
struct UpdateSa { xfrm::Sa sa; };
struct DeleteSa { xfrm::SaId id; };
struct AddPolicy { xfrm::Policy policy; };
struct UpdatePolicy { xfrm::Policy policy; };
struct DeletePolicy { xfrm::PolicyId id; };
// Everything xfrm::Ownership calls ours: stale state of a previous run at start, leftovers at stop.
struct FlushOurs {};
// Read an SA's counters (XFRM_MSG_GETSA) and answer with Node::on_sa_usage (idle detection).
struct QuerySa { xfrm::SaId id; };

using KernelOp = std::variant<AddSa, UpdateSa, DeleteSa, AddPolicy, UpdatePolicy, DeletePolicy, FlushOurs, QuerySa>;

struct KernelCommand {
    KernelOp op;
    std::uint64_t child = 0;  // ike::ChildSaId value, 0 for traps and flushes
};

enum class LogLevel : std::uint8_t { debug, info, notice, warning, error };

// One line of the daemon's log: every tunnel up/down/rekey/failure names its peer, the reason
// and the algorithms.
struct LogRecord {
    LogLevel level = LogLevel::info;
    std::string event;       // "tunnel-up", "tunnel-down", "rekey", "failure", "trap", "reload", ...
    std::string peer;        // node name (or address when unknown)
    std::string reason;      // why, in a few words
    std::string algorithms;  // e.g. "ESP AES-GCM-256 ESN"
    std::string detail;
};
std::string format(const LogRecord& record);  // one line, key=value

// sd_notify material: READY=1 once traps are in, STATUS=..., STOPPING=1, and "stopped" when the
// adapters may exit.
struct Status {
    enum class Kind : std::uint8_t { ready, status, stopping, stopped } kind = Kind::status;
    std::string text;
};

// Wireshark key log lines (only with NodeSettings::ike.export_keys, off by default): `table` is
// the UAT file they belong to, "ikev2_decryption_table" or "esp_sa". They hold secret keys.
struct KeyLog {
    std::string table;
    std::string lines;
};

using Output = std::variant<KernelCommand, ike::Transmit, LogRecord, Status, KeyLog>;

}  // namespace meshd
