// The Asio event loop and the kernel adapter (daemon.hpp).
#include "daemon.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <fstream>
#include <iostream>

#include "control.hpp"
#include "crypto/rng.hpp"
#include "node.hpp"
#include "udp.hpp"
#include "xfrm/client.hpp"
#include "xfrm/monitor.hpp"

namespace meshd {
namespace {

namespace asio = boost::asio;

// XFRM requests: ALLOCSPI for Node's SPI allocator, and Node's kernel commands one by one.
class KernelAdapter final : public SpiSource {
public:
    explicit KernelAdapter(xfrm::Client client) : m_client(std::move(client)) {}
    std::optional<std::uint32_t> alloc_spi(const xfrm::SpiRequest& request) override {
        auto spi = m_client.alloc_spi(request);
        if (!spi) {
            m_last_error = spi.error().message();
            return std::nullopt;
        }
        return *spi;
    }
    // nullopt: done; otherwise the error (and whether it means "no ESP in this kernel").
    std::optional<std::pair<std::string, Node::KernelLack>> execute(const KernelOp& op, std::optional<xfrm::Counters>& usage) {
        const auto fail = [](const xfrm::XfrmError& e) {
            const auto lack = e.kind == xfrm::ErrorKind::no_esp         ? Node::KernelLack::esp
                              : e.kind == xfrm::ErrorKind::no_algorithm ? Node::KernelLack::algorithm
                                                                        : Node::KernelLack::none;
            return std::optional<std::pair<std::string, Node::KernelLack>>({e.message(), lack});
        };
        return std::visit(
            [&](const auto& o) -> std::optional<std::pair<std::string, Node::KernelLack>> {
                using T = std::decay_t<decltype(o)>;
                if constexpr (std::is_same_v<T, AddSa>) {
                    if (auto r = m_client.add_sa(o.sa); !r) return fail(r.error());
                } else if constexpr (std::is_same_v<T, UpdateSa>) {
                    if (auto r = m_client.update_sa(o.sa); !r) return fail(r.error());
                } else if constexpr (std::is_same_v<T, DeleteSa>) {
                    // Already gone (expired, flushed) is what a delete wants.
                    if (auto r = m_client.delete_sa(o.id); !r && r.error().errnum != ESRCH) return fail(r.error());
                } else if constexpr (std::is_same_v<T, AddPolicy>) {
                    if (auto r = m_client.add_policy(o.policy); !r) return fail(r.error());
                } else if constexpr (std::is_same_v<T, UpdatePolicy>) {
                    if (auto r = m_client.update_policy(o.policy); !r) return fail(r.error());
                } else if constexpr (std::is_same_v<T, DeletePolicy>) {
                    if (auto r = m_client.delete_policy(o.id); !r && r.error().errnum != ENOENT) return fail(r.error());
                } else if constexpr (std::is_same_v<T, FlushOurs>) {
                    if (auto r = m_client.flush_ours(); !r) return fail(r.error());
                } else if constexpr (std::is_same_v<T, QuerySa>) {
                    auto r = m_client.get_sa(o.id);
                    usage = r ? std::optional<xfrm::Counters>(r->counters) : std::nullopt;
                }
                return std::nullopt;
            },
            op);
    }

    // The kernel's counters of our SAs, for meshctl status (one dump).
    KernelCounters counters() {
        KernelCounters out;
        if (auto sas = m_client.dump_our_sas())
            for (const auto& s : *sas) out[{s.sa.dst.to_string(), s.sa.spi}] = s.counters;
        return out;
    }

private:
    xfrm::Client m_client;
    std::string m_last_error;
};

const char* level_name(LogLevel l) {
    switch (l) {
        case LogLevel::debug: return "<7>";
        case LogLevel::info: return "<6>";
        case LogLevel::notice: return "<5>";
        case LogLevel::warning: return "<4>";
        case LogLevel::error: return "<3>";
    }
    return "<6>";
}

class Loop {
public:
    Loop(const RunOptions& options, const FileConfig& config, Persisted persisted, std::unique_ptr<Node> node,
         std::shared_ptr<KernelAdapter> kernel, xfrm::Monitor monitor, std::vector<UdpSocket> sockets, TrustDates dates)
        : m_options(options), m_config(config), m_persisted(persisted), m_node(std::move(node)),
          m_kernel(std::move(kernel)), m_monitor(std::move(monitor)), m_sockets(std::move(sockets)),
          m_timer(m_io), m_signals(m_io, SIGHUP, SIGTERM, SIGINT), m_level(options.min_level), m_dates(dates),
          m_warn_timer(m_io) {}

    int run() {
        ControlOptions control;
        control.path = m_config.control_socket;
        control.group = m_config.control_group;
        std::string error;
        m_control = ControlServer::open(m_io, control, [this](const Request& r, const Caller& c) { return command(r, c); }, error);
        if (!m_control) {
            log(LogLevel::error, "control: " + error);
            return 1;
        }
        m_node->start(now());
        drain();
        warn_expiry();
        for (std::size_t i = 0; i < m_sockets.size(); ++i) {
            m_descriptors.emplace_back(std::make_unique<asio::posix::stream_descriptor>(m_io, ::dup(m_sockets[i].fd())));
            wait_socket(i);
        }
        m_monitor_fd = std::make_unique<asio::posix::stream_descriptor>(m_io, ::dup(m_monitor.fd()));
        wait_monitor();
        wait_signal();
        arm_timer();
        m_io.run();
        return 0;
    }

private:
    static ike::Time now() { return std::chrono::system_clock::now(); }

    void log(LogLevel level, const std::string& line) {
        if (level >= m_level) std::cerr << level_name(level) << "meshd: " << line << std::endl;
    }

    void drain() {
        while (auto o = m_node->poll_output()) {
            if (auto* k = std::get_if<KernelCommand>(&*o)) {
                std::optional<xfrm::Counters> usage;
                const auto err = m_kernel->execute(k->op, usage);
                if (const auto* q = std::get_if<QuerySa>(&k->op)) m_node->on_sa_usage(q->id, usage, now());
                else if (err) m_node->on_kernel_error(*k, err->second, err->first, now());
            } else if (auto* t = std::get_if<ike::Transmit>(&*o)) {
                send(*t);
            } else if (auto* l = std::get_if<LogRecord>(&*o)) {
                log(l->level, format(*l));
            } else if (auto* s = std::get_if<Status>(&*o)) {
                status(*s);
            } else if (auto* kl = std::get_if<KeyLog>(&*o)) {
                key_log(*kl);
            }
        }
        arm_timer();
    }

    void send(const ike::Transmit& t) {
        const int family = t.remote.ip.family == ike::IpAddress::Family::v4 ? AF_INET : AF_INET6;
        const std::uint16_t port = t.local.port == 4500 ? 4500 : 500;
        for (auto& s : m_sockets)
            if (s.family() == family && s.port() == port) {
                std::string error;
                if (!s.send(t, error)) log(LogLevel::warning, "udp " + error);
                return;
            }
        log(LogLevel::warning, "udp: no socket for " + t.local.to_string());
    }

    void status(const Status& s) {
        switch (s.kind) {
            case Status::Kind::ready:
                ::sd_notifyf(0, "READY=1\nSTATUS=%s", s.text.c_str());
                break;
            case Status::Kind::status: ::sd_notifyf(0, "STATUS=%s", s.text.c_str()); break;
            case Status::Kind::stopping: ::sd_notify(0, "STOPPING=1"); break;
            case Status::Kind::stopped:
                m_control.reset();  // the socket file goes with it
                m_io.stop();
                break;
        }
    }

    // Appends to KEYLOG/ikev2_decryption_table or KEYLOG/esp_sa (Wireshark's UAT files), 0600.
    void key_log(const KeyLog& k) {
        if (m_config.keylog.empty()) return;
        const auto path = m_config.keylog + "/" + k.table;
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) return log(LogLevel::warning, "key log: cannot write " + path);
        std::string text = k.lines;
        if (!text.empty() && text.back() != '\n') text += '\n';
        if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
            log(LogLevel::warning, "key log: short write to " + path);
        ::close(fd);
    }

    void wait_socket(std::size_t i) {
        m_descriptors[i]->async_wait(asio::posix::stream_descriptor::wait_read, [this, i](const boost::system::error_code& ec) {
            if (ec) return;
            // One datagram at a time, its kernel commands executed before the next one is read.
            while (auto r = m_sockets[i].receive()) {
                m_node->on_datagram(r->data, r->local, r->remote, now());
                drain();
            }
            wait_socket(i);
        });
    }

    void wait_monitor() {
        m_monitor_fd->async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
            if (ec) return;
            auto batch = m_monitor.read_events();
            if (!batch) {
                log(LogLevel::error, "xfrm monitor: " + batch.error().message());
            } else {
                if (batch->overrun) log(LogLevel::warning, "xfrm monitor: the kernel dropped events (ENOBUFS)");
                for (auto& e : batch->events) {
                    const auto t = now();
                    std::visit(
                        [&](auto& ev) {
                            using T = std::decay_t<decltype(ev)>;
                            if constexpr (std::is_same_v<T, xfrm::AcquireEvent>) m_node->on_acquire(ev, t);
                            else if constexpr (std::is_same_v<T, xfrm::ExpireEvent>) m_node->on_expire(ev, t);
                            else if constexpr (std::is_same_v<T, xfrm::MappingEvent>) m_node->on_mapping(ev, t);
                        },
                        e);
                    drain();
                }
            }
            drain();
            wait_monitor();
        });
    }

    void wait_signal() {
        m_signals.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (ec) return;
            if (sig == SIGHUP) reload();
            else m_node->stop(now());
            drain();
            wait_signal();
        });
    }

    // The issues that refused it (empty: applied).
    std::vector<std::string> reload() {
        std::vector<std::string> refused;
        auto fresh = load_config(m_options.config_path);
        const FileConfig& c = fresh ? *fresh : m_config;
        if (!fresh)
            for (const auto& i : fresh.error()) refused.push_back(i.to_string());
        if (!fresh) {
            for (const auto& r : refused) log(LogLevel::error, "reload refused: " + r);
            return refused;
        }
        auto t = reload_node(*m_node, c, m_persisted, now());
        if (!t) {
            for (const auto& i : t.error()) refused.push_back(i.to_string());
            for (const auto& r : refused) log(LogLevel::error, "reload refused: " + r);
            return refused;
        }
        m_dates.certificate_not_after = t->certificate_not_after;
        m_dates.crl_next_update = t->crl_next_update;
        m_dates.directory_expires = t->directory_expires;
        m_dates.directory_serial = t->directory_serial;
        m_dates.directory_loaded = now();
        m_dates.crl_number = m_node->endpoint().highest_crl_number();
        warn_expiry();
        m_persisted.directory_serial = std::max(m_persisted.directory_serial, t->directory_serial);
        m_persisted.crl_number = std::max(m_persisted.crl_number, m_node->endpoint().highest_crl_number());
        write_state_number(c.state_dir, "directory.serial", m_persisted.directory_serial);
        write_state_number(c.state_dir, "crl.number", m_persisted.crl_number);
        return refused;
    }

    // Own certificate, CRL, directory within 7 days of expiry or past it: logged at start, at
    // each reload and every 6 hours (status shows the same lines).
    void warn_expiry() {
        for (const auto& w : expiry_warnings(m_dates, now())) log(LogLevel::warning, "expiry: " + w);
        m_warn_timer.expires_after(std::chrono::hours(6));
        m_warn_timer.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) warn_expiry();
        });
    }

    // One control request (docs/control.md), already authorised.
    std::string command(const Request& r, const Caller& caller) {
        const auto t = now();
        const auto changed = [&](const char* what, const std::string& detail) {
            log(LogLevel::notice, std::string("control: ") + what + " by uid " + std::to_string(caller.uid) +
                                      (detail.empty() ? "" : ": " + detail));
        };
        const auto steer = [&](const ike::Expected<std::string, CommandRefusal>& x, const char* what) {
            drain();
            if (!x) return reply_error("refused", x.error().message, r.id);
            changed(what, r.peer + " (" + *x + ")");
            return reply_ok({{"peer", r.peer}, {"result", *x}}, r.id);
        };
        switch (r.command) {
            case Command::status:
            case Command::peers:
            case Command::sas: {
                const auto snapshot = m_node->snapshot();
                const auto kernel = m_kernel->counters();
                static constexpr const char* names[] = {"debug", "info", "notice", "warning", "error"};
                const StatusInput in{snapshot, kernel, m_dates, MESHD_VERSION, names[static_cast<int>(m_level)], t};
                return reply_ok(r.command == Command::status ? status_json(in)
                                : r.command == Command::peers ? peers_json(in)
                                                              : sas_json(in),
                                r.id);
            }
            case Command::version: return reply_ok({{"version", MESHD_VERSION}, {"name", m_node->snapshot().name}}, r.id);
            case Command::up: return steer(m_node->up(r.peer, t), "up");
            case Command::down: return steer(m_node->down(r.peer, r.hold, t), r.hold ? "down --hold" : "down");
            case Command::reload: {
                const auto refused = reload();
                drain();
                if (!refused.empty()) return reply_error("refused", refused.front(), r.id);
                changed("reload", "");
                return reply_ok({{"directory_serial", m_dates.directory_serial}, {"crl_number", m_dates.crl_number}}, r.id);
            }
            case Command::log_level:
                m_level = parse_level(r.level);
                changed("log-level", r.level);
                return reply_ok({{"level", r.level}}, r.id);
        }
        return reply_error("unknown-command", "?", r.id);
    }

    void arm_timer() {
        const auto next = m_node->next_timeout();
        m_timer.cancel();
        if (!next) return;
        const auto delay = std::max(std::chrono::steady_clock::duration::zero(),
                                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(*next - now()));
        m_timer.expires_after(delay);
        m_timer.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            m_node->on_tick(now());
            drain();
        });
    }

    const RunOptions& m_options;
    const FileConfig& m_config;
    Persisted m_persisted;
    std::unique_ptr<Node> m_node;
    std::shared_ptr<KernelAdapter> m_kernel;
    xfrm::Monitor m_monitor;
    std::vector<UdpSocket> m_sockets;
    asio::io_context m_io;
    asio::steady_timer m_timer;
    asio::signal_set m_signals;
    std::vector<std::unique_ptr<asio::posix::stream_descriptor>> m_descriptors;
    std::unique_ptr<asio::posix::stream_descriptor> m_monitor_fd;
    LogLevel m_level;
    TrustDates m_dates;
    asio::steady_timer m_warn_timer;
    std::unique_ptr<ControlServer> m_control;
};

}  // namespace

LogLevel parse_level(const std::string& text) {
    if (text == "debug") return LogLevel::debug;
    if (text == "notice") return LogLevel::notice;
    if (text == "warning") return LogLevel::warning;
    if (text == "error") return LogLevel::error;
    return LogLevel::info;
}

int run_daemon(const RunOptions& options, const FileConfig& config, Trust trust, Persisted persisted) {
    const auto fatal = [](const std::string& what) {
        std::cerr << "<3>meshd: " << what << std::endl;
        return 1;
    };
    auto client = xfrm::Client::open();
    if (!client) return fatal("cannot open the XFRM netlink socket: " + client.error().message());
    auto monitor = xfrm::Monitor::open();
    if (!monitor) return fatal("cannot open the XFRM event socket: " + monitor.error().message());
    std::vector<UdpSocket> sockets;
    for (const int family : {AF_INET, AF_INET6}) {
        const bool used = std::any_of(config.listen.begin(), config.listen.end(), [&](const ike::IpAddress& a) {
            return (a.family == ike::IpAddress::Family::v4) == (family == AF_INET);
        });
        if (!used) continue;
        for (const std::uint16_t port : {500, 4500}) {
            std::string error;
            auto s = UdpSocket::open(family, port, error);
            if (!s) return fatal(error);
            sockets.push_back(std::move(*s));
        }
    }
    if (config.hold_first_packet) {
        // The packet that triggers an ACQUIRE waits for the SA instead of being dropped
        // (../shared/LAB.md pitfall 7).
        std::ofstream sysctl("/proc/sys/net/core/xfrm_larval_drop");
        sysctl << "0\n";
        if (!sysctl) std::cerr << "<4>meshd: cannot set net.core.xfrm_larval_drop=0: first packets are dropped" << std::endl;
    }
    auto kernel = std::make_shared<KernelAdapter>(std::move(*client));
    const auto settings = node_settings(config, trust, persisted);
    auto node = Node::create(settings, trust.peers, ike::crypto::make_system_rng(), kernel);
    if (!node) return fatal("the IKE engine refused the configuration");
    write_state_number(config.state_dir, "directory.serial", std::max(persisted.directory_serial, trust.directory_serial));
    TrustDates dates;
    dates.certificate_not_after = trust.certificate_not_after;
    dates.crl_next_update = trust.crl_next_update;
    dates.directory_expires = trust.directory_expires;
    dates.directory_serial = trust.directory_serial;
    dates.directory_loaded = std::chrono::system_clock::now();
    dates.crl_number = (*node)->endpoint().highest_crl_number();
    Loop loop(options, config, persisted, std::move(*node), kernel, std::move(*monitor), std::move(sockets), dates);
    return loop.run();
}

}  // namespace meshd
