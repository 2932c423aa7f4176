// Node's side of meshctl (node.hpp): the snapshot status shows, and up / down / down --hold.
#include <algorithm>

#include "convert.hpp"
#include "node_state.hpp"

namespace meshd {

Snapshot Node::snapshot() const {
    const auto& s = *m_state;
    Snapshot out;
    out.name = s.settings.ike.credentials.local_id.to_string();
    out.counters = s.ep->counters();
    out.state = s.ep->state_counts();
    out.stopping = s.stopping;
    for (const auto& [name, p] : s.peers) {
        PeerSnapshot ps;
        ps.peer = p.peer;
        ps.reqid = p.reqid;
        ps.listed = p.listed;
        ps.held = p.held;
        ps.traps = p.traps.size();
        ps.pending = p.pending.has_value();
        ps.failures = p.failures;
        if (p.retry_at != ike::Time{}) ps.retry_at = p.retry_at;
        out.peers.push_back(std::move(ps));
    }
    for (auto& info : s.ep->sa_info()) {
        IkeSnapshot is;
        const auto it = s.ikes.find(info.id);
        if (it != s.ikes.end()) {
            is.peer = it->second.peer;
            is.up_since = it->second.up_since;
        } else if (info.peer_id) {
            is.peer = info.peer_id->to_string();
        }
        is.sa = std::move(info);
        out.ikes.push_back(std::move(is));
    }
    for (const auto& [id, c] : s.children) {
        ChildSnapshot cs;
        cs.id = id;
        cs.ike = c.ike;
        cs.peer = c.peer;
        cs.reqid = c.reqid;
        cs.in = c.in.sa;
        cs.out = c.out.sa;
        cs.local_ts = c.local_ts;
        cs.remote_ts = c.remote_ts;
        cs.algorithms = c.algorithms;
        for (const auto& key : c.policies)
            if (const auto pit = s.policies.find(key); pit != s.policies.end()) cs.policies.push_back(pit->second.policy);
        cs.installed_at = c.installed_at;
        cs.last_active = c.last_active;
        cs.deleting = c.deleting;
        // The kernel rekeys at the earlier of the two SAs' soft expiries (node.hpp).
        std::uint64_t soft = 0;
        for (const auto* sa : {&c.in.sa, &c.out.sa})
            if (sa->lifetime.soft_add_seconds != 0 && (soft == 0 || sa->lifetime.soft_add_seconds < soft))
                soft = sa->lifetime.soft_add_seconds;
        if (soft != 0) cs.next_rekey = c.installed_at + std::chrono::seconds(soft);
        out.children.push_back(std::move(cs));
    }
    return out;
}

std::string peer_state(const Snapshot& s, const PeerSnapshot& p) {
    const auto& name = p.peer.name;
    if (std::any_of(s.children.begin(), s.children.end(), [&](const ChildSnapshot& c) { return c.peer == name && !c.deleting; }))
        return "up";
    if (p.held) return "held";
    if (p.pending || std::any_of(s.ikes.begin(), s.ikes.end(), [&](const IkeSnapshot& i) {
            return i.peer == name && i.sa.state != "established";
        }))
        return "negotiating";
    return p.traps > 0 ? "trap" : "idle";
}

ike::Expected<std::string, CommandRefusal> Node::up(const std::string& name, ike::Time now) {
    auto& s = *m_state;
    if (s.stopping) return ike::unexpected(CommandRefusal{CommandRefusal::Kind::stopping, "meshd is stopping"});
    const auto it = s.peers.find(name);
    if (it == s.peers.end() || !it->second.listed)
        return ike::unexpected(CommandRefusal{CommandRefusal::Kind::unknown_peer, "unknown peer " + name});
    auto& p = it->second;
    const bool was_held = p.held;
    p.held = false;
    p.retry_at = {};  // an administrator's explicit request overrides the backoff
    for (const auto& [id, c] : s.children)
        if (c.peer == name && !c.deleting) return std::string(was_held ? "released; already up" : "already up");
    if (p.pending) return std::string("under way");
    const ike::IpAddress* endpoint = nullptr;
    std::optional<ike::IpAddress> local;
    for (const auto& e : p.peer.endpoints)
        if ((local = s.local_address_for(e))) {
            endpoint = &e;
            break;
        }
    if (endpoint == nullptr || p.peer.subnets.empty())
        return ike::unexpected(CommandRefusal{CommandRefusal::Kind::no_endpoint,
                                              name + " has no endpoint we can reach: it brings the tunnel up itself"});
    ike::InitiateRequest r;
    r.remote = ike::SocketAddress{*endpoint, s.settings.ike_port};
    r.local = ike::SocketAddress{*local, s.settings.ike_port};
    r.peer_id = ike::Identity::fqdn(name);
    r.local_ts = s.settings.ike.local_traffic;
    r.remote_ts = p.peer.subnets;
    r.tag = p.reqid;
    const auto id = s.ep->initiate(r, now);
    if (!id) return ike::unexpected(CommandRefusal{CommandRefusal::Kind::failed, "the IKE engine refused the initiation"});
    p.pending = *id;
    p.pending_since = now;
    s.log(LogLevel::notice, "initiate", name, "meshctl up");
    s.pump(now);
    return std::string("initiated");
}

ike::Expected<std::string, CommandRefusal> Node::down(const std::string& name, bool hold, ike::Time now) {
    auto& s = *m_state;
    if (s.stopping) return ike::unexpected(CommandRefusal{CommandRefusal::Kind::stopping, "meshd is stopping"});
    const auto it = s.peers.find(name);
    if (it == s.peers.end())
        return ike::unexpected(CommandRefusal{CommandRefusal::Kind::unknown_peer, "unknown peer " + name});
    it->second.held = hold;
    std::vector<ike::IkeSaId> ids;
    for (const auto& [id, i] : s.ikes)
        if (i.peer == name) ids.push_back(id);
    for (auto& [id, c] : s.children)
        if (c.peer == name) c.deleting = true;
    for (const auto id : ids) (void)s.ep->delete_ike(id, now);
    s.log(LogLevel::notice, "down", name, hold ? "meshctl down --hold" : "meshctl down", {},
          std::to_string(ids.size()) + " IKE SAs deleted");
    s.pump(now);
    return std::to_string(ids.size()) + " IKE SAs deleted" + (hold ? ", held" : "");
}

}  // namespace meshd
