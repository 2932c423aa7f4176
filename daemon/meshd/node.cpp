// Node's flows (DAEMON.md): start, ACQUIRE -> initiate, ChildSaUp -> install, rekey
// make-before-break, expiry, idle, reload, revocation, backoff, NAT rebinding, stop.
#include "node.hpp"

#include <algorithm>

#include "convert.hpp"
#include "crypto/transforms.hpp"
#include "ike/keylog.hpp"
#include "node_state.hpp"

namespace meshd {
namespace {

using ike::Time;

// The SPI allocator libike calls: ALLOCSPI through the SpiSource (a larval SA), and a larval SA
// whose SPI libike gives back before it was installed is deleted again.
class KernelSpis final : public ike::SpiAllocator {
public:
    explicit KernelSpis(std::shared_ptr<Shared> shared) : m_shared(std::move(shared)) {}
    std::optional<std::uint32_t> allocate(const ike::SocketAddress& local, const ike::SocketAddress& remote) override {
        xfrm::SpiRequest request;
        request.src = to_xfrm(remote.ip);
        request.dst = to_xfrm(local.ip);
        const auto spi = m_shared->source->alloc_spi(request);
        if (spi) m_shared->larval[*spi] = request.dst;
        return spi;
    }
    void release(std::uint32_t spi) override {
        const auto it = m_shared->larval.find(spi);
        if (it == m_shared->larval.end()) return;  // installed: ChildSaDown removes it
        xfrm::SaId id;
        id.dst = it->second;
        id.spi = spi;
        m_shared->out.emplace_back(KernelCommand{DeleteSa{id}, 0});
        m_shared->larval.erase(it);
    }

private:
    std::shared_ptr<Shared> m_shared;
};

const char* reason_name(ike::DownReason r) {
    switch (r) {
        case ike::DownReason::deleted_locally: return "deleted locally";
        case ike::DownReason::deleted_by_peer: return "deleted by peer";
        case ike::DownReason::dead_peer: return "dead peer";
        case ike::DownReason::retransmit_timeout: return "retransmit timeout";
        case ike::DownReason::auth_failed: return "authentication failed";
        case ike::DownReason::negotiation_failed: return "negotiation failed";
        case ike::DownReason::revoked: return "revoked";
        case ike::DownReason::cert_expired: return "certificate expired";
        case ike::DownReason::rekeyed: return "rekeyed";
        case ike::DownReason::lifetime_expired: return "lifetime expired";
        case ike::DownReason::peer_restarted: return "peer restarted";
    }
    return "?";
}

const char* rekey_failure_name(ike::RekeyFailure r) {
    switch (r) {
        case ike::RekeyFailure::refused: return "refused";
        case ike::RekeyFailure::invalid_ke: return "invalid KE";
        case ike::RekeyFailure::no_proposal_chosen: return "no proposal chosen";
        case ike::RekeyFailure::timeout: return "timeout";
        case ike::RekeyFailure::bad_answer: return "bad answer";
    }
    return "?";
}

// Failures that say "this peer cannot be reached or will not have us now": back off.
bool is_failure(ike::DownReason r) {
    switch (r) {
        case ike::DownReason::dead_peer:
        case ike::DownReason::retransmit_timeout:
        case ike::DownReason::auth_failed:
        case ike::DownReason::negotiation_failed:
        case ike::DownReason::revoked:
        case ike::DownReason::cert_expired: return true;
        case ike::DownReason::deleted_locally:
        case ike::DownReason::deleted_by_peer:
        case ike::DownReason::rekeyed:
        case ike::DownReason::lifetime_expired:
        case ike::DownReason::peer_restarted: return false;
    }
    return false;
}

std::string ike_algorithms(const ike::crypto::IkeSuite& s) {
    const auto* e = ike::crypto::find_encr(s.sk.encr, s.sk.key_bits);
    const auto* p = ike::crypto::find_prf(s.prf);
    const auto* k = ike::crypto::find_ke(s.ke);
    std::string out = e ? std::string(e->name) : "?";
    out += std::string(" ") + (p ? std::string(p->name) : "?") + " " + (k ? std::string(k->name) : "?");
    return out;
}

std::string child_algorithms(const ike::ChildSaUp& up) {
    auto s = "ESP " + esp_name(up.inbound.keys.suite);
    if (up.esn) s += " ESN";
    if (up.udp_encapsulation) s += " UDP-encap";
    return s;
}

ike::TrafficSelector packet_ts(const xfrm::Address& a, std::uint8_t proto, std::uint16_t port, std::uint16_t mask) {
    auto ts = ike::TrafficSelector::host(to_ike(a));
    ts.ip_protocol = proto;
    if (mask == 0xffff) ts.start_port = ts.end_port = port;
    return ts;
}

}  // namespace

// The flows, as member functions of a helper that sees the State.
struct Flows {
    Node::State& s;

    void pump(Time now) {
        for (bool more = true; more;) {
            more = false;
            while (auto e = s.ep->poll_event()) {
                handle(std::move(*e), now);
                more = true;
            }
            while (auto t = s.ep->poll_transmit()) {
                s.shared->out.emplace_back(std::move(*t));
                more = true;
            }
        }
        if (s.stopping && !s.stopped && (s.ep->state_counts().ike_sas == 0 || now >= s.stop_deadline)) finish_stop();
    }

    void handle(ike::Event event, Time now) {
        std::visit([&](auto& e) { on(e, now); }, event);
    }

    void failure(PeerState& p, Time now, const std::string& reason) {
        ++p.failures;
        p.pending.reset();
        auto delay = s.settings.backoff_initial;
        for (unsigned i = 1; i < p.failures && delay < s.settings.backoff_max; ++i) delay *= 2;
        delay = std::min(delay, s.settings.backoff_max);
        p.retry_at = now + delay;
        s.log(LogLevel::warning, "failure", p.peer.name, reason, {},
              "attempt " + std::to_string(p.failures) + ", next in " + std::to_string(delay.count()) + " s");
    }

    PeerState* peer_by_reqid(std::uint32_t reqid) {
        for (auto& [name, p] : s.peers)
            if (p.reqid == reqid) return &p;
        return nullptr;
    }

    PeerState* peer_by_address(const ike::IpAddress& a) {
        for (auto& [name, p] : s.peers)
            if (std::find(p.peer.endpoints.begin(), p.peer.endpoints.end(), a) != p.peer.endpoints.end()) return &p;
        return nullptr;
    }

    void on(ike::IkeSaUp& e, Time now) {
        auto name = e.peer_id.to_string();
        s.ikes[e.ike] = IkeState{name, e.local, e.remote, std::nullopt, now};
        if (e.nat.local_behind_nat && s.settings.nat_keepalive.count() > 0)
            s.ikes[e.ike].next_keepalive = now + s.settings.nat_keepalive;
        if (e.replaces) {
            for (auto& [id, c] : s.children)
                if (c.ike == *e.replaces) c.ike = e.ike;
            s.log(LogLevel::info, "ike-rekey", name, "rekeyed", ike_algorithms(e.suite));
            return;
        }
        s.log(LogLevel::info, "ike-up", name, e.initiator ? "initiated" : "responded", ike_algorithms(e.suite),
              e.nat.any() ? "NAT detected" : "");
    }

    void on(ike::IkeSaDown& e, Time now) {
        const auto it = s.ikes.find(e.ike);
        if (it == s.ikes.end()) {
            // A half-open IKE SA: IkeSaDown does not say which peer it was for. Charge the one
            // peer with an initiation under way and no IKE SA up, if it is one.
            if (!is_failure(e.reason)) return;
            PeerState* only = nullptr;
            int candidates = 0;
            for (auto& [name, p] : s.peers) {
                if (!p.pending) continue;
                const std::string& peer = name;  // clang 14 cannot capture a structured binding
                const bool has_ike = std::any_of(s.ikes.begin(), s.ikes.end(), [&](const auto& i) { return i.second.peer == peer; });
                if (!has_ike) {
                    only = &p;
                    ++candidates;
                }
            }
            if (candidates == 1) failure(*only, now, std::string(reason_name(e.reason)) + (e.detail.empty() ? "" : ": " + e.detail));
            return;
        }
        const auto name = it->second.peer;
        s.ikes.erase(it);
        if (e.reason == ike::DownReason::rekeyed) return;
        s.log(is_failure(e.reason) ? LogLevel::warning : LogLevel::info, "ike-down", name, reason_name(e.reason), {},
              e.detail);
        auto p = s.peers.find(name);
        if (p != s.peers.end() && is_failure(e.reason) && e.reason != ike::DownReason::dead_peer)
            failure(p->second, now, reason_name(e.reason));
        else if (p != s.peers.end())
            p->second.pending.reset();
    }

    void on(ike::ChildSaUp& e, Time now) {
        PeerState* p = e.tag != 0 ? peer_by_reqid(static_cast<std::uint32_t>(e.tag)) : nullptr;
        if (p == nullptr) {
            const auto it = s.ikes.find(e.ike);
            p = &s.peer_named(it != s.ikes.end() ? it->second.peer : e.outbound.destination.ip.to_string());
        }
        if (p->pending == e.child) p->pending.reset();
        p->failures = 0;
        p->retry_at = {};
        if (!s.shared->larval.contains(e.inbound.spi)) {
            // libike gave the SPI back already (the child went down in the same step).
            s.log(LogLevel::debug, "tunnel-skip", p->peer.name, "down before install");
            return;
        }
        s.shared->larval.erase(e.inbound.spi);
        if (s.settings.ike.export_keys) s.shared->out.emplace_back(KeyLog{"esp_sa", ike::esp_sa_lines(e)});
        ChildState c;
        c.id = e.child;
        c.ike = e.ike;
        c.peer = p->peer.name;
        c.reqid = p->reqid;
        c.in.sa = s.make_sa(e.inbound, e, p->reqid);
        c.out.sa = s.make_sa(e.outbound, e, p->reqid);
        c.local_ts = e.local_ts;
        c.remote_ts = e.remote_ts;
        c.algorithms = child_algorithms(e);
        c.last_active = now;
        c.installed_at = now;
        // Inbound first (the peer may use it as soon as it has the keys), then outbound, then the
        // policies that steer traffic into them. A rekey adds the new pair beside the old one;
        // if we answered it, the new outbound SA waits for the old child's end (node_state.hpp).
        s.emit(UpdateSa{c.in.sa}, e.child.value);
        const auto replaced = e.replaces ? s.children.find(*e.replaces) : s.children.end();
        if (replaced != s.children.end() && !replaced->second.rekey_asked && !replaced->second.out.gone) {
            c.replaces = e.replaces;
            c.out_deferred = true;
            c.out.gone = true;
        } else {
            s.emit(AddSa{c.out.sa}, e.child.value);
        }
        c.policies = s.child_policies(e.local_ts, e.remote_ts, e.outbound.source, e.outbound.destination, p->reqid,
                                      e.child.value);
        if (!e.replaces && !c.out_deferred) s.release_held_packets(*p, e.child.value);
        const auto detail = "in " + std::to_string(e.inbound.spi) + " out " + std::to_string(e.outbound.spi);
        s.log(LogLevel::notice, e.replaces ? "rekey" : "tunnel-up", p->peer.name,
              e.replaces ? "child rekeyed" : (e.tag != 0 ? "on demand" : "peer initiated"), c.algorithms, detail);
        s.children.emplace(e.child, std::move(c));
        if (const auto f = s.fresh_for.find(e.child); f != s.fresh_for.end()) {
            // The replacement for a child whose rekey was refused is up: the old one goes now.
            const auto old = f->second;
            s.fresh_for.erase(f);
            if (auto oc = s.children.find(old); oc != s.children.end()) {
                oc->second.deleting = true;
                (void)s.ep->delete_child(old, now);
            }
        }
    }

    void on(ike::ChildSaDown& e, Time now) {
        s.fresh_for.erase(e.child);
        const auto it = s.children.find(e.child);
        if (it == s.children.end()) {
            for (auto& [name, p] : s.peers)
                if (p.pending == e.child) failure(p, now, std::string(reason_name(e.reason)) + (e.detail.empty() ? "" : ": " + e.detail));
            return;
        }
        auto& c = it->second;
        for (auto& [id, next] : s.children)
            if (next.out_deferred && next.replaces == e.child) {
                // its successor's outbound SA before this one's goes: no moment without one
                next.out_deferred = false;
                next.out.gone = false;
                s.emit(AddSa{next.out.sa}, id.value);
            }
        s.remove_child_state(c);
        s.log(e.reason == ike::DownReason::rekeyed ? LogLevel::info : LogLevel::notice,
              e.reason == ike::DownReason::rekeyed ? "rekey-done" : "tunnel-down", c.peer, reason_name(e.reason),
              c.algorithms, e.detail);
        s.children.erase(it);
    }

    void on(ike::AuthFailed& e, Time now) {
        const std::string name = e.peer_id ? e.peer_id->to_string() : e.remote.ip.to_string();
        s.log(LogLevel::warning, "auth-failed", name, e.detail);
        PeerState* p = nullptr;
        if (e.peer_id) {
            const auto it = s.peers.find(name);
            if (it != s.peers.end()) p = &it->second;
        }
        if (p == nullptr) p = peer_by_address(e.remote.ip);
        if (p != nullptr && p->pending) failure(*p, now, "authentication failed");
    }

    void on(ike::IkeKeysExported& e, Time) {
        s.shared->out.emplace_back(KeyLog{"ikev2_decryption_table", ike::ikev2_decryption_table_line(e)});
    }

    void on(ike::PeerAddressChanged& e, Time) {
        const auto it = s.ikes.find(e.ike);
        std::string name = e.remote.ip.to_string();
        if (it != s.ikes.end()) {
            it->second.local = e.local;
            it->second.remote = e.remote;
            name = it->second.peer;
        }
        for (auto& [id, c] : s.children) {
            if (c.ike != e.ike) continue;
            s.move_sa(c.in, e.remote, e.local, e.udp_encapsulation, id.value);
            s.move_sa(c.out, e.local, e.remote, e.udp_encapsulation, id.value);
            s.retarget_policies(c, e.local, e.remote);
        }
        s.log(LogLevel::notice, "peer-moved", name, "NAT rebinding", {},
              e.old_remote.to_string() + " -> " + e.remote.to_string());
    }

    void on(ike::RekeyFailed& e, Time now) {
        const auto ike_it = s.ikes.find(e.ike);
        const std::string name = ike_it != s.ikes.end() ? ike_it->second.peer : "?";
        s.log(LogLevel::warning, "rekey-failed", name, rekey_failure_name(e.reason), {},
              e.detail + (e.retrying ? " (retrying)" : ""));
        if (!e.child || e.retrying) return;
        const auto c = s.children.find(*e.child);
        if (c == s.children.end() || c->second.deleting) return;
        // The old child runs until its hard expiry: a fresh one now, the old one deleted once it
        // is up (make-before-break again), so traffic never waits for a trap and an ACQUIRE.
        c->second.rekey_asked = false;
        const auto p = s.peers.find(c->second.peer);
        ike::InitiateRequest r;
        r.remote = ike_it != s.ikes.end() ? ike_it->second.remote : ike::SocketAddress{to_ike(c->second.out.sa.dst), s.settings.ike_port};
        r.local = ike_it != s.ikes.end() ? ike_it->second.local : ike::SocketAddress{to_ike(c->second.out.sa.src), s.settings.ike_port};
        r.peer_id = ike::Identity::fqdn(c->second.peer);
        r.local_ts = c->second.local_ts;
        r.remote_ts = c->second.remote_ts;
        r.tag = c->second.reqid;
        const auto id = s.ep->initiate(r, now);
        if (!id) {
            s.log(LogLevel::warning, "failure", name, "fresh child not started");
            return;
        }
        s.fresh_for[*id] = *e.child;
        if (p != s.peers.end()) {
            p->second.pending = *id;
            p->second.pending_since = now;
        }
    }

    void on(ike::CrlExpired& e, Time) {
        s.log(LogLevel::warning, "crl-expired", {}, e.strict ? "peers refused until a fresh CRL" : "still enforced", {},
              "cRLNumber " + std::to_string(e.crl_number));
    }

    void finish_stop() {
        for (auto& [id, c] : s.children) s.remove_child_state(c);
        s.children.clear();
        for (auto& [name, p] : s.peers) s.remove_traps(p);
        s.emit(FlushOurs{});  // whatever is left (larval SAs of ALLOCSPI carry no reqid: they expire)
        s.stopped = true;
        s.shared->out.emplace_back(Status{Status::Kind::stopped, "stopped"});
    }

    ChildState* child_of(const xfrm::SaId& id, Direction** dir) {
        for (auto& [cid, c] : s.children) {
            if (c.in.sa.spi == id.spi && c.in.sa.dst == id.dst) {
                *dir = &c.in;
                return &c;
            }
            if (c.out.sa.spi == id.spi && c.out.sa.dst == id.dst) {
                *dir = &c.out;
                return &c;
            }
        }
        return nullptr;
    }
};

void Node::State::pump(Time now) { Flows{*this}.pump(now); }

Node::Node(std::unique_ptr<State> state) : m_state(std::move(state)) {}
Node::~Node() = default;

ike::Expected<std::unique_ptr<Node>, ike::ConfigError> Node::create(NodeSettings settings, std::vector<Peer> peers,
                                                                    std::unique_ptr<ike::crypto::Rng> rng,
                                                                    std::shared_ptr<SpiSource> spis) {
    auto st = std::make_unique<State>();
    st->shared = std::make_shared<Shared>();
    st->shared->source = std::move(spis);
    // The kernel owns the child SA rekey decision (node.hpp): libike does not rekey on time.
    settings.ike.lifetimes.child_soft = std::chrono::seconds{0};
    settings.ike.lifetimes.child_hard = settings.child_hard;
    settings.ike.lifetimes.child_soft_bytes = 0;
    settings.ike.lifetimes.child_hard_bytes = settings.hard_bytes;
    auto ep = ike::Endpoint::create(settings.ike, std::move(rng), std::make_unique<KernelSpis>(st->shared));
    if (!ep) return ike::unexpected(ep.error());
    st->ep.emplace(std::move(*ep));
    st->settings = std::move(settings);
    const auto own = st->settings.ike.credentials.local_id.to_string();
    for (auto& peer : peers) {
        if (peer.name == own) continue;
        auto& p = st->peer_named(peer.name);
        p.peer = std::move(peer);
        p.listed = true;
    }
    return std::unique_ptr<Node>(new Node(std::move(st)));
}

void Node::start(Time now) {
    auto& s = *m_state;
    s.emit(FlushOurs{});  // a previous run's state (after kill -9): ours by reqid range / mark
    for (auto& [name, p] : s.peers)
        if (p.listed) s.install_traps(p);
    if (s.settings.idle_timeout.count() > 0) {
        auto every = s.settings.idle_check.count() > 0 ? s.settings.idle_check
                                                        : std::min(std::chrono::seconds{30}, std::max(std::chrono::seconds{1}, s.settings.idle_timeout / 4));
        s.next_idle_check = now + every;
    }
    s.log(LogLevel::notice, "start", {}, "ready", {}, std::to_string(s.peers.size()) + " peers");
    s.shared->out.emplace_back(Status{Status::Kind::ready, std::to_string(s.peers.size()) + " peers, 0 tunnels"});
}

void Node::on_datagram(std::span<const std::uint8_t> data, const ike::SocketAddress& local,
                       const ike::SocketAddress& remote, Time now) {
    if (m_state->stopped) return;
    m_state->ep->handle_datagram(data, local, remote, now);
    Flows{*m_state}.pump(now);
}

void Node::on_acquire(const xfrm::AcquireEvent& a, Time now) {
    auto& s = *m_state;
    if (s.stopping) return;
    const auto& policy = a.policy.policy;
    if (policy.templates.empty() || !s.settings.ownership.owns_reqid(policy.templates.front().reqid)) return;
    Flows f{s};
    auto* p = f.peer_by_reqid(policy.templates.front().reqid);
    if (p == nullptr || p->held) return;
    if (now < p->retry_at) {
        s.log(LogLevel::debug, "acquire", p->peer.name, "backoff", {}, "nothing started");
        return;
    }
    if (p->pending) {
        s.log(LogLevel::debug, "acquire", p->peer.name, "already under way");
        return;
    }
    const auto& t = policy.templates.front();
    ike::InitiateRequest r;
    r.remote = ike::SocketAddress{to_ike(t.dst), s.settings.ike_port};
    r.local = ike::SocketAddress{to_ike(t.src), s.settings.ike_port};
    r.peer_id = ike::Identity::fqdn(p->peer.name);
    const auto& sel = policy.selector;
    r.local_ts = {packet_ts(a.packet.src, a.packet.proto, a.packet.sport, a.packet.sport_mask),
                  prefix_to_ts(sel.src, sel.src_prefix)};
    r.remote_ts = {packet_ts(a.packet.dst, a.packet.proto, a.packet.dport, a.packet.dport_mask),
                   prefix_to_ts(sel.dst, sel.dst_prefix)};
    r.tag = p->reqid;
    const auto id = s.ep->initiate(r, now);
    if (!id) {
        f.failure(*p, now, "initiate refused by libike");
    } else {
        p->pending = *id;
        p->pending_since = now;
        s.log(LogLevel::info, "initiate", p->peer.name, "ACQUIRE", {},
              to_ike(a.packet.src).to_string() + " -> " + to_ike(a.packet.dst).to_string());
    }
    f.pump(now);
}

void Node::on_expire(const xfrm::ExpireEvent& x, Time now) {
    auto& s = *m_state;
    Flows f{s};
    Direction* d = nullptr;
    auto* c = f.child_of(xfrm::SaId::of(x.sa.sa), &d);
    if (c == nullptr || c->deleting) return;
    if (x.hard) {
        // The kernel has removed this SA; the child goes (DELETE to the peer), the trap stays.
        d->gone = true;
        c->deleting = true;
        s.log(LogLevel::notice, "expired", c->peer, "hard lifetime", c->algorithms);
        (void)s.ep->delete_child(c->id, now);
    } else if (!c->rekey_asked) {
        c->rekey_asked = true;
        if (const auto r = s.ep->rekey_child(c->id, now); !r)
            s.log(LogLevel::warning, "rekey-failed", c->peer, "rekey not started");
    }
    f.pump(now);
}

void Node::on_mapping(const xfrm::MappingEvent& m, Time) {
    // Only an authenticated IKE message may move an SA (RFC 7296 §2.23): libike reports it as
    // PeerAddressChanged. The kernel's unauthenticated hint is only logged.
    m_state->log(LogLevel::debug, "mapping", to_ike(m.new_src).to_string(), "kernel saw ESP from a new address", {},
                 "port " + std::to_string(m.new_sport));
}

void Node::on_sa_usage(const xfrm::SaId& id, std::optional<xfrm::Counters> counters, Time now) {
    auto& s = *m_state;
    Flows f{s};
    Direction* d = nullptr;
    auto* c = f.child_of(id, &d);
    if (c == nullptr || !counters || c->deleting) return;
    if (counters->bytes != d->seen.bytes || counters->packets != d->seen.packets) {
        d->seen = *counters;
        c->last_active = now;
        return;
    }
    if (s.settings.idle_timeout.count() > 0 && now - c->last_active >= s.settings.idle_timeout) {
        c->deleting = true;
        s.log(LogLevel::notice, "idle", c->peer, "unused for the idle timeout", c->algorithms);
        (void)s.ep->delete_child(c->id, now);
        f.pump(now);
    }
}

void Node::on_kernel_error(const KernelCommand& command, KernelLack lack, const std::string& message, Time now) {
    auto& s = *m_state;
    const xfrm::Sa* sa = nullptr;
    if (const auto* add = std::get_if<AddSa>(&command.op)) sa = &add->sa;
    if (const auto* upd = std::get_if<UpdateSa>(&command.op)) sa = &upd->sa;
    std::string algorithm;
    if (sa) {
        if (const auto* aead = std::get_if<xfrm::Aead>(&sa->transform)) algorithm = aead->name;
        if (const auto* ca = std::get_if<xfrm::CryptAuth>(&sa->transform)) algorithm = ca->crypt_name + " + " + ca->auth_name;
    }
    if (lack == KernelLack::esp && !s.no_esp_reported) {
        s.no_esp_reported = true;
        s.log(LogLevel::error, "kernel", {}, "no ESP support in this kernel", {},
              "SAs cannot be installed (CONFIG_INET_ESP / CONFIG_INET6_ESP missing): tunnels cannot carry traffic; "
              "meshd keeps running. " + message);
    } else if (lack == KernelLack::algorithm && s.missing_algorithms_reported.insert(algorithm).second) {
        s.log(LogLevel::error, "kernel", {}, "this kernel lacks the ESP algorithm " + algorithm, {},
              "SAs with it cannot be installed (its crypto module is missing; a peer may agree on another proposal); "
              "meshd keeps running. " + message);
    } else if (lack == KernelLack::none) {
        s.log(LogLevel::warning, "kernel", {}, "command failed", {}, message);
    }
    const bool no_esp = lack != KernelLack::none;
    const bool sa_install = std::holds_alternative<AddSa>(command.op) || std::holds_alternative<UpdateSa>(command.op);
    if (!sa_install || command.child == 0) return;
    const auto it = s.children.find(ike::ChildSaId{command.child});
    if (it == s.children.end() || it->second.deleting) return;
    // A tunnel the kernel cannot carry: close it, and let the peer's backoff keep the next
    // ACQUIRE from starting the same failure in a loop.
    it->second.deleting = true;
    Flows f{s};
    if (auto p = s.peers.find(it->second.peer); p != s.peers.end())
        f.failure(p->second, now, no_esp ? "kernel has no ESP" : "SA install failed");
    (void)s.ep->delete_child(it->first, now);
    f.pump(now);
}

void Node::on_tick(Time now) {
    auto& s = *m_state;
    Flows f{s};
    if (const auto t = s.ep->next_timeout(); t && *t <= now) s.ep->handle_timeout(now);
    if (s.next_idle_check && now >= *s.next_idle_check && !s.stopping) {
        for (const auto& [id, c] : s.children) {
            if (c.deleting) continue;
            if (!c.in.gone) s.emit(QuerySa{xfrm::SaId::of(c.in.sa)}, id.value);
            if (!c.out.gone) s.emit(QuerySa{xfrm::SaId::of(c.out.sa)}, id.value);
        }
        const auto every = s.settings.idle_check.count() > 0 ? s.settings.idle_check
                                                              : std::min(std::chrono::seconds{30}, std::max(std::chrono::seconds{1}, s.settings.idle_timeout / 4));
        s.next_idle_check = now + every;
    }
    // RFC 3948 §2.3: behind a NAT, a one-octet 0xFF datagram on the IKE/ESP port pair keeps the
    // mapping that the peer's ESP and IKE messages come back through.
    for (auto& [id, ike] : s.ikes)
        if (ike.next_keepalive && now >= *ike.next_keepalive) {
            s.shared->out.emplace_back(ike::Transmit{ike.local, ike.remote, {0xff}});
            ike.next_keepalive = now + s.settings.nat_keepalive;
        }
    // An initiation that never reported back (a half-open IKE SA whose IkeSaDown named no peer).
    const auto give_up = std::chrono::seconds{120};
    for (auto& [name, p] : s.peers)
        if (p.pending && now - p.pending_since >= give_up && !s.fresh_for.contains(*p.pending)) f.failure(p, now, "no answer");
    f.pump(now);
}

ike::Expected<void, ReloadError> Node::on_reload(Reload reload, Time now) {
    auto& s = *m_state;
    Flows f{s};
    // Revocation first: the one libike can refuse as a whole (a CRL that does not verify, an
    // older cRLNumber); then nothing has changed. Credentials were checked by the loader
    // (chain to the CA, key match), so their refusal here is not expected.
    if (const auto r = s.ep->update_policy(std::move(reload.revocation), now); !r) {
        s.log(LogLevel::error, "reload", {}, "refused: revocation data did not verify", {}, "the previous policy stays");
        f.pump(now);
        return ike::unexpected(ReloadError::policy_refused);
    }
    if (reload.credentials) {
        if (const auto r = s.ep->update_credentials(std::move(*reload.credentials), now); !r) {
            s.log(LogLevel::error, "reload", {}, "refused: credentials", {}, "revocation data applied, directory not");
            f.pump(now);
            return ike::unexpected(ReloadError::credentials_refused);
        }
    }
    std::map<std::string, Peer> next;
    const auto own = s.settings.ike.credentials.local_id.to_string();
    for (auto& p : reload.peers)
        if (p.name != own) next.emplace(p.name, std::move(p));
    std::size_t added = 0, removed = 0, changed = 0;
    for (auto& [name, p] : s.peers) {
        if (!p.listed) continue;
        const auto it = next.find(name);
        if (it == next.end()) {
            s.remove_traps(p);
            p.listed = false;
            ++removed;
        } else if (!(it->second == p.peer)) {
            s.remove_traps(p);
            p.peer = it->second;
            s.install_traps(p);
            ++changed;
        }
    }
    for (auto& [name, peer] : next) {
        auto& p = s.peer_named(name);
        if (p.listed) continue;
        p.peer = peer;
        p.listed = true;
        s.install_traps(p);
        ++added;
    }
    s.log(LogLevel::notice, "reload", {}, "applied", {},
          std::to_string(added) + " peers added, " + std::to_string(removed) + " removed, " + std::to_string(changed) +
              " changed");
    f.pump(now);
    return {};
}

void Node::stop(Time now) {
    auto& s = *m_state;
    if (s.stopping) return;
    s.stopping = true;
    s.stop_deadline = now + s.settings.stop_wait;
    s.shared->out.emplace_back(Status{Status::Kind::stopping, "stopping"});
    std::vector<ike::IkeSaId> ids;
    for (const auto& [id, i] : s.ikes) ids.push_back(id);
    for (const auto id : ids) (void)s.ep->delete_ike(id, now);
    Flows{s}.pump(now);
}

void Node::on_ike_event(ike::Event event, Time now) {
    Flows f{*m_state};
    f.handle(std::move(event), now);
    f.pump(now);
}

std::optional<Output> Node::poll_output() {
    auto& q = m_state->shared->out;
    if (q.empty()) return std::nullopt;
    auto o = std::move(q.front());
    q.pop_front();
    return o;
}

std::optional<Time> Node::next_timeout() const {
    const auto& s = *m_state;
    if (s.stopped) return std::nullopt;
    std::optional<Time> t = s.ep->next_timeout();
    const auto consider = [&](Time x) {
        if (!t || x < *t) t = x;
    };
    if (s.stopping) consider(s.stop_deadline);
    for (const auto& [id, ike] : s.ikes)
        if (ike.next_keepalive) consider(*ike.next_keepalive);
    if (s.next_idle_check && !s.children.empty()) consider(*s.next_idle_check);
    for (const auto& [name, p] : s.peers)
        if (p.pending) consider(p.pending_since + std::chrono::seconds{120});
    return t;
}

bool Node::stopped() const { return m_state->stopped; }
const ike::Endpoint& Node::endpoint() const { return *m_state->ep; }
std::vector<Node::Tunnel> Node::tunnels() const {
    std::vector<Tunnel> out;
    for (const auto& [id, c] : m_state->children) out.push_back({id, c.ike, c.peer, c.in.sa.spi, c.out.sa.spi, c.algorithms});
    return out;
}

std::string format(const LogRecord& r) {
    static constexpr const char* levels[] = {"debug", "info", "notice", "warning", "error"};
    std::string line = std::string(levels[static_cast<int>(r.level)]) + " " + r.event;
    const auto field = [&](const char* k, const std::string& v) {
        if (v.empty()) return;
        line += std::string(" ") + k + "=";
        line += v.find(' ') == std::string::npos ? v : "\"" + v + "\"";
    };
    field("peer", r.peer);
    field("reason", r.reason);
    field("alg", r.algorithms);
    field("detail", r.detail);
    return line;
}

}  // namespace meshd
