// The control socket's answers (docs/control.md), computed without I/O: Node's snapshot joined
// with the kernel's SA counters and the trust files' dates, as JSON; the expiry warnings that
// status shows and meshd logs; and the parsing of one request line. control.cpp is the socket.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "snapshot.hpp"

namespace meshd {

// The dates an administrator must not miss (trust.hpp fills them at start and reload).
struct TrustDates {
    std::optional<ike::Time> certificate_not_after;
    std::optional<ike::Time> crl_next_update;
    std::uint64_t crl_number = 0;
    std::uint64_t directory_serial = 0;
    std::optional<ike::Time> directory_expires;
    std::optional<ike::Time> directory_loaded;  // when meshd accepted it (start or reload)
};

// "certificate expires in 2d3h (2026-12-09T10:00:00Z)", "CRL expired on ...": one line per date
// within `window` of `now` or past it.
std::vector<std::string> expiry_warnings(const TrustDates& dates, ike::Time now,
                                         std::chrono::seconds window = std::chrono::hours(24 * 7));

// The kernel's view of our SAs (XFRM_MSG_GETSA dump), keyed by destination and SPI.
using KernelCounters = std::map<std::pair<std::string, std::uint32_t>, xfrm::Counters>;

struct StatusInput {
    const Snapshot& snapshot;
    const KernelCounters& kernel;
    const TrustDates& dates;
    std::string version;
    std::string log_level;
    ike::Time now;
};

// The "status" result: own name and dates, warnings, counters, peers, IKE SAs, child SAs.
nlohmann::json status_json(const StatusInput& in);
nlohmann::json peers_json(const StatusInput& in);  // name and peers only
nlohmann::json sas_json(const StatusInput& in);    // IKE SAs and child SAs only

std::string iso8601(ike::Time t);   // 2026-12-06T20:38:59Z
std::string hex_spi(std::uint32_t spi);  // 0x0000abcd, as ip xfrm prints it

// One request line, parsed and checked (docs/control.md).
enum class Command : std::uint8_t { status, peers, sas, up, down, reload, log_level, version };
struct Request {
    Command command = Command::status;
    std::string peer;    // up, down
    bool hold = false;   // down
    std::string level;   // log-level
    nlohmann::json id;   // echoed in the reply when present
    bool changes() const { return command == Command::up || command == Command::down || command == Command::reload || command == Command::log_level; }
};
struct RequestError {
    std::string error;    // "malformed", "unknown-command"
    std::string message;
};
ike::Expected<Request, RequestError> parse_request(std::string_view line);

// {"ok":true,"result":...} / {"ok":false,"error":"...","message":"..."}, one line, '\n' ended.
std::string reply_ok(const nlohmann::json& result, const nlohmann::json& id = nullptr);
std::string reply_error(const std::string& error, const std::string& message, const nlohmann::json& id = nullptr);

}  // namespace meshd
