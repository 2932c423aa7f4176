// meshctl's control socket (docs/control.md): a UNIX stream socket, mode 0660 with a
// configurable group; one JSON request and one JSON reply per line. The caller's credentials
// (SO_PEERCRED) decide: reading status needs only to be able to connect (root or the group),
// changes need uid 0. A line over the size limit, malformed JSON, a half request or a client
// that stalls get an error reply (where a reply can still be sent) and a closed connection;
// meshd itself is never disturbed. The answers are computed by the handler (status.hpp, Node);
// this adapter only moves bytes and checks credentials.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "status.hpp"

namespace meshd {

struct ControlOptions {
    std::string path = "/run/meshd/meshd.sock";
    std::string group;                              // empty: root only (mode 0600 effect: group root)
    std::size_t max_line = 64 * 1024;               // a longer request: error "too-long", closed
    std::chrono::seconds idle_timeout{10};          // a connection silent this long is closed
    std::size_t max_connections = 32;               // more are answered "busy" and closed
};

struct Caller {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

// Changes need root; everything else is open to whoever could connect.
bool authorised(const Request& request, const Caller& caller);

class ControlServer {
public:
    // The reply line for an authorised request.
    using Handler = std::function<std::string(const Request&, const Caller&)>;
    // Creates the socket (replacing a stale one; its folder made if missing): "" or an error.
    static std::unique_ptr<ControlServer> open(boost::asio::io_context& io, const ControlOptions& options,
                                               Handler handler, std::string& error);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    struct Impl;

private:
    explicit ControlServer(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m_impl;
};

}  // namespace meshd
