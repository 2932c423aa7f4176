// What Node's tunnels, traps and policies look like in the kernel: SAs built from a ChildSaUp,
// trap policies per peer subnet pair, shared (reference-counted) negotiated policies, and the
// moves a NAT rebinding needs. Everything goes out as KernelCommands in order.
#include <algorithm>

#include "convert.hpp"
#include "node_state.hpp"

namespace meshd {

void Node::State::emit(KernelOp op, std::uint64_t child) { shared->out.emplace_back(KernelCommand{std::move(op), child}); }

void Node::State::log(LogLevel level, std::string event, std::string peer, std::string reason, std::string algorithms,
                      std::string detail) {
    shared->out.emplace_back(LogRecord{level, std::move(event), std::move(peer), std::move(reason), std::move(algorithms),
                                       std::move(detail)});
}

std::uint32_t Node::State::reqid_for(const std::string& name) {
    const auto it = reqids.find(name);
    if (it != reqids.end()) return it->second;
    const auto& own = settings.ownership;
    // Past the end of the range we would have to reuse a reqid: wrap (a mesh of 65,536 nodes is
    // far beyond what one node keeps traps for).
    const std::uint32_t id = own.reqid_min + next_reqid % (own.reqid_max - own.reqid_min + 1);
    ++next_reqid;
    reqids.emplace(name, id);
    return id;
}

PeerState& Node::State::peer_named(const std::string& name) {
    auto [it, fresh] = peers.try_emplace(name);
    if (fresh) {
        it->second.peer.name = name;
        it->second.reqid = reqid_for(name);
    }
    return it->second;
}

std::optional<ike::IpAddress> Node::State::local_address_for(const ike::IpAddress& remote) const {
    for (const auto& a : settings.local_addresses)
        if (a.family == remote.family) return a;
    return std::nullopt;
}

void Node::State::install_traps(PeerState& p) {
    const ike::IpAddress* endpoint = nullptr;
    std::optional<ike::IpAddress> local;
    for (const auto& e : p.peer.endpoints)
        if ((local = local_address_for(e))) {
            endpoint = &e;
            break;
        }
    if (endpoint == nullptr) return;  // no endpoint we can reach: it comes to us
    for (const auto& s : selectors(settings.ike.local_traffic, p.peer.subnets)) {
        xfrm::Policy policy;
        policy.selector = s;
        policy.dir = xfrm::Direction::out;
        policy.priority = settings.trap_priority;
        policy.mark = settings.ownership.mark;
        xfrm::Template t;
        t.src = to_xfrm(*local);
        t.dst = to_xfrm(*endpoint);
        t.reqid = p.reqid;
        policy.templates.push_back(t);
        const auto key = policy_key(s, xfrm::Direction::out);
        auto [it, fresh] = policies.try_emplace(key);
        if (fresh) {
            it->second.policy = policy;
            emit(AddPolicy{policy});
        } else if (it->second.trap) {
            continue;  // two peers claim the same subnet pair: the first keeps it
        }
        it->second.trap = true;
        p.traps.push_back(key);
    }
    log(LogLevel::debug, "trap", p.peer.name, "installed", {}, std::to_string(p.traps.size()) + " policies");
}

void Node::State::release_policy(const std::string& key, bool as_trap) {
    const auto it = policies.find(key);
    if (it == policies.end()) return;
    if (as_trap)
        it->second.trap = false;
    else if (it->second.refs > 0)
        --it->second.refs;
    if (it->second.refs == 0 && !it->second.trap) {
        emit(DeletePolicy{xfrm::PolicyId::of(it->second.policy)});
        policies.erase(it);
    }
}

// The packet that raised the ACQUIRE (and those after it) wait in the kernel on the trap
// (xfrm_larval_drop = 0), which retries them on a timer of its own: 100 ms, then 300 ms, 700 ms
// ... after the first, whenever the SAs came. A policy replaced (XFRM_MSG_UPDPOLICY, the same
// policy) hands its queue to the new one and retries it at once (xfrm_policy_requeue), so the
// first packet leaves when its tunnel is up, not at the next tick.
void Node::State::release_held_packets(const PeerState& p, std::uint64_t child) {
    for (const auto& key : p.traps)
        if (const auto it = policies.find(key); it != policies.end() && it->second.trap)
            emit(UpdatePolicy{it->second.policy}, child);
}

void Node::State::remove_traps(PeerState& p) {
    for (const auto& key : p.traps) release_policy(key, true);
    p.traps.clear();
}

std::vector<std::string> Node::State::child_policies(const ike::TrafficSelectors& local,
                                                     const ike::TrafficSelectors& remote,
                                                     const ike::SocketAddress& local_addr,
                                                     const ike::SocketAddress& remote_addr, std::uint32_t reqid,
                                                     std::uint64_t child) {
    std::vector<std::string> keys;
    const auto add = [&](const xfrm::Selector& s, xfrm::Direction dir, const ike::SocketAddress& src,
                         const ike::SocketAddress& dst) {
        const auto key = policy_key(s, dir);
        auto [it, fresh] = policies.try_emplace(key);
        if (fresh) {
            auto& p = it->second.policy;
            p.selector = s;
            p.dir = dir;
            p.priority = settings.child_priority;
            p.mark = settings.ownership.mark;
            xfrm::Template t;
            t.src = to_xfrm(src.ip);
            t.dst = to_xfrm(dst.ip);
            t.reqid = reqid;
            p.templates.push_back(t);
            emit(AddPolicy{p}, child);
        }
        ++it->second.refs;
        keys.push_back(key);
    };
    // An out policy equal to a trap is the trap itself (the kernel keys policies by selector and
    // direction): the SA with the trap's reqid serves it.
    for (const auto& s : selectors(local, remote)) {
        add(s, xfrm::Direction::out, local_addr, remote_addr);
        add(reversed(s), xfrm::Direction::in, remote_addr, local_addr);
        add(reversed(s), xfrm::Direction::fwd, remote_addr, local_addr);
    }
    return keys;
}

void Node::State::remove_child_state(ChildState& c) {
    // Inbound first: the peer has stopped using it (DELETE or rekey), the outbound after it.
    if (!c.in.gone) emit(DeleteSa{xfrm::SaId::of(c.in.sa)}, c.id.value);
    if (!c.out.gone) emit(DeleteSa{xfrm::SaId::of(c.out.sa)}, c.id.value);
    for (const auto& key : c.policies) release_policy(key, false);
    c.policies.clear();
}

xfrm::Sa Node::State::make_sa(const ike::EspSa& esp, const ike::ChildSaUp& up, std::uint32_t reqid) const {
    xfrm::Sa sa;
    sa.src = to_xfrm(esp.source.ip);
    sa.dst = to_xfrm(esp.destination.ip);
    sa.spi = esp.spi;
    sa.mode = up.mode == ike::Mode::tunnel ? xfrm::Mode::tunnel : xfrm::Mode::transport;
    sa.reqid = reqid;
    sa.transform = to_transform(esp.keys);
    sa.replay = xfrm::Replay{up.esn, settings.replay_window};
    sa.mark = settings.ownership.mark;
    // The reqid is the peer's, shared by all its children: without a selector the kernel would
    // send a packet for any of the peer's subnets through whichever of its SAs it finds (and the
    // peer drop it), instead of asking (ACQUIRE) for a child that covers it. One selector pair
    // (the usual narrowed result) goes on the SA; several leave it open.
    if (const auto sels = selectors(up.local_ts, up.remote_ts); sels.size() == 1)
        sa.selector = &esp == &up.inbound ? reversed(sels.front()) : sels.front();
    const auto limit = [](std::uint64_t v) { return v == 0 ? xfrm::infinite : v; };
    auto soft = static_cast<std::uint64_t>(settings.child_soft.count());
    if (soft > 0 && settings.jitter_percent > 0) {
        // Jitter from the SPI: the two ends (and the two directions) expire at different moments,
        // so one of them starts the rekey instead of both at once.
        const std::uint64_t spread = soft * std::min(settings.jitter_percent, 100u) / 100;
        if (spread > 0) soft -= (static_cast<std::uint64_t>(esp.spi) * 2654435761u) % (spread + 1);
    }
    sa.lifetime.soft_add_seconds = std::max<std::uint64_t>(soft, settings.child_soft.count() > 0 ? 1 : 0);
    sa.lifetime.hard_add_seconds = static_cast<std::uint64_t>(settings.child_hard.count());
    sa.lifetime.soft_bytes = limit(settings.soft_bytes);
    sa.lifetime.hard_bytes = limit(settings.hard_bytes);
    sa.lifetime.soft_packets = limit(settings.soft_packets);
    sa.lifetime.hard_packets = limit(settings.hard_packets);
    if (up.udp_encapsulation) sa.encap = xfrm::Encap{esp.source.port, esp.destination.port, {}};
    return sa;
}

void Node::State::move_sa(Direction& d, const ike::SocketAddress& src, const ike::SocketAddress& dst, bool encap,
                          std::uint64_t child) {
    if (d.gone) return;
    auto moved = d.sa;
    moved.src = to_xfrm(src.ip);
    moved.dst = to_xfrm(dst.ip);
    moved.encap.reset();
    if (encap) moved.encap = xfrm::Encap{src.port, dst.port, {}};
    if (moved.src == d.sa.src && moved.dst == d.sa.dst && moved.encap == d.sa.encap) return;
    const auto old_id = xfrm::SaId::of(d.sa);
    const auto new_id = xfrm::SaId::of(moved);
    if (new_id.dst == old_id.dst && moved.encap.has_value() == d.sa.encap.has_value()) {
        emit(UpdateSa{moved}, child);  // same SA, new addresses or ports
    } else if (new_id.dst == old_id.dst) {
        emit(DeleteSa{old_id}, child);  // the kernel cannot add or drop encapsulation in place
        emit(AddSa{moved}, child);
    } else {
        emit(AddSa{moved}, child);  // a new destination is a new SA: add before delete
        emit(DeleteSa{old_id}, child);
    }
    d.sa = std::move(moved);
}

void Node::State::retarget_policies(const ChildState& c, const ike::SocketAddress& local,
                                    const ike::SocketAddress& remote) {
    for (const auto& key : c.policies) {
        const auto it = policies.find(key);
        if (it == policies.end()) continue;
        auto& p = it->second.policy;
        bool changed = false;
        for (auto& t : p.templates) {
            const bool out = p.dir == xfrm::Direction::out;
            const auto src = to_xfrm(out ? local.ip : remote.ip);
            const auto dst = to_xfrm(out ? remote.ip : local.ip);
            if (t.src != src || t.dst != dst) {
                t.src = src;
                t.dst = dst;
                changed = true;
            }
        }
        if (changed) emit(UpdatePolicy{p}, c.id.value);
    }
}

}  // namespace meshd
