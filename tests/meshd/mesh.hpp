// Sites for Node tests: each a meshd::Node with a FakeKernel, joined by a datagram queue on a
// virtual clock (fixed delay, targeted loss), sharing tests/sim's test CA. tests/sim's Network
// drives bare ike::Endpoints it owns; a Node owns its Endpoint and sits between it and the
// network, so this harness delivers to Nodes instead.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "convert.hpp"
#include "crypto/rng.hpp"
#include "fake_kernel.hpp"
#include "network.hpp"
#include "node.hpp"
#include "test_pki.hpp"

namespace meshd::test {

inline ike::IpAddress wan(int n) { return ike::IpAddress::v4(192, 0, 2, static_cast<std::uint8_t>(n)); }
inline ike::TrafficSelector subnet(int n) {
    return ike::TrafficSelector::subnet(ike::IpAddress::v4(10, 0, static_cast<std::uint8_t>(n), 0), 24);
}
inline std::string name(int n) { return "node" + std::to_string(n) + ".mesh"; }
inline Peer peer(int n) { return Peer{name(n), {wan(n)}, {subnet(n)}}; }
inline xfrm::Address xwan(int n) { return to_xfrm(wan(n)); }

struct Site {
    int n = 0;
    std::unique_ptr<Node> node;
    std::shared_ptr<FakeKernel> kernel;
    std::vector<LogRecord> logs;
    std::vector<Status> statuses;
    std::vector<KeyLog> key_logs;
    std::size_t sent = 0;  // datagrams
    std::vector<ike::Transmit> keepalives;  // one-octet 0xFF datagrams (RFC 3948 §2.3)

    std::size_t logged(const std::string& event) const {
        std::size_t k = 0;
        for (const auto& l : logs) k += l.event == event ? 1 : 0;
        return k;
    }
};

class Mesh {
public:
    ike::sim::TestCa ca{"mesh-ca", 4242};
    ike::Time now = ike::sim::start_time();
    ike::Duration delay{10};
    std::function<bool(const ike::SocketAddress& from, const ike::SocketAddress& to)> drop;

    // Node n: name node<n>.mesh, address 192.0.2.n, subnet 10.0.n.0/24; `peers` its directory.
    Site& add(int n, std::vector<Peer> peers, const std::function<void(NodeSettings&)>& tweak = {},
              std::shared_ptr<FakeKernel> kernel = nullptr) {
        const auto id = ike::sim::make_node(ca, name(n), wan(n), subnet(n), 1000 + static_cast<std::uint64_t>(n));
        NodeSettings s;
        s.ike = ike::sim::make_config(ca, id);
        s.ike.timers.liveness_after = ike::Duration{0};
        s.local_addresses = {wan(n)};
        if (tweak) tweak(s);
        auto site = std::make_unique<Site>();
        site->n = n;
        site->kernel = kernel ? kernel : std::make_shared<FakeKernel>();
        site->kernel->next_spi = 0xc0000000u + 0x1000u * static_cast<std::uint32_t>(n);
        auto node = Node::create(std::move(s), std::move(peers), ike::crypto::make_seeded_rng(7919u * static_cast<std::uint64_t>(n) + 1),
                                 site->kernel);
        REQUIRE(node);
        site->node = std::move(*node);
        m_sites.push_back(std::move(site));
        return *m_sites.back();
    }

    // Sites 1..count, each with all the others as its directory, started.
    void full(int count, const std::function<void(NodeSettings&)>& tweak = {}) {
        for (int n = 1; n <= count; ++n) {
            std::vector<Peer> dir;
            for (int k = 1; k <= count; ++k) dir.push_back(peer(k));  // its own entry is skipped by Node
            add(n, dir, tweak);
        }
        for (auto& s : m_sites) s->node->start(now);
        drain_all();
    }

    Site& site(int n) {
        for (auto& s : m_sites)
            if (s->n == n) return *s;
        FAIL("no site " << n);
        return *m_sites.front();
    }

    void drain(Site& s) {
        while (auto o = s.node->poll_output()) {
            if (auto* k = std::get_if<KernelCommand>(&*o)) {
                std::optional<xfrm::Counters> usage;
                const auto failure = s.kernel->apply(*k, &usage);
                if (std::holds_alternative<QuerySa>(k->op)) {
                    s.node->on_sa_usage(std::get<QuerySa>(k->op).id, usage, now);
                } else if (failure) {
                    s.node->on_kernel_error(*k, failure->no_esp ? Node::KernelLack::esp : Node::KernelLack::none, failure->message, now);
                }
            } else if (auto* t = std::get_if<ike::Transmit>(&*o)) {
                ++s.sent;
                if (t->data.size() == 1 && t->data[0] == 0xff) s.keepalives.push_back(*t);
                if (drop && drop(t->local, t->remote)) continue;
                m_queue.push(InFlight{now + delay, m_seq++, t->local, t->remote, std::move(t->data)});
            } else if (auto* l = std::get_if<LogRecord>(&*o)) {
                s.logs.push_back(*l);
            } else if (auto* st = std::get_if<Status>(&*o)) {
                s.statuses.push_back(*st);
            } else if (auto* kl = std::get_if<KeyLog>(&*o)) {
                s.key_logs.push_back(*kl);
            }
        }
    }

    void drain_all() {
        for (auto& s : m_sites) drain(*s);
    }

    // Runs until `done` or `max` of virtual time passed: delivers datagrams and fires timers.
    bool run_until(const std::function<bool()>& done, ike::Duration max) {
        const auto end = now + max;
        for (int guard = 0; guard < 1000000; ++guard) {
            drain_all();
            if (done()) return true;
            std::optional<ike::Time> timer;
            for (auto& s : m_sites)
                if (auto t = s->node->next_timeout(); t && (!timer || *t < *timer)) timer = t;
            const bool packet = !m_queue.empty() && (!timer || m_queue.top().at <= *timer);
            const auto next = packet ? m_queue.top().at : timer ? *timer : end;
            if (next > end || (!packet && !timer)) {
                now = std::max(now, end);
                return done();
            }
            now = std::max(now, next);
            if (packet) {
                auto d = m_queue.top();
                m_queue.pop();
                for (auto& s : m_sites)
                    if (wan(s->n) == d.to.ip) s->node->on_datagram(d.data, d.to, d.from, now);
            } else {
                for (auto& s : m_sites)
                    if (auto t = s->node->next_timeout(); t && *t <= now) s->node->on_tick(now);
            }
        }
        return false;
    }
    void run_for(ike::Duration d) { run_until([] { return false; }, d); }

    // A packet from site `from`'s host to site `to`'s host hits `from`'s trap: the kernel's ACQUIRE.
    xfrm::AcquireEvent acquire_event(int from, int to, std::uint8_t host = 5) {
        auto& s = site(from);
        const auto sel = xfrm::Selector::between(to_xfrm(subnet(from).start), 24, to_xfrm(subnet(to).start), 24);
        const auto* trap = s.kernel->find_policy(sel, xfrm::Direction::out);
        REQUIRE(trap != nullptr);
        xfrm::AcquireEvent a;
        a.src = xwan(from);
        a.dst = xwan(to);
        a.packet = xfrm::Selector::between(xfrm::Address::ipv4(10, 0, static_cast<std::uint8_t>(from), host), 32,
                                           xfrm::Address::ipv4(10, 0, static_cast<std::uint8_t>(to), 7), 32);
        a.packet.proto = 1;  // ICMP
        a.policy.policy = *trap;
        a.seq = 1;
        return a;
    }
    void acquire(int from, int to, std::uint8_t host = 5) {
        site(from).node->on_acquire(acquire_event(from, to, host), now);
        drain_all();
    }

    bool tunnel_up(int a, int b) {
        const auto has = [&](int x, int y) {
            for (const auto& t : site(x).node->tunnels())
                if (t.peer == name(y)) return true;
            return false;
        };
        return has(a, b) && has(b, a);
    }

private:
    struct InFlight {
        ike::Time at;
        std::uint64_t seq;
        ike::SocketAddress from, to;
        std::vector<std::uint8_t> data;
        bool operator>(const InFlight& o) const { return at != o.at ? at > o.at : seq > o.seq; }
    };
    std::vector<std::unique_ptr<Site>> m_sites;
    std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>> m_queue;
    std::uint64_t m_seq = 0;
};

}  // namespace meshd::test
