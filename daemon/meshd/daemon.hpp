// The adapters around Node: one Boost.Asio io_context, one thread. UDP 500/4500 (udp.hpp), the
// XFRM event socket and requests (xfrm/), timers from Node::next_timeout, SIGHUP (reload) and
// SIGTERM/SIGINT (stop), sd_notify, log lines to stderr. Each adapter only translates: every
// decision is Node's.
#pragma once

#include <string>

#include "config.hpp"
#include "output.hpp"
#include "trust.hpp"

namespace meshd {

struct RunOptions {
    std::string config_path;
    LogLevel min_level = LogLevel::info;
};

// Runs until stopped; returns the process exit status (0 after a clean stop, 1 when the kernel
// or the sockets cannot be opened).
int run_daemon(const RunOptions& options, const FileConfig& config, Trust trust, Persisted persisted);

// "info" -> LogLevel::info; unknown -> info.
LogLevel parse_level(const std::string& text);

}  // namespace meshd
