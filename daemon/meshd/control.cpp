// The control socket's Asio adapter (control.hpp): accept, read lines, check credentials,
// hand parsed requests to the handler, write replies.
#include "control.hpp"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <filesystem>

namespace meshd {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

bool authorised(const Request& request, const Caller& caller) { return !request.changes() || caller.uid == 0; }

struct ControlServer::Impl : std::enable_shared_from_this<ControlServer::Impl> {
    asio::io_context& io;
    ControlOptions options;
    Handler handler;
    stream::acceptor acceptor;
    std::size_t connections = 0;
    bool closed = false;

    Impl(asio::io_context& i, ControlOptions o, Handler h) : io(i), options(std::move(o)), handler(std::move(h)), acceptor(i) {}

    void accept() {
        acceptor.async_accept([self = shared_from_this()](const boost::system::error_code& ec, stream::socket s) {
            if (self->closed) return;
            if (!ec) self->start(std::move(s));
            self->accept();
        });
    }

    void start(stream::socket s);
};

namespace {

// One client: lines in, one reply per line, closed on an oversized line, on a stall or when
// the client closes. A half request (no '\n' before EOF) gets no reply: there is no one to read it.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(std::shared_ptr<ControlServer::Impl> server, stream::socket s)
        : m_server(std::move(server)), m_socket(std::move(s)), m_timer(m_server->io) {
        ++m_server->connections;
    }
    ~Connection() { --m_server->connections; }

    void start() {
        ucred cred{};
        socklen_t len = sizeof cred;
        if (::getsockopt(m_socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return;
        m_caller = Caller{cred.pid, cred.uid, cred.gid};
        if (m_server->connections > m_server->options.max_connections) {
            m_closing = true;
            return write(reply_error("busy", "too many control connections"));
        }
        read();
    }

private:
    void read() {
        auto self = shared_from_this();
        m_timer.expires_after(m_server->options.idle_timeout);
        m_timer.async_wait([self](const boost::system::error_code& ec) {
            if (!ec) {
                boost::system::error_code ignored;
                self->m_socket.close(ignored);  // a stalled or half request: give the slot back
            }
        });
        asio::async_read_until(m_socket, asio::dynamic_buffer(m_buffer, m_server->options.max_line + 1), '\n',
                               [self](const boost::system::error_code& ec, std::size_t n) { self->on_line(ec, n); });
    }

    void on_line(const boost::system::error_code& ec, std::size_t n) {
        m_timer.cancel();
        if (ec == asio::error::not_found || (!ec && n > m_server->options.max_line + 1)) {
            m_closing = true;
            return write(reply_error("too-long", "a request is at most " + std::to_string(m_server->options.max_line) +
                                                     " bytes and one line"));
        }
        if (ec) return;  // closed (a half request, or simply done), reset, or timed out
        std::string line = m_buffer.substr(0, n - 1);
        m_buffer.erase(0, n);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto request = parse_request(line);
        if (!request) return write(reply_error(request.error().error, request.error().message));
        if (!authorised(*request, m_caller))
            return write(reply_error("unauthorised", "this command needs root (uid 0); uid " +
                                                         std::to_string(m_caller.uid) + " may only read status",
                                     request->id));
        write(m_server->handler(*request, m_caller));
    }

    void write(std::string reply) {
        m_out = std::move(reply);
        auto self = shared_from_this();
        m_timer.expires_after(m_server->options.idle_timeout);
        m_timer.async_wait([self](const boost::system::error_code& ec) {
            if (!ec) {
                boost::system::error_code ignored;
                self->m_socket.close(ignored);  // a client that does not read its reply
            }
        });
        asio::async_write(m_socket, asio::buffer(m_out), [self](const boost::system::error_code& ec, std::size_t) {
            self->m_timer.cancel();
            if (ec || self->m_closing) {
                boost::system::error_code ignored;
                self->m_socket.shutdown(stream::socket::shutdown_both, ignored);
                self->m_socket.close(ignored);
                return;
            }
            self->read();
        });
    }

    std::shared_ptr<ControlServer::Impl> m_server;
    stream::socket m_socket;
    asio::steady_timer m_timer;
    Caller m_caller;
    std::string m_buffer;
    std::string m_out;
    bool m_closing = false;
};

}  // namespace

void ControlServer::Impl::start(stream::socket s) { std::make_shared<Connection>(shared_from_this(), std::move(s))->start(); }

std::unique_ptr<ControlServer> ControlServer::open(asio::io_context& io, const ControlOptions& options, Handler handler,
                                                   std::string& error) {
    namespace fs = std::filesystem;
    gid_t gid = 0;
    if (!options.group.empty()) {
        const group* g = ::getgrnam(options.group.c_str());
        if (g == nullptr) {
            error = "control.group: no group named \"" + options.group + "\"";
            return nullptr;
        }
        gid = g->gr_gid;
    }
    const fs::path path(options.path);
    std::error_code fec;
    if (path.has_parent_path() && !fs::exists(path.parent_path(), fec)) {
        fs::create_directories(path.parent_path(), fec);
        if (!fec) ::chmod(path.parent_path().c_str(), 0755);
    }
    // A socket left by a meshd that did not stop cleanly: nobody answers on it any more.
    struct stat st{};
    if (::lstat(options.path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            error = "control socket " + options.path + ": exists and is not a socket";
            return nullptr;
        }
        stream::socket probe(io);
        boost::system::error_code ec;
        probe.connect(stream::endpoint(options.path), ec);
        if (!ec) {
            error = "control socket " + options.path + ": another meshd answers on it";
            return nullptr;
        }
        ::unlink(options.path.c_str());
    }
    auto impl = std::make_shared<Impl>(io, options, std::move(handler));
    boost::system::error_code ec;
    impl->acceptor.open(stream(), ec);
    const mode_t old = ::umask(0177);  // never group- or world-writable, even for a moment
    if (!ec) impl->acceptor.bind(stream::endpoint(options.path), ec);
    ::umask(old);
    if (!ec) impl->acceptor.listen(16, ec);
    if (ec) {
        error = "control socket " + options.path + ": " + ec.message();
        return nullptr;
    }
    if (::chown(options.path.c_str(), static_cast<uid_t>(-1), gid) != 0 || ::chmod(options.path.c_str(), 0660) != 0) {
        error = "control socket " + options.path + ": cannot set its group and mode";
        ::unlink(options.path.c_str());
        return nullptr;
    }
    impl->accept();
    return std::unique_ptr<ControlServer>(new ControlServer(std::move(impl)));
}

ControlServer::ControlServer(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}

ControlServer::~ControlServer() {
    m_impl->closed = true;
    boost::system::error_code ec;
    m_impl->acceptor.close(ec);
    ::unlink(m_impl->options.path.c_str());
}

}  // namespace meshd
