// The public Endpoint: dispatch of datagrams to IKE SAs, the responder's DoS ladder, commands,
// timers, the output queues and counters. The SAs and their indexes live in sa_table.cpp, the
// exchanges in the task_*.cpp files.
#include "ike/endpoint.hpp"

#include "policy/authorize.hpp"
#include "policy/x509_verifier.hpp"
#include "sa/cookie.hpp"
#include "sa/revocation.hpp"
#include "sa/sa_info.hpp"
#include "sa/sa_table.hpp"
#include "sa/tasks.hpp"
#include "wire/message.hpp"

namespace ike {

using sa::IkeSa;
using sa::State;

struct Endpoint::Impl {
    Config config;
    bool own_verifier = false;  // made here from credentials.ca_certificate (not injected)
    std::unique_ptr<crypto::Rng> rng;
    std::unique_ptr<SpiAllocator> spis;
    sa::ReassemblyBudget reassembly;  // before `table`: its SAs' fragments give bytes back to it
    sa::SaTable table;
    std::deque<Transmit> transmits;
    std::deque<Event> events;
    Counters counters;
    std::uint64_t last_child_id = 0;
    sa::CookieSecrets cookies;
    std::optional<SocketAddress> default_local;
    Time invalid_spi_window{};
    unsigned invalid_spi_sent = 0;
    sa::RevocationState revocation;

    Impl(Config c, bool own, std::unique_ptr<crypto::Rng> r, std::unique_ptr<SpiAllocator> s)
        : config(std::move(c)), own_verifier(own), rng(std::move(r)), spis(std::move(s)),
          // late copies of an IKE_SA_INIT request can arrive for as long as the peer retransmits
          table(*rng, 2 * config.timers.retransmit_max), cookies(config.limits.cookie_secret_lifetime) {}

    sa::Context context(Time now) {
        return sa::Context{config, *rng, *spis, *config.verifier, transmits, events, counters, last_child_id, now, &table,
                           &reassembly};
    }
    IkeSa* find_carrier(const InitiateRequest& req, const SocketAddress& local);
    void handle_init_request(const sa::Received& rx, Time now);
    bool admit(const sa::Received& rx, Time now);
    void answer_invalid_spi(const sa::Received& rx, Time now);
    void after_message(IkeSa& sa, Time now);
    void refuse_critical(std::span<const std::uint8_t> data, const wire::DecodeError& e, const wire::Header& h,
                         const SocketAddress& local, const SocketAddress& remote, Time now);
    void recheck_peers(Time now);
    // CrlExpired once per expired CRL; in strict mode the peers are checked again (and refused).
    void check_crl_expiry(Time now) {
        if (revocation.report_expired(now, config.revocation.strict_crl_expiry, events, counters) &&
            config.revocation.strict_crl_expiry)
            recheck_peers(now);
    }
    // Every input ends here: the table re-reads the SAs it touched and drops the closed ones.
    void settle(Time now) { table.settle(context(now)); }
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
    const bool own_verifier = !config.verifier;
    if (own_verifier) {  // production: X.509 against credentials.ca_certificate (tests may inject their own)
        auto verifier = policy::make_x509_verifier(config.credentials.ca_certificate);
        if (!verifier) return unexpected(verifier.error());
        if (auto ok = policy::check_own_credentials(config.credentials); !ok) return unexpected(ok.error());
        config.verifier = std::move(*verifier);
    }
    config.verifier->learn_intermediates(config.credentials.certificate_chain);
    sa::RevocationState revocation;
    const auto checked = revocation.check(config.revocation, *config.verifier, std::nullopt);  // no clock here
    if (!checked) return unexpected(checked.error());
    revocation.commit(*checked);
    auto impl = std::make_unique<Impl>(std::move(config), own_verifier, std::move(rng), std::move(spis));
    impl->revocation = std::move(revocation);
    return Endpoint(std::move(impl));
}

Endpoint::Endpoint(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Endpoint::Endpoint(Endpoint&&) noexcept = default;
Endpoint& Endpoint::operator=(Endpoint&&) noexcept = default;
Endpoint::~Endpoint() = default;

// An IKE SA with the peer that can carry another child SA (RFC 7296 §1.3.1): established
// first, else one we are setting up (the child waits in its queue).
IkeSa* Endpoint::Impl::find_carrier(const InitiateRequest& req, const SocketAddress& local) {
    std::vector<IkeSa*> candidates;
    if (req.peer_id) {
        candidates = table.with_identity(*req.peer_id);
    } else if (table.any_with_address(req.remote.ip)) {  // no identity to look up by: O(N), rare
        for (const auto id : table.ids())
            if (auto* sa = table.find(id)) candidates.push_back(sa);
    }
    IkeSa* establishing = nullptr;
    for (auto* sa : candidates) {
        if (!sa::can_carry_child(*sa, req, local)) continue;
        if (sa->state() == State::established) return sa;
        if (!establishing) establishing = sa;
    }
    return establishing;
}

void Endpoint::Impl::handle_init_request(const sa::Received& rx, Time now) {
    const auto& h = rx.message.header;
    if (h.spi_r != 0) return;
    auto ctx = context(now);
    if (auto* sa = table.by_init(rx.remote, h.spi_i)) {
        sa::handle_message(ctx, *sa, rx);  // a retransmission (or a late duplicate)
        table.touch(*sa);
        return;
    }
    if (table.recently_closed_init(rx.remote, h.spi_i)) {
        ++counters.dropped_out_of_window;
        return;
    }
    if (!admit(rx, now)) return;
    auto r = sa::respond_ike_init(ctx, rx, table.new_ike_id(), table.new_ike_spi());
    if (r.sa) table.insert_responder(std::move(r.sa));
}

// The responder's DoS ladder, cheapest step first (RFC 7296 §2.6): above the threshold a
// stateless COOKIE round trip proves the source address; then the caps on half-open SAs per
// source address and overall; only then state and Diffie-Hellman (respond_ike_init).
bool Endpoint::Impl::admit(const sa::Received& rx, Time now) {
    if (table.half_open() >= config.limits.cookie_threshold) {
        cookies.advance(now, *rng);
        auto ctx = context(now);
        if (sa::check_cookie(ctx, cookies, rx) != sa::CookieVerdict::proceed) return false;
    }
    if (table.half_open_from(rx.remote.ip) >= config.limits.max_half_open_per_source) {
        ++counters.half_open_dropped_per_source;
        return false;
    }
    if (table.half_open() >= config.limits.max_half_open) {
        ++counters.half_open_dropped;
        return false;
    }
    return true;
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

// RFC 7296 §2.5: an IKE_SA_INIT request with an unknown critical payload is answered with
// UNSUPPORTED_CRITICAL_PAYLOAD (the payload type as data), unprotected and without state (§2.21.1).
void Endpoint::Impl::refuse_critical(std::span<const std::uint8_t> data, const wire::DecodeError& e,
                                     const wire::Header& h, const SocketAddress& local, const SocketAddress& remote,
                                     Time now) {
    if (e.notify != wire::NotifyType::unsupported_critical_payload || h.message_id != 0 || h.spi_r != 0) return;
    const wire::Message header_only{h, {}};
    auto ctx = context(now);
    sa::send_stateless_notify(ctx, sa::Received{data, header_only, local, remote}, sa::malformed_notify(e));
}

// INITIAL_CONTACT (§2.4): the peer forgot every other IKE SA between its authenticated identity
// and ours, so we close ours with that identity (whatever address they used): those that were
// up before this SA's IKE_SA_INIT. One that came up since was answered by the peer while it
// negotiated this one (both ends initiated at once, each sending INITIAL_CONTACT): the peer
// knows it, and closing it would close the other end's tunnel too.
void Endpoint::Impl::after_message(IkeSa& sa, Time now) {
    if (!sa.peer_initial_contact) return;
    sa.peer_initial_contact = false;
    if (!sa.peer_id) return;
    auto ctx = context(now);
    for (auto* other : table.with_identity(*sa.peer_id))
        if (other != &sa && other->authenticated() && other->up_since < sa.began) {
            sa::close_ike(ctx, *other, DownReason::peer_restarted, "INITIAL_CONTACT from the peer");
            table.touch(*other);
        }
}

// Each established SA's peer checked again against the verifier and revocation policy now in
// force; the ones that fail are reported and deleted.
void Endpoint::Impl::recheck_peers(Time now) {
    auto ctx = context(now);
    for (const auto id : table.ids()) {
        auto* sa = table.find(id);
        if (sa == nullptr || sa->state() != State::established || !sa->peer_id || !sa->peer_facts) continue;
        auto ok = config.verifier->recheck(*sa->peer_facts, config.revocation, now);
        if (ok) ok = policy::authorize(*sa->peer_facts, config.revocation, *sa->peer_id);
        if (ok) continue;
        sa::report_auth_failure(ctx, *sa, ok.error());
        sa::emit_down(ctx, *sa, DownReason::revoked, ok.error().detail);
        sa->window.enqueue({sa::RequestKind::delete_ike, {}});
        sa::pump_requests(ctx, *sa);
        table.touch(*sa);
    }
    settle(now);
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
    IkeSa* sa = init_request ? nullptr : m.table.by_spi(h.initiator ? h.spi_r : h.spi_i);
    const auto message = wire::decode(data);
    if (!message) {
        ++m.counters.decode_errors;
        if (init_request) m.refuse_critical(data, message.error(), h, local, remote, now);
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
        m.table.touch(*sa);
        m.after_message(*sa, now);
    }
    m.settle(now);
    m.check_crl_expiry(now);
}

void Endpoint::handle_timeout(Time now) {
    auto& m = *m_impl;
    auto ctx = m.context(now);
    for (const auto id : m.table.due(now))
        if (auto* sa = m.table.find(id)) {
            sa::handle_sa_timeout(ctx, *sa);
            m.table.touch(*sa);
        }
    m.settle(now);
    m.check_crl_expiry(now);
}

Expected<ChildSaId, CommandError> Endpoint::initiate(const InitiateRequest& req, Time now) {
    auto& m = *m_impl;
    if (!valid_selectors(req)) return unexpected(CommandError::invalid_request);
    const auto local = req.local ? req.local : m.default_local;
    if (!local) return unexpected(CommandError::invalid_request);
    if (auto* carrier = req.new_ike_sa ? nullptr : m.find_carrier(req, *local)) {  // RFC 7296 §1.3.1: CREATE_CHILD_SA on it
        auto ctx = m.context(now);
        auto id = sa::queue_additional_child(ctx, *carrier, req);
        m.table.touch(*carrier);
        m.settle(now);
        return id;
    }
    auto ke = crypto::make_key_exchange(m.config.proposals.ike.front().ke, *m.rng);
    if (!ke) return unexpected(CommandError::invalid_request);
    const auto spi = m.spis->allocate(*local, req.remote);
    if (!spi) return unexpected(CommandError::spi_unavailable);
    auto ctx = m.context(now);
    auto sa = std::make_unique<IkeSa>(sa::Birth::initiator);
    sa->id = m.table.new_ike_id();
    sa->role = crypto::Role::Initiator;
    sa->spi_i = m.table.new_ike_spi();
    sa->local = *local;
    sa->remote = req.remote;
    sa->ke = std::move(*ke);
    sa->nonce_i = ctx.random_bytes(32);
    sa->expected_peer_id = req.peer_id;
    sa->last_heard = now;
    sa->began = now;
    const ChildSaId child = ctx.new_child_id();
    sa->first_child = sa::ChildRequest{child, req.tag, *spi, req.local_ts, req.remote_ts, req.mode};
    // §2.4: INITIAL_CONTACT asserts that this is the only IKE SA between the two authenticated
    // identities, so it is decided by identity, as the responder applies it (after_message). We
    // send it unless we hold another IKE SA with the identity we ask for (IDr). Without an
    // expected identity we cannot know who will answer and use the peer's address instead:
    // wrongly sending it would close our other SAs with that peer, wrongly omitting it only
    // leaves the peer's stale SAs to their liveness check.
    sa->send_initial_contact =
        req.peer_id ? !m.table.any_with_identity(*req.peer_id) : !m.table.any_with_address(req.remote.ip);
    auto& ref = m.table.adopt(std::move(sa));
    sa::start_ike_init(ctx, ref);
    m.settle(now);
    return child;
}

Expected<void, CommandError> Endpoint::rekey_child(ChildSaId child, Time now) {
    auto& m = *m_impl;
    auto* sa = m.table.child_owner(child);
    if (!sa) return unexpected(CommandError::unknown_sa);
    if (sa->state() != State::established) return unexpected(CommandError::busy);
    auto* c = sa->find_child(child);
    if (!c) return unexpected(CommandError::unknown_sa);
    auto ctx = m.context(now);
    sa::queue_child_rekey(ctx, *sa, *c);  // nothing if a rekey is under way
    m.table.touch(*sa);
    m.settle(now);
    return {};
}

Expected<void, CommandError> Endpoint::rekey_ike(IkeSaId id, Time now) {
    auto& m = *m_impl;
    auto* sa = m.table.find(id);
    if (!sa || sa->rekeyed_to || sa->down_emitted) return unexpected(CommandError::unknown_sa);
    if (sa->state() != State::established || sa->window.queued(sa::RequestKind::rekey_ike) || sa::ike_rekey_busy(*sa))
        return unexpected(CommandError::busy);
    sa->window.enqueue({sa::RequestKind::rekey_ike, {}});
    auto ctx = m.context(now);
    sa::pump_requests(ctx, *sa);
    m.table.touch(*sa);
    m.settle(now);
    return {};
}

Expected<void, CommandError> Endpoint::delete_child(ChildSaId child, Time now) {
    auto& m = *m_impl;
    auto* sa = m.table.child_owner(child);
    if (!sa) return unexpected(CommandError::unknown_sa);
    sa->window.enqueue({sa::RequestKind::delete_child, child});
    auto ctx = m.context(now);
    sa::pump_requests(ctx, *sa);
    m.table.touch(*sa);
    m.settle(now);
    return {};
}

Expected<void, CommandError> Endpoint::delete_ike(IkeSaId id, Time now) {
    auto& m = *m_impl;
    auto* sa = m.table.find(id);
    if (!sa) return unexpected(CommandError::unknown_sa);
    auto ctx = m.context(now);
    if (sa->state() == State::established) {
        if (!sa->window.queued(sa::RequestKind::delete_ike)) sa->window.enqueue({sa::RequestKind::delete_ike, {}});
        sa::pump_requests(ctx, *sa);
    } else if (sa->state() != State::deleting) {
        sa::close_ike(ctx, *sa, DownReason::deleted_locally, "deleted before it was established");
    }
    m.table.touch(*sa);
    m.settle(now);
    return {};
}

Expected<void, ConfigError> Endpoint::update_policy(RevocationPolicy revocation, Time now) {
    auto& m = *m_impl;
    const auto checked = m.revocation.check(revocation, *m.config.verifier, now);
    if (!checked) return unexpected(checked.error());  // the policy in force stays, SAs untouched
    m.revocation.commit(*checked);
    m.config.revocation = std::move(revocation);
    m.recheck_peers(now);
    m.check_crl_expiry(now);
    return {};
}

std::uint64_t Endpoint::highest_crl_number() const { return m_impl->revocation.highest_ca_number(); }

Expected<void, ConfigError> Endpoint::update_credentials(Credentials credentials, Time now) {
    auto& m = *m_impl;
    Config c = m.config;
    c.credentials = std::move(credentials);
    if (auto ok = check_config(c); !ok) return ok;
    // A new CA replaces the verifier this Endpoint made from the old one (an injected verifier
    // stays: its owner decides what it trusts).
    const bool new_ca = m.own_verifier && c.credentials.ca_certificate != m.config.credentials.ca_certificate;
    if (m.own_verifier) {
        if (new_ca) {
            auto verifier = policy::make_x509_verifier(c.credentials.ca_certificate);
            if (!verifier) return unexpected(verifier.error());
            c.verifier = std::move(*verifier);
        }
        if (auto ok = policy::check_own_credentials(c.credentials); !ok) return unexpected(ok.error());
    }
    m.config.credentials = std::move(c.credentials);
    m.config.verifier = std::move(c.verifier);
    m.config.verifier->learn_intermediates(m.config.credentials.certificate_chain);
    if (new_ca) m.recheck_peers(now);  // peers only the old CA vouched for are no longer trusted
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
    auto t = m_impl->table.next_deadline();
    if (const auto crl = m_impl->revocation.next_expiry(); crl && (!t || *crl < *t)) t = crl;
    return t;
}

const Counters& Endpoint::counters() const { return m_impl->counters; }

std::vector<IkeSaInfo> Endpoint::sa_info() const { return sa::describe(m_impl->table); }

StateCounts Endpoint::state_counts() const {
    auto c = m_impl->table.counts();
    c.reassembly_bytes = m_impl->reassembly.used();
    return c;
}

}  // namespace ike
