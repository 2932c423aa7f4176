// meshctl: see and steer a running meshd through its control socket (docs/control.md).
// Exit status: 0 ok, 1 refused (unknown peer, not allowed, bad request), 3 meshd not running.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <optional>

#include "format.hpp"

namespace {

using nlohmann::json;

constexpr int exit_refused = 1;
constexpr int exit_not_running = 3;

struct Outcome {
    int status = 0;
    std::optional<json> reply;
    std::string error;
};

// One request line out, one reply line back.
Outcome ask(const std::string& path, const json& request) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return {exit_not_running, std::nullopt, std::strerror(errno)};
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) {
        ::close(fd);
        return {exit_refused, std::nullopt, "socket path too long: " + path};
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int e = errno;
        ::close(fd);
        if (e == EACCES || e == EPERM)
            return {exit_refused, std::nullopt, "not allowed to connect to " + path + " (" + std::strerror(e) +
                                                    "): status needs root or meshd's control group"};
        return {exit_not_running, std::nullopt, "meshd is not running (no answer on " + path + ": " + std::strerror(e) + ")"};
    }
    const std::string line = request.dump() + "\n";
    for (std::size_t done = 0; done < line.size();) {
        const auto n = ::send(fd, line.data() + done, line.size() - done, MSG_NOSIGNAL);
        if (n <= 0) {
            ::close(fd);
            return {exit_not_running, std::nullopt, "meshd closed " + path + " before the request was sent"};
        }
        done += static_cast<std::size_t>(n);
    }
    std::string in;
    char buf[65536];
    while (in.find('\n') == std::string::npos) {
        const auto n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (in.find('\n') == std::string::npos)
        return {exit_not_running, std::nullopt, "meshd closed " + path + " without a reply"};
    json reply = json::parse(in.substr(0, in.find('\n')), nullptr, false);
    if (reply.is_discarded() || !reply.is_object()) return {exit_refused, std::nullopt, "meshd's reply is not JSON"};
    return {reply.value("ok", false) ? 0 : exit_refused, reply, ""};
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"meshctl: see and steer a running meshd (status, peers, SAs, up/down, reload)"};
    app.require_subcommand(1);
    std::string socket = "/run/meshd/meshd.sock";
    if (const char* env = std::getenv("MESHD_SOCKET")) socket = env;
    bool as_json = false;
    app.add_option("-s,--socket", socket, "meshd's control socket (default /run/meshd/meshd.sock, or $MESHD_SOCKET)");
    app.add_flag("--json", as_json, "print the reply's JSON (docs/control.md) instead of tables");
    std::string peer, level;
    bool hold = false;
    auto* status = app.add_subcommand("status", "own name, certificate/CRL/directory dates, counters, every peer and SA");
    auto* peers = app.add_subcommand("peers", "every peer: endpoint, subnets, state (idle / trap / negotiating / up / held)");
    auto* sas = app.add_subcommand("sas", "IKE SAs and child SAs, with the kernel's byte and packet counters");
    auto* up = app.add_subcommand("up", "bring the tunnel to PEER up now (and lift a --hold)");
    up->add_option("PEER", peer, "the peer's node name")->required();
    auto* down = app.add_subcommand("down", "delete PEER's SAs; the trap stays, so traffic brings them back");
    down->add_option("PEER", peer, "the peer's node name")->required();
    down->add_flag("--hold", hold, "also stop on-demand tunnels to PEER until `meshctl up PEER`");
    auto* reload = app.add_subcommand("reload", "re-read the config, certificate, CRL, blocklist and directory");
    auto* log_level = app.add_subcommand("log-level", "set meshd's log level");
    log_level->add_option("LEVEL", level, "debug, info, notice, warning or error")
        ->required()
        ->check(CLI::IsMember({"debug", "info", "notice", "warning", "error"}));
    auto* version = app.add_subcommand("version", "meshctl's and meshd's versions");
    for (auto* sub : {status, peers, sas, up, down, reload, log_level, version})
        sub->add_flag("--json", as_json, "print the reply's JSON instead of tables");
    CLI11_PARSE(app, argc, argv);

    json request;
    if (status->parsed()) request = {{"command", "status"}};
    if (peers->parsed()) request = {{"command", "peers"}};
    if (sas->parsed()) request = {{"command", "sas"}};
    if (up->parsed()) request = {{"command", "up"}, {"peer", peer}};
    if (down->parsed()) request = {{"command", "down"}, {"peer", peer}, {"hold", hold}};
    if (reload->parsed()) request = {{"command", "reload"}};
    if (log_level->parsed()) request = {{"command", "log-level"}, {"level", level}};
    if (version->parsed()) request = {{"command", "version"}};

    const auto outcome = ask(socket, request);
    if (!outcome.reply) {
        if (as_json) std::cout << json{{"ok", false}, {"error", outcome.status == exit_not_running ? "not-running" : "refused"},
                                       {"message", outcome.error}, {"socket", socket}}.dump(2) << "\n";
        std::cerr << "meshctl: " << outcome.error << "\n";
        if (version->parsed()) std::cout << "meshctl " << MESHD_VERSION << "\n";
        return outcome.status;
    }
    const auto& reply = *outcome.reply;
    if (!reply.value("ok", false)) {
        if (as_json) std::cout << reply.dump(2) << "\n";
        std::cerr << "meshctl: " << reply.value("error", std::string("error")) << ": "
                  << reply.value("message", std::string()) << "\n";
        return exit_refused;
    }
    const auto& result = reply["result"];
    if (as_json) {
        std::cout << result.dump(2) << "\n";
        return 0;
    }
    if (status->parsed()) std::cout << meshctl::status_text(result);
    else if (peers->parsed()) std::cout << meshctl::peers_text(result);
    else if (sas->parsed()) std::cout << meshctl::sas_text(result);
    else if (version->parsed())
        std::cout << "meshctl " << MESHD_VERSION << "\nmeshd " << result.value("version", std::string("?")) << " ("
                  << result.value("name", std::string("?")) << ")\n";
    else if (reload->parsed())
        std::cout << "reloaded: directory serial " << result.value("directory_serial", 0) << ", CRL number "
                  << result.value("crl_number", 0) << "\n";
    else if (log_level->parsed()) std::cout << "log level " << result.value("level", std::string()) << "\n";
    else std::cout << result.value("peer", std::string()) << ": " << result.value("result", std::string()) << "\n";
    return 0;
}
