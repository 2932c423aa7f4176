// The IKE sockets: UDP 500 and 4500, IPv4 and IPv6, bound to the wildcard with IP_PKTINFO /
// IPV6_RECVPKTINFO so each datagram's local address is known and replies leave from it; the 4500
// sockets carry ESP in UDP (UDP_ENCAP_ESPINUDP, RFC 3948), the kernel passing up only what
// starts with the non-ESP marker (IKE), marker included, as libike expects it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ike/endpoint.hpp"

namespace meshd {

struct Received {
    std::vector<std::uint8_t> data;
    ike::SocketAddress local;
    ike::SocketAddress remote;
};

class UdpSocket {
public:
    // family: AF_INET or AF_INET6; port: 500 or 4500 (4500 gets UDP_ENCAP_ESPINUDP).
    static std::optional<UdpSocket> open(int family, std::uint16_t port, std::string& error);
    UdpSocket(UdpSocket&& other) noexcept;
    UdpSocket& operator=(UdpSocket&&) = delete;
    UdpSocket(const UdpSocket&) = delete;
    ~UdpSocket();

    int fd() const { return m_fd; }
    int family() const { return m_family; }
    std::uint16_t port() const { return m_port; }
    // One datagram if there is one (non-blocking).
    std::optional<Received> receive();
    bool send(const ike::Transmit& t, std::string& error);

private:
    UdpSocket(int fd, int family, std::uint16_t port) : m_fd(fd), m_family(family), m_port(port) {}
    int m_fd = -1;
    int m_family = 0;
    std::uint16_t m_port = 0;
};

}  // namespace meshd
