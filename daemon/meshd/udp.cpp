// UDP sockets with the local address of every datagram (udp.hpp).
#include "udp.hpp"

#include <arpa/inet.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace meshd {
namespace {

ike::SocketAddress from_sockaddr(const sockaddr_storage& ss) {
    ike::SocketAddress a;
    if (ss.ss_family == AF_INET) {
        const auto& s = reinterpret_cast<const sockaddr_in&>(ss);
        a.ip = *ike::IpAddress::from_bytes({reinterpret_cast<const std::uint8_t*>(&s.sin_addr), 4});
        a.port = ntohs(s.sin_port);
    } else {
        const auto& s = reinterpret_cast<const sockaddr_in6&>(ss);
        const auto* b = reinterpret_cast<const std::uint8_t*>(&s.sin6_addr);
        // An IPv4-mapped address (a v6 socket would give them; ours are V6ONLY) stays v6.
        a.ip = *ike::IpAddress::from_bytes({b, 16});
        a.port = ntohs(s.sin6_port);
    }
    return a;
}

socklen_t to_sockaddr(const ike::SocketAddress& a, sockaddr_storage& ss) {
    std::memset(&ss, 0, sizeof ss);
    if (a.ip.family == ike::IpAddress::Family::v4) {
        auto& s = reinterpret_cast<sockaddr_in&>(ss);
        s.sin_family = AF_INET;
        s.sin_port = htons(a.port);
        std::memcpy(&s.sin_addr, a.ip.bytes.data(), 4);
        return sizeof s;
    }
    auto& s = reinterpret_cast<sockaddr_in6&>(ss);
    s.sin6_family = AF_INET6;
    s.sin6_port = htons(a.port);
    std::memcpy(&s.sin6_addr, a.ip.bytes.data(), 16);
    return sizeof s;
}

// One control message (the source address of a reply) in msg's control buffer.
template <typename Info>
void put_control(msghdr& msg, int level, int type, const Info& info) {
    auto* c = reinterpret_cast<cmsghdr*>(msg.msg_control);
    msg.msg_controllen = CMSG_SPACE(sizeof(Info));
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(sizeof(Info));
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
}

}  // namespace

std::optional<UdpSocket> UdpSocket::open(int family, std::uint16_t port, std::string& error) {
    const int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return std::nullopt;
    }
    UdpSocket s(fd, family, port);
    const int one = 1;
    bool ok = true;
    if (family == AF_INET) {
        ok = ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) == 0;
    } else {
        ok = ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0 &&
             ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) == 0;
    }
    ok = ok && ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0;
    sockaddr_storage ss{};
    ike::SocketAddress any;
    any.ip.family = family == AF_INET ? ike::IpAddress::Family::v4 : ike::IpAddress::Family::v6;
    any.port = port;
    const auto len = to_sockaddr(any, ss);
    if (!ok || ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        error = "bind UDP port " + std::to_string(port) + ": " + std::strerror(errno);
        return std::nullopt;
    }
    if (port == 4500) {
        const int encap = UDP_ENCAP_ESPINUDP;
        if (::setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &encap, sizeof encap) != 0) {
            error = std::string("UDP_ENCAP_ESPINUDP on port 4500: ") + std::strerror(errno);
            return std::nullopt;
        }
    }
    return s;
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept : m_fd(other.m_fd), m_family(other.m_family), m_port(other.m_port) {
    other.m_fd = -1;
}

UdpSocket::~UdpSocket() {
    if (m_fd >= 0) ::close(m_fd);
}

std::optional<Received> UdpSocket::receive() {
    std::array<std::uint8_t, 65536> buf;
    std::array<std::uint8_t, 256> control{};
    sockaddr_storage from{};
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const auto n = ::recvmsg(m_fd, &msg, 0);
    if (n < 0) return std::nullopt;
    Received r;
    r.data.assign(buf.begin(), buf.begin() + n);
    r.remote = from_sockaddr(from);
    r.local.port = m_port;
    r.local.ip.family = m_family == AF_INET ? ike::IpAddress::Family::v4 : ike::IpAddress::Family::v6;
    for (auto* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            in_pktinfo info{};
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            std::memcpy(r.local.ip.bytes.data(), &info.ipi_addr, 4);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            in6_pktinfo info{};
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            std::memcpy(r.local.ip.bytes.data(), &info.ipi6_addr, 16);
        }
    }
    return r;
}

bool UdpSocket::send(const ike::Transmit& t, std::string& error) {
    sockaddr_storage to{};
    const auto len = to_sockaddr(t.remote, to);
    iovec iov{const_cast<std::uint8_t*>(t.data.data()), t.data.size()};
    std::array<std::uint8_t, CMSG_SPACE(sizeof(in6_pktinfo))> control{};
    msghdr msg{};
    msg.msg_name = &to;
    msg.msg_namelen = len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    // The reply leaves from the address the request came to (several addresses, one socket).
    if (m_family == AF_INET) {
        in_pktinfo info{};
        std::memcpy(&info.ipi_spec_dst, t.local.ip.bytes.data(), 4);
        put_control(msg, IPPROTO_IP, IP_PKTINFO, info);
    } else {
        in6_pktinfo info{};
        std::memcpy(&info.ipi6_addr, t.local.ip.bytes.data(), 16);
        put_control(msg, IPPROTO_IPV6, IPV6_PKTINFO, info);
    }
    if (::sendmsg(m_fd, &msg, 0) < 0) {
        error = "send to " + t.remote.to_string() + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

}  // namespace meshd
