// The simulated network: one event at a time (a delivery or a timeout), in virtual time order.
#include "network.hpp"

#include <algorithm>
#include <utility>

namespace ike::sim {
namespace {

class PoolAllocator final : public SpiAllocator {
public:
    explicit PoolAllocator(std::shared_ptr<SpiPool> p) : m_pool(std::move(p)) {}
    std::optional<std::uint32_t> allocate(const SocketAddress&, const SocketAddress&) override {
        if (m_pool->exhausted) return std::nullopt;
        const auto spi = m_pool->next++;
        m_pool->live[spi] = true;
        return spi;
    }
    void release(std::uint32_t spi) override { m_pool->live.erase(spi); }

private:
    std::shared_ptr<SpiPool> m_pool;
};

}  // namespace

std::unique_ptr<SpiAllocator> make_spi_allocator(std::shared_ptr<SpiPool> pool) {
    return std::make_unique<PoolAllocator>(std::move(pool));
}

Time start_time() { return Time{std::chrono::seconds{1780272000}}; }  // 2026-06-01T00:00:00Z

Network::Network(std::uint64_t seed, Conditions c) : m_cond(c), m_rng(seed), m_now(start_time()) {}

Network::Node& Network::add(std::string name, IpAddress ip, Endpoint endpoint, std::shared_ptr<SpiPool> spis) {
    auto n = std::make_unique<Node>();
    n->name = std::move(name);
    n->ip = ip;
    n->endpoint = std::make_unique<Endpoint>(std::move(endpoint));
    n->spis = std::move(spis);
    m_nodes.push_back(std::move(n));
    return *m_nodes.back();
}

void Network::add_nat(const IpAddress& inside, const IpAddress& outside) { m_nat_outside[inside] = outside; }

void Network::rebind_nat(const IpAddress& inside) {
    std::erase_if(m_nat_out, [&](const auto& e) { return e.first.first == inside; });
    std::erase_if(m_nat_in, [&](const auto& e) { return e.second.ip == inside; });
}

Network::Node& Network::node(const std::string& name) {
    for (auto& n : m_nodes)
        if (n->name == name) return *n;
    return *m_nodes.front();
}

Duration Network::random_delay() {
    std::uniform_int_distribution<long> d(m_cond.min_delay.count(), m_cond.max_delay.count());
    Duration delay{d(m_rng)};
    std::uniform_real_distribution<double> u(0.0, 1.0);
    if (u(m_rng) < m_cond.reorder) {
        std::uniform_int_distribution<long> r(0, m_cond.reorder_delay.count());
        delay += Duration{r(m_rng)};
    }
    return delay;
}

SocketAddress Network::outbound_nat(const SocketAddress& a) {
    const auto it = m_nat_outside.find(a.ip);
    if (it == m_nat_outside.end()) return a;
    auto [pit, fresh] = m_nat_out.try_emplace({a.ip, a.port}, m_next_nat_port);
    if (fresh) {
        ++m_next_nat_port;
        m_nat_in[{it->second, pit->second}] = a;
    }
    return SocketAddress{it->second, pit->second};
}

std::optional<SocketAddress> Network::inbound_nat(const SocketAddress& a) const {
    const auto it = m_nat_in.find({a.ip, a.port});
    if (it != m_nat_in.end()) return it->second;
    for (const auto& [inside, outside] : m_nat_outside)
        if (outside == a.ip) return std::nullopt;  // no mapping: the NAT drops it
    return a;
}

void Network::send(const SocketAddress& from, const SocketAddress& to, std::vector<std::uint8_t> data) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const std::size_t ip_header = to.ip.family == IpAddress::Family::v4 ? 20 : 40;
    if (m_cond.path_mtu != 0 && ip_header + 8 + data.size() > m_cond.path_mtu) {
        ++too_big;
        ++dropped;
        return;
    }
    if (u(m_rng) < m_cond.loss || (drop && drop(from, to, data))) {
        ++dropped;
        return;
    }
    const auto src = outbound_nat(from);
    if (u(m_rng) < m_cond.duplicate) {
        ++duplicated;
        m_queue.push(InFlight{m_now + random_delay(), m_seq++, src, to, data});
    }
    m_queue.push(InFlight{m_now + random_delay(), m_seq++, src, to, std::move(data)});
}

void Network::inject(const SocketAddress& from, const SocketAddress& to, std::vector<std::uint8_t> data) {
    m_queue.push(InFlight{m_now, m_seq++, from, to, std::move(data)});
}

void Network::touch(std::size_t i) {
    m_dirty.insert(i);
    const auto t = m_nodes[i]->endpoint->next_timeout();
    if (t == m_deadline[i]) return;
    m_deadline[i] = t;
    if (t) m_timers.emplace(*t, i);
}

// Tests add and remove nodes (a restart) between runs, so the indexes are rebuilt at each run.
void Network::reindex() {
    m_by_ip.clear();
    m_dirty.clear();
    m_deadline.assign(m_nodes.size(), std::nullopt);
    m_timers = {};
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
        m_by_ip.try_emplace(m_nodes[i]->ip, i);  // a second node on one address never receives, as before
        touch(i);
    }
}

// In node order, as the network did when it polled every node: the seeded delays come out the same.
void Network::drain() {
    for (const auto i : std::exchange(m_dirty, {})) {
        auto& n = *m_nodes[i];
        while (auto t = n.endpoint->poll_transmit()) send(t->local, t->remote, std::move(t->data));
        while (auto e = n.endpoint->poll_event()) n.events.push_back(std::move(*e));
    }
}

void Network::deliver(InFlight& d) {
    const auto to = inbound_nat(d.to);
    if (!to) {
        ++dropped;
        return;
    }
    const auto it = m_by_ip.find(to->ip);
    if (it == m_by_ip.end()) {
        ++dropped;
        return;
    }
    ++delivered;
    if (tap) tap(d.from, *to, d.data);
    m_nodes[it->second]->endpoint->handle_datagram(d.data, *to, d.from, m_now);
    touch(it->second);
}

// An entry is live while it still is its node's deadline; the others are dropped as they surface.
std::optional<Time> Network::next_timer() {
    while (!m_timers.empty()) {
        const auto [t, i] = m_timers.top();
        if (m_deadline[i] == t) return t;
        m_timers.pop();
    }
    return std::nullopt;
}

void Network::fire_timers() {
    std::set<std::size_t> due;  // node order, as before
    while (auto t = next_timer()) {
        if (*t > m_now) break;
        const auto i = m_timers.top().second;
        m_timers.pop();
        m_deadline[i].reset();
        due.insert(i);
    }
    for (const auto i : due) {
        m_nodes[i]->endpoint->handle_timeout(m_now);
        touch(i);
    }
}

bool Network::run_until(const std::function<bool()>& done, Duration max) {
    const Time end = m_now + max;
    Time last = m_now;
    unsigned same_time = 0;
    reindex();
    for (;;) {
        if (m_now == last) {
            if (++same_time > 1000000) return false;  // a timer that never clears: a bug, not a hang
        } else {
            last = m_now;
            same_time = 0;
        }
        drain();
        if (done()) return true;
        const auto timer = next_timer();
        const bool packet = !m_queue.empty() && (!timer || m_queue.top().at <= *timer);
        const Time next = packet ? m_queue.top().at : timer ? *timer : end;
        if (next > end || (!packet && !timer)) {
            m_now = std::max(m_now, end);
            return done();
        }
        m_now = std::max(m_now, next);
        if (packet) {
            auto d = m_queue.top();
            m_queue.pop();
            deliver(d);
        } else {
            fire_timers();
        }
    }
}

bool Network::run_idle(Duration max) {
    return run_until([&] { return m_queue.empty() && !next_timer(); }, max);
}

}  // namespace ike::sim
