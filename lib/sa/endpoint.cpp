// The public Endpoint: the table of IKE SAs, dispatch of datagrams by SPI, commands, timers,
// the output queues and counters. Exchanges themselves live in the task_*.cpp files.
#include "ike/endpoint.hpp"

#include <map>
#include <unordered_map>

#include "policy/authorize.hpp"
#include "policy/x509_verifier.hpp"
#include "sa/tasks.hpp"
#include "wire/message.hpp"

namespace ike {

using sa::IkeSa;
using sa::State;

struct Endpoint::Impl {
    Config config;
    std::unique_ptr<crypto::Rng> rng;
    std::unique_ptr<SpiAllocator> spis;
    sa::ReassemblyBudget reassembly;  // before `sas`: their fragments give bytes back to it
    std::map<std::uint64_t, std::unique_ptr<IkeSa>> sas;           // by IkeSaId
    std::unordered_map<std::uint64_t, std::uint64_t> by_spi;       // our IKE SPI -> IkeSaId
    std::map<std::pair<SocketAddress, std::uint64_t>, std::uint64_t> by_init;  // (peer, SPIi) -> id (responder)
    // (peer, SPIi) of responder SAs that are gone, until late copies of their IKE_SA_INIT
    // request can no longer be in flight: such a copy must not start a new half-open SA.
    std::map<std::pair<SocketAddress, std::uint64_t>, Time> recent_init;
    std::deque<Transmit> transmits;
    std::deque<Event> events;
    Counters counters;
    std::uint64_t last_ike_id = 0;
    std::uint64_t last_child_id = 0;
    sa::CookieSecret cookie;
    std::optional<SocketAddress> default_local;
    Time invalid_spi_window{};
    unsigned invalid_spi_sent = 0;

    sa::Context context(Time now) {
        return sa::Context{config, *rng, *spis, *config.verifier, transmits, events, counters, last_child_id, now,
                           &reassembly};
    }
    std::uint64_t new_spi();
    IkeSa* find(IkeSaId id);
    IkeSa* find_child_owner(ChildSaId child);
    std::size_t half_open() const;
    void handle_init_request(const sa::Received& rx, Time now);
    void answer_invalid_spi(const sa::Received& rx, Time now);
    void after_message(IkeSa& sa, Time now);
    void sweep(Time now);
};

namespace {

Expected<void, ConfigError> check_config(const Config& c) {
    if (!c.credentials.private_key || c.credentials.certificate_chain.empty()) return unexpected(ConfigError::no_credentials);
    if (c.proposals.ike.empty() || c.proposals.esp.empty()) return unexpected(ConfigError::no_proposals);
    for (const auto& s : c.proposals.ike)
        if (!crypto::find_prf(s.prf) || !crypto::find_ke(s.ke) || !crypto::find_encr(s.sk.encr, s.sk.key_bits) ||
            (s.sk.integ != crypto::IntegId::None && !crypto::find_integ(s.sk.integ)))
            return unexpected(ConfigError::unsupported_transform);
    for (const auto& s : c.proposals.esp)
        if (!crypto::find_encr(s.encr, s.key_bits) || (s.integ != crypto::IntegId::None && !crypto::find_integ(s.integ)))
            return unexpected(ConfigError::unsupported_transform);
    return {};
}

bool valid_selectors(const InitiateRequest& r) {
    if (r.local_ts.empty() || r.remote_ts.empty()) return false;
    const auto family = r.local_ts.front().start.family;
    for (const auto* set : {&r.local_ts, &r.remote_ts})
        for (const auto& ts : *set)
            if (ts.start.family != family || ts.end.family != family || ts.end.bytes < ts.start.bytes) return false;
    return true;
}

}  // namespace

Expected<Endpoint, ConfigError> Endpoint::create(Config config, std::unique_ptr<crypto::Rng> rng,
                                                 std::unique_ptr<SpiAllocator> spis) {
    if (!rng || !spis) return unexpected(ConfigError::no_credentials);
    if (auto ok = check_config(config); !ok) return unexpected(ok.error());
    if (!config.verifier) {  // production: X.509 against credentials.ca_certificate (tests may inject their own)
        auto verifier = policy::make_x509_verifier(config.credentials.ca_certificate);
        if (!verifier) return unexpected(verifier.error());
        if (auto ok = policy::check_own_credentials(config.credentials); !ok) return unexpected(ok.error());
        config.verifier = std::move(*verifier);
    }
    auto impl = std::make_unique<Impl>();
    impl->config = std::move(config);
    impl->rng = std::move(rng);
    impl->spis = std::move(spis);
    impl->rng->fill(impl->cookie.secret);
    return Endpoint(std::move(impl));
}

Endpoint::Endpoint(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Endpoint::Endpoint(Endpoint&&) noexcept = default;
Endpoint& Endpoint::operator=(Endpoint&&) noexcept = default;
Endpoint::~Endpoint() = default;

std::uint64_t Endpoint::Impl::new_spi() {
    for (;;) {
        std::array<std::uint8_t, 8> b{};
        rng->fill(b);
        std::uint64_t v = 0;
        for (const auto x : b) v = v << 8 | x;
        if (v != 0 && !by_spi.contains(v)) return v;
    }
}

IkeSa* Endpoint::Impl::find(IkeSaId id) {
    const auto it = sas.find(id.value);
    return it == sas.end() || it->second->state == State::closed ? nullptr : it->second.get();
}

IkeSa* Endpoint::Impl::find_child_owner(ChildSaId child) {
    for (auto& [id, sa] : sas)
        if (sa->state != State::closed && sa->find_child(child)) return sa.get();
    return nullptr;
}

std::size_t Endpoint::Impl::half_open() const {
    std::size_t n = 0;
    for (const auto& [id, sa] : sas) n += sa->state == State::init_answered;
    return n;
}

void Endpoint::Impl::handle_init_request(const sa::Received& rx, Time now) {
    const auto& h = rx.message.header;
    if (h.spi_r != 0) return;
    auto ctx = context(now);
    if (const auto it = by_init.find({rx.remote, h.spi_i}); it != by_init.end()) {
        sa::handle_message(ctx, *sas.at(it->second), rx);  // a retransmission (or a late duplicate)
        return;
    }
    if (recent_init.contains({rx.remote, h.spi_i})) {
        ++counters.dropped_out_of_window;
        return;
    }
    const std::size_t pending = half_open();
    if (pending >= config.limits.max_half_open) {
        ++counters.half_open_dropped;
        return;
    }
    const IkeSaId id{last_ike_id + 1};
    auto r = sa::respond_ike_init(ctx, rx, pending >= config.limits.cookie_threshold, cookie, id, new_spi());
    if (!r.sa) return;
    last_ike_id = id.value;
    by_spi[r.sa->spi_r] = id.value;
    by_init[{rx.remote, h.spi_i}] = id.value;
    sas[id.value] = std::move(r.sa);
}

// RFC 7296 §2.21.4: an unprotected INVALID_IKE_SPI, rate-limited, and no state at all.
void Endpoint::Impl::answer_invalid_spi(const sa::Received& rx, Time now) {
    ++counters.invalid_spi;
    if (now - invalid_spi_window >= std::chrono::seconds(1)) {
        invalid_spi_window = now;
        invalid_spi_sent = 0;
    }
    if (invalid_spi_sent >= config.timers.invalid_spi_per_second) return;
    ++invalid_spi_sent;
    ++counters.invalid_spi_notifies;
    wire::Message m;
    m.header = rx.message.header;
    m.header.exchange = wire::ExchangeType::informational;
    m.header.response = true;
    m.header.initiator = !rx.message.header.initiator;
    m.payloads.emplace_back(wire::Notify{wire::ProtocolId::ike, {}, wire::NotifyType::invalid_ike_spi, {}, false});
    auto ctx = context(now);
    ctx.send(rx.local, rx.remote, wire::encode(m));
}

// INITIAL_CONTACT (§2.4): the peer forgot every other IKE SA it had with us.
void Endpoint::Impl::after_message(IkeSa& sa, Time now) {
    if (!sa.peer_initial_contact) return;
    sa.peer_initial_contact = false;
    auto ctx = context(now);
    for (auto& [id, other] : sas)
        if (other.get() != &sa && other->authenticated() && other->peer_id == sa.peer_id)
            sa::close_ike(ctx, *other, DownReason::peer_restarted, "INITIAL_CONTACT from the peer");
}

void Endpoint::Impl::sweep(Time now) {
    for (auto it = sas.begin(); it != sas.end();) {
        auto& sa = *it->second;
        if (sa.state != State::closed) {
            ++it;
            continue;
        }
        by_spi.erase(sa.our_spi());
        if (!sa.initiator()) {
            const auto key = std::pair{sa.init_remote, sa.spi_i};
            by_init.erase(key);
            recent_init[key] = now + 2 * config.timers.retransmit_max;
        }
        it = sas.erase(it);
    }
    std::erase_if(recent_init, [&](const auto& e) { return e.second <= now; });
}

void Endpoint::handle_datagram(std::span<const std::uint8_t> data, const SocketAddress& local,
                               const SocketAddress& remote, Time now) {
    auto& m = *m_impl;
    ++m.counters.datagrams_in;
    if (local.port == sa::natt_port) {
        const auto ike = wire::strip_non_esp_marker(data);
        if (!ike) return;  // ESP or a NAT keepalive: not ours
        data = *ike;
    }
    if (!m.default_local) m.default_local = SocketAddress{local.ip, 500};
    const auto header = wire::decode_header(data);
    if (!header) {
        ++m.counters.decode_errors;
        return;
    }
    const auto& h = header->header;
    const bool init_request = h.exchange == wire::ExchangeType::ike_sa_init && !h.response;
    IkeSa* sa = nullptr;
    if (!init_request) {
        const auto it = m.by_spi.find(h.initiator ? h.spi_r : h.spi_i);
        if (it != m.by_spi.end()) sa = m.sas.at(it->second).get();
    }
    const auto message = wire::decode(data);
    if (!message) {
        ++m.counters.decode_errors;
        return;
    }
    const sa::Received rx{data, *message, local, remote};
    if (init_request) {
        m.handle_init_request(rx, now);
    } else if (sa == nullptr) {
        if (!h.response) m.answer_invalid_spi(rx, now);
        else ++m.counters.invalid_spi;
    } else {
        auto ctx = m.context(now);
        sa::handle_message(ctx, *sa, rx);
        m.after_message(*sa, now);
    }
    m.sweep(now);
}

void Endpoint::handle_timeout(Time now) {
    auto& m = *m_impl;
    auto ctx = m.context(now);
    for (auto& [id, sa] : m.sas) {
        const auto due = sa::sa_deadline(ctx, *sa);
        if (due && *due <= now) sa::handle_sa_timeout(ctx, *sa);
    }
    m.sweep(now);
}

Expected<ChildSaId, CommandError> Endpoint::initiate(const InitiateRequest& req, Time now) {
    auto& m = *m_impl;
    if (!valid_selectors(req)) return unexpected(CommandError::invalid_request);
    const auto local = req.local ? req.local : m.default_local;
    if (!local) return unexpected(CommandError::invalid_request);
    auto ke = crypto::make_key_exchange(m.config.proposals.ike.front().ke, *m.rng);
    if (!ke) return unexpected(CommandError::invalid_request);
    const auto spi = m.spis->allocate(*local, req.remote);
    if (!spi) return unexpected(CommandError::spi_unavailable);
    auto ctx = m.context(now);
    auto sa = std::make_unique<IkeSa>();
    sa->id = IkeSaId{++m.last_ike_id};
    sa->role = crypto::Role::Initiator;
    sa->spi_i = m.new_spi();
    sa->local = *local;
    sa->remote = req.remote;
    sa->ke = std::move(*ke);
    sa->nonce_i = ctx.random_bytes(32);
    sa->expected_peer_id = req.peer_id;
    sa->last_heard = now;
    const ChildSaId child = ctx.new_child_id();
    sa->first_child = sa::ChildRequest{child, req.tag, *spi, req.local_ts, req.remote_ts, req.mode};
    for (const auto& [id, other] : m.sas)
        if (other->remote.ip == req.remote.ip && other->state != State::closed) sa->send_initial_contact = false;
    auto& ref = *sa;
    m.by_spi[sa->spi_i] = sa->id.value;
    m.sas[sa->id.value] = std::move(sa);
    sa::start_ike_init(ctx, ref);
    return child;
}

Expected<void, CommandError> Endpoint::rekey_child(ChildSaId child, Time) {
    if (!m_impl->find_child_owner(child)) return unexpected(CommandError::unknown_sa);
    return unexpected(CommandError::busy);  // CREATE_CHILD_SA rekeying: issue 7
}

Expected<void, CommandError> Endpoint::delete_child(ChildSaId child, Time now) {
    auto& m = *m_impl;
    auto* sa = m.find_child_owner(child);
    if (!sa) return unexpected(CommandError::unknown_sa);
    sa->window.enqueue({sa::RequestKind::delete_child, child});
    auto ctx = m.context(now);
    sa::pump_requests(ctx, *sa);
    m.sweep(now);
    return {};
}

Expected<void, CommandError> Endpoint::delete_ike(IkeSaId id, Time now) {
    auto& m = *m_impl;
    auto* sa = m.find(id);
    if (!sa) return unexpected(CommandError::unknown_sa);
    auto ctx = m.context(now);
    if (sa->state == State::established) {
        if (!sa->window.queued(sa::RequestKind::delete_ike)) sa->window.enqueue({sa::RequestKind::delete_ike, {}});
        sa::pump_requests(ctx, *sa);
    } else if (sa->state != State::deleting) {
        sa::close_ike(ctx, *sa, DownReason::deleted_locally, "deleted before it was established");
    }
    m.sweep(now);
    return {};
}

Expected<void, ConfigError> Endpoint::update_policy(RevocationPolicy revocation, Time now) {
    auto& m = *m_impl;
    m.config.revocation = std::move(revocation);
    auto ctx = m.context(now);
    for (auto& [id, sa] : m.sas) {
        if (sa->state != State::established || !sa->peer_id) continue;
        auto peer = m.config.verifier->verify(sa->peer_chain, m.config.revocation, now);
        Expected<void, VerifyFailure> ok{};
        if (!peer) ok = unexpected(peer.error());
        else ok = policy::authorize(*peer, m.config.revocation, *sa->peer_id);
        if (ok) continue;
        sa::report_auth_failure(ctx, *sa, ok.error());
        sa::emit_down(ctx, *sa, DownReason::revoked, ok.error().detail);
        sa->window.enqueue({sa::RequestKind::delete_ike, {}});
        sa::pump_requests(ctx, *sa);
    }
    m.sweep(now);
    return {};
}

Expected<void, ConfigError> Endpoint::update_credentials(Credentials credentials, Time) {
    Config c = m_impl->config;
    c.credentials = std::move(credentials);
    if (auto ok = check_config(c); !ok) return ok;
    m_impl->config.credentials = std::move(c.credentials);
    return {};
}

std::optional<Transmit> Endpoint::poll_transmit() {
    auto& q = m_impl->transmits;
    if (q.empty()) return std::nullopt;
    auto t = std::move(q.front());
    q.pop_front();
    return t;
}

std::optional<Event> Endpoint::poll_event() {
    auto& q = m_impl->events;
    if (q.empty()) return std::nullopt;
    auto e = std::move(q.front());
    q.pop_front();
    return e;
}

std::optional<Time> Endpoint::next_timeout() const {
    auto& m = *m_impl;
    std::optional<Time> t;
    const auto ctx = m.context(Time{});
    for (const auto& [id, sa] : m.sas)
        if (const auto d = sa::sa_deadline(ctx, *sa); d && (!t || *d < *t)) t = d;
    return t;
}

const Counters& Endpoint::counters() const { return m_impl->counters; }

StateCounts Endpoint::state_counts() const {
    StateCounts c;
    for (const auto& [id, sa] : m_impl->sas) {
        ++c.ike_sas;
        c.half_open += !sa->authenticated();
        c.child_sas += sa->children.size();
    }
    c.reassembly_bytes = m_impl->reassembly.used;
    return c;
}

}  // namespace ike
