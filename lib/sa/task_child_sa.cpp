// CREATE_CHILD_SA for child SAs (RFC 7296 §1.3.1 additional child SAs, §1.3.3 and §2.8 rekeying
// them, §2.17 KEYMAT with the exchange's nonces and optional PFS), both roles, and the timers
// that rekey children on time. Collisions (§2.8.1, §2.25) are resolved in child_collision.cpp.
#include <algorithm>

#include "crypto/esp_keys.hpp"
#include "policy/esp_pfs.hpp"
#include "policy/proposals.hpp"
#include "sa/child_collision.hpp"
#include "sa/convert.hpp"
#include "sa/tasks.hpp"
#include "wire/format.hpp"

namespace ike::sa {
namespace {

constexpr std::size_t nonce_size = 32;

wire::Bytes be16(std::uint16_t v) { return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)}; }

std::optional<std::uint32_t> spi32(const wire::Bytes& b) {
    if (b.size() != 4) return std::nullopt;
    return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
}

// The KE groups a CREATE_CHILD_SA offers (§1.3.1, §2.17): the IKE SA's own first when we allow
// it for children (a group the peer surely supports; strongSwan rekeys with it too), then the
// others in our order; on a refused rekey's retry, only the IKE SA's. The group of the KE payload
// (after INVALID_KE_PAYLOAD, the one the peer asked for) is always among them.
std::vector<crypto::KeId> offered_groups(const Context& ctx, const IkeSa& sa, const ChildExchange& ex) {
    const auto& ours = ctx.config.proposals.child_ke;
    std::vector<crypto::KeId> out;
    if (ours.empty()) return out;
    const bool own_allowed = std::find(ours.begin(), ours.end(), sa.suite.ke) != ours.end();
    if (own_allowed) out.push_back(sa.suite.ke);
    if (!ex.own_group_retry)
        for (const auto g : ours)
            if (g != sa.suite.ke) out.push_back(g);
    if (ex.ke && std::find(out.begin(), out.end(), ex.ke->group()) == out.end()) out.insert(out.begin(), ex.ke->group());
    return out;
}

// Our request for the exchange in `ex` (§1.3.1, §1.3.3): [N(REKEY_SA)], SA, Ni, [KEi], TSi, TSr.
Payloads request_payloads(const Context& ctx, const IkeSa& sa, const ChildExchange& ex) {
    Payloads p;
    if (ex.rekeys)
        if (const auto* old = const_cast<IkeSa&>(sa).find_child(*ex.rekeys))
            p.emplace_back(wire::Notify{wire::ProtocolId::esp, be32(old->inbound_spi), wire::NotifyType::rekey_sa, {}, false});
    if (ex.request.mode == Mode::transport) p.emplace_back(notify(wire::NotifyType::use_transport_mode));
    auto offer = policy::offer_esp(ctx.config.proposals.esp, ex.request.inbound_spi, ctx.config.proposals.esn);
    policy::add_ke_transforms(offer, offered_groups(ctx, sa, ex));
    p.emplace_back(std::move(offer));
    p.emplace_back(wire::NoncePayload{*wire::Nonce::make(ex.nonce), false});
    if (ex.ke) {
        const auto pub = ex.ke->public_value();
        p.emplace_back(wire::KeyExchange{static_cast<wire::KeGroup>(ex.ke->group()), wire::Bytes(pub.begin(), pub.end()), false});
    }
    p.emplace_back(wire::TsInitiator{to_wire(ex.request.local_ts)});
    p.emplace_back(wire::TsResponder{to_wire(ex.request.remote_ts)});
    return p;
}

void child_failed(Context& ctx, IkeSa& sa, ChildSaId id, std::string detail) {
    ctx.emit(ChildSaDown{sa.id, id, 0, 0, sa.local, sa.remote, DownReason::negotiation_failed, std::move(detail)});
}

// --- initiator: the answer ---

// A request that could not be completed: nothing of the new child is kept.
// `peer_made_it`: the peer answered without an error, so it installed the child: a DELETE of
// our inbound SPI (RFC 7296 §3.11) tells it to remove it.
void give_up(Context& ctx, IkeSa& sa, const ChildExchange& ex, const std::string& detail, bool peer_made_it = false) {
    if (peer_made_it) {
        const ChildSaId id = ctx.new_child_id();
        sa.refused_children.push_back({id, ex.request.inbound_spi});
        sa.window.enqueue({RequestKind::delete_child, id});
    } else {
        ctx.spis.release(ex.request.inbound_spi);
    }
    if (!ex.rekeys) {
        if (ex.request.announced) child_failed(ctx, sa, ex.request.id, detail);
        return;
    }
    if (auto* old = sa.find_child(*ex.rekeys)) {  // it lives on until its hard lifetime (or a rekey_child)
        old->rekeying = false;
        old->rekey_at = Time::max();
        old->peer_rekey_nonce.clear();
    }
}

bool retry_with_group(Context& ctx, IkeSa& sa, ChildExchange& ex, const wire::Notify& n) {
    if (ex.ke_retries > 0 || n.data.size() != 2) return false;
    const auto group = static_cast<crypto::KeId>(n.data[0] << 8 | n.data[1]);
    const auto& ours = ctx.config.proposals.child_ke;
    if (std::find(ours.begin(), ours.end(), group) == ours.end() || (ex.ke && ex.ke->group() == group)) return false;
    auto ke = crypto::make_key_exchange(group, ctx.rng);
    if (!ke) return false;
    ex.ke = std::move(*ke);
    ++ex.ke_retries;
    const auto kind = ex.rekeys ? RequestKind::rekey_child : RequestKind::create_child;
    const auto p = request_payloads(ctx, sa, ex);
    if (!send_request(ctx, sa, {kind, ex.rekeys ? *ex.rekeys : ex.request.id}, wire::ExchangeType::create_child_sa, p))
        return false;
    sa.child_exchange = std::move(ex);
    return true;
}

RekeyFailure failure_of(wire::NotifyType t) {
    switch (t) {
        case wire::NotifyType::invalid_ke_payload: return RekeyFailure::invalid_ke;
        case wire::NotifyType::no_proposal_chosen:
        case wire::NotifyType::ts_unacceptable: return RekeyFailure::no_proposal_chosen;
        default: return RekeyFailure::refused;
    }
}

// A rekey refused with an error notify is tried once more offering only the IKE SA's KE group:
// a widely deployed implementation answers INVALID_SYNTAX (not INVALID_KE_PAYLOAD, RFC 7296
// §1.3) to a CREATE_CHILD_SA whose KE group it did not choose itself.
bool retry_own_group(Context& ctx, IkeSa& sa, ChildExchange& ex, const std::string& refused) {
    const auto& ours = ctx.config.proposals.child_ke;
    if (!ex.rekeys || ex.own_group_retry || std::find(ours.begin(), ours.end(), sa.suite.ke) == ours.end()) return false;
    const auto* old = sa.find_child(*ex.rekeys);
    if (old == nullptr || old->replaced_by || old->redundant) return false;
    auto ke = crypto::make_key_exchange(sa.suite.ke, ctx.rng);
    if (!ke) return false;
    ex.ke = std::move(*ke);
    ex.own_group_retry = true;
    ex.nonce = ctx.random_bytes(nonce_size);  // a new exchange; our SPI is still unused at the peer
    const auto p = request_payloads(ctx, sa, ex);
    if (!send_request(ctx, sa, {RequestKind::rekey_child, *ex.rekeys}, wire::ExchangeType::create_child_sa, p))
        return false;
    emit_rekey_failed(ctx, sa, *ex.rekeys, RekeyFailure::refused,
                      refused + "; retrying with only the IKE SA's key exchange group", true);
    sa.child_exchange = std::move(ex);
    return true;
}

void handle_error(Context& ctx, IkeSa& sa, ChildExchange ex, const wire::Notify& e) {
    const std::string refused = "CREATE_CHILD_SA refused: " + notify_name(e.type);
    switch (e.type) {
        case wire::NotifyType::invalid_ke_payload:
            if (retry_with_group(ctx, sa, ex, e)) return;
            break;
        case wire::NotifyType::temporary_failure:
            switch (retry_later(ctx, sa, ex)) {
                case LaterRetry::scheduled:
                    return;
                case LaterRetry::moot:  // the peer's rekey replaced the SA meanwhile: no RekeyFailed
                    give_up(ctx, sa, ex, refused);
                    return;
                case LaterRetry::exhausted:
                    break;
            }
            break;
        case wire::NotifyType::child_sa_not_found:
            if (ex.rekeys) {
                ctx.spis.release(ex.request.inbound_spi);
                child_not_found(ctx, sa, *ex.rekeys, refused);
                return;
            }
            break;
        default:
            if (retry_own_group(ctx, sa, ex, refused)) return;
            break;
    }
    if (ex.rekeys) emit_rekey_failed(ctx, sa, *ex.rekeys, failure_of(e.type), refused);
    give_up(ctx, sa, ex, refused);
}

struct Answer {
    std::optional<ChildSa> child;
    Bytes nr;
    std::optional<crypto::SharedSecret> g_ir;
    std::string error;
    std::optional<VerifyFailure> failure;
};

Answer check_answer(Context& ctx, IkeSa& sa, ChildExchange& ex, const Payloads& inner) {
    Answer a;
    auto offer = accept_child(ctx, ex.request, inner, sa.peer_allowed);
    a.failure = offer.failure;
    if (!offer.child) {
        a.error = offer.failure ? offer.failure->detail : offer.error;
        return a;
    }
    const auto* sa_p = find_payload<wire::SecurityAssociation>(inner);
    const auto* nr = find_payload<wire::NoncePayload>(inner);
    const std::optional<crypto::KeId> sent = ex.ke ? std::optional(ex.ke->group()) : std::nullopt;
    if (nr == nullptr || !policy::accept_pfs(sa_p->proposals.front(), sent)) {
        a.error = "CREATE_CHILD_SA response: no nonce, or a key exchange we did not offer";
        return a;
    }
    if (ex.ke) {
        const auto* ke = find_payload<wire::KeyExchange>(inner);
        if (ke == nullptr || static_cast<std::uint16_t>(ke->group) != static_cast<std::uint16_t>(ex.ke->group())) {
            a.error = "CREATE_CHILD_SA response: no KEr of our group";
            return a;
        }
        auto g = ex.ke->shared_secret(ke->data);
        if (!g) {
            a.error = "CREATE_CHILD_SA response: bad KEr";
            return a;
        }
        a.g_ir = std::move(*g);
    }
    a.nr = nr->nonce.bytes();
    a.child = std::move(offer.child);
    return a;
}

// --- responder ---

Payloads refuse(wire::NotifyType t, wire::Bytes data = {}) { return {notify(t, std::move(data))}; }

bool closing(const IkeSa& sa, ChildSaId c) {
    const auto& o = sa.window.outstanding();
    return o && o->request.kind == RequestKind::delete_child && o->request.child == c;
}

const wire::Proposal* chosen_proposal(std::span<const wire::Payload> inner, std::uint8_t number) {
    const auto* sa_p = find_payload<wire::SecurityAssociation>(inner);
    if (sa_p == nullptr) return nullptr;
    for (const auto& p : sa_p->proposals)
        if (p.number == number && p.protocol == wire::ProtocolId::esp) return &p;
    return nullptr;
}

wire::SecurityAssociation* reply_sa(Payloads& p) {
    for (auto& x : p)
        if (auto* s = std::get_if<wire::SecurityAssociation>(&x)) return s;
    return nullptr;
}

}  // namespace

std::string notify_name(wire::NotifyType t) {
    const auto n = wire::to_string(t);
    return n.empty() ? "notify " + std::to_string(wire::raw(t)) : std::string(n);
}

std::chrono::seconds schedule_rekey(Context& ctx, ChildSa& child) {
    const auto& lt = ctx.config.lifetimes;
    if (lt.child_soft.count() <= 0) {
        child.rekey_at = Time::max();
        return lt.child_soft;
    }
    std::array<std::uint8_t, 4> r{};
    ctx.rng.fill(r);
    const std::uint64_t spread = static_cast<std::uint64_t>(lt.child_soft.count()) * 1000 * lt.jitter_percent / 100;
    const std::uint64_t rand = std::uint64_t{r[0]} << 24 | std::uint64_t{r[1]} << 16 | std::uint64_t{r[2]} << 8 | r[3];
    const Duration jitter{spread == 0 ? 0 : static_cast<Duration::rep>(rand % (spread + 1))};
    const Duration soft = std::chrono::duration_cast<Duration>(lt.child_soft) - jitter;
    child.rekey_at = ctx.now + soft;
    return std::chrono::duration_cast<std::chrono::seconds>(soft);
}

bool can_carry_child(const IkeSa& sa, const InitiateRequest& req, const SocketAddress& local) {
    if (sa.remote.ip != req.remote.ip || sa.local.ip != local.ip) return false;
    if (sa.rekeyed_to || sa.down_emitted) return false;  // an IKE SA rekey replaced it, or it is going
    const bool usable = sa.state() == State::established ||
                        (sa.initiator() && (sa.state() == State::init_sent || sa.state() == State::auth_sent));
    if (!usable) return false;
    if (!req.peer_id) return true;
    const auto& id = sa.peer_id ? sa.peer_id : sa.expected_peer_id;
    return id && *id == *req.peer_id;
}

// Children asked for on one IKE SA that wait for their exchange (or for the SA): beyond this,
// initiate() says limit_reached.
constexpr std::size_t max_queued_children = 64;

// A child with the same selectors and mode already asked for and not up yet (the first child of
// an SA still being set up, one queued, or one in flight): a repeated ACQUIRE for the same
// traffic while its tunnel is being made.
std::optional<ChildSaId> pending_same(const IkeSa& sa, const InitiateRequest& req) {
    const auto same = [&](const ChildRequest& r) {
        return r.local_ts == req.local_ts && r.remote_ts == req.remote_ts && r.mode == req.mode;
    };
    if (sa.first_child && same(*sa.first_child)) return sa.first_child->id;
    for (const auto& r : sa.child_requests)
        if (same(r)) return r.id;
    if (sa.child_exchange && !sa.child_exchange->rekeys && same(sa.child_exchange->request))
        return sa.child_exchange->request.id;
    return std::nullopt;
}

Expected<ChildSaId, CommandError> queue_additional_child(Context& ctx, IkeSa& sa, const InitiateRequest& req) {
    if (const auto id = pending_same(sa, req)) return *id;
    if (sa.child_requests.size() >= max_queued_children) return unexpected(CommandError::limit_reached);
    const auto spi = ctx.spis.allocate(sa.local, sa.remote);
    if (!spi) return unexpected(CommandError::spi_unavailable);
    const ChildSaId id = ctx.new_child_id();
    sa.child_requests.push_back(ChildRequest{id, req.tag, *spi, req.local_ts, req.remote_ts, req.mode});
    sa.window.enqueue({RequestKind::create_child, id});
    pump_requests(ctx, sa);
    return id;
}

void queue_child_rekey(Context& ctx, IkeSa& sa, ChildSa& child) {
    if (child.rekeying || child.replaced_by || child.redundant) return;
    child.rekeying = true;
    sa.window.enqueue({RequestKind::rekey_child, child.id});
    pump_requests(ctx, sa);
}

std::optional<Payloads> start_child_sa(Context& ctx, IkeSa& sa, const QueuedRequest& req) {
    ChildExchange ex;
    if (req.kind == RequestKind::create_child) {
        const auto it = std::find_if(sa.child_requests.begin(), sa.child_requests.end(),
                                     [&](const ChildRequest& r) { return r.id == req.child; });
        if (it == sa.child_requests.end()) return std::nullopt;
        ex.request = *it;
        sa.child_requests.erase(it);
    } else {
        auto* old = sa.find_child(req.child);
        if (old == nullptr) return std::nullopt;
        if (old->replaced_by || old->redundant || closing(sa, old->id)) {  // the peer's rekey (or a delete) came first
            old->rekeying = false;
            return std::nullopt;
        }
        const auto spi = ctx.spis.allocate(sa.local, sa.remote);
        if (!spi) {  // still `rekeying`: the deferred retry clears it
            sa.deferred_children.push_back({RequestKind::rekey_child, old->id, ctx.now + child_retry_delay(ctx)});
            return std::nullopt;
        }
        ex.request = ChildRequest{ctx.new_child_id(), old->tag, *spi, old->local_ts, old->remote_ts, old->mode};
        ex.rekeys = old->id;
    }
    ex.nonce = ctx.random_bytes(nonce_size);
    if (const auto groups = offered_groups(ctx, sa, ex); !groups.empty()) {
        auto ke = crypto::make_key_exchange(groups.front(), ctx.rng);
        if (ke) ex.ke = std::move(*ke);
    }
    auto p = request_payloads(ctx, sa, ex);
    sa.child_exchange = std::move(ex);
    return p;
}

void handle_child_sa_response(Context& ctx, IkeSa& sa, const QueuedRequest&, const Payloads& inner) {
    sa.window.response_received();
    if (!sa.child_exchange) {
        pump_requests(ctx, sa);
        return;
    }
    auto ex = std::move(*sa.child_exchange);
    sa.child_exchange.reset();
    if (const auto* e = find_error_notify(inner)) {
        handle_error(ctx, sa, std::move(ex), *e);
        if (!sa.window.busy()) pump_requests(ctx, sa);
        return;
    }
    auto a = check_answer(ctx, sa, ex, inner);
    if (!a.child) {
        if (a.failure) report_auth_failure(ctx, sa, *a.failure);
        if (ex.rekeys) emit_rekey_failed(ctx, sa, *ex.rekeys, RekeyFailure::bad_answer, a.error);
        give_up(ctx, sa, ex, a.error, true);
        pump_requests(ctx, sa);
        return;
    }
    sa.child_temporary_failures = 0;
    const ChildSaId made = a.child->id;
    const bool old_alive = ex.rekeys && sa.find_child(*ex.rekeys) != nullptr;
    const crypto::SharedSecret* g = a.g_ir ? &*a.g_ir : nullptr;
    install_child(ctx, sa, std::move(*a.child),
                  {crypto::Role::Initiator, ex.nonce, a.nr, g, old_alive ? ex.rekeys : std::nullopt});
    if (ex.rekeys) settle_rekey(ctx, sa, *ex.rekeys, made, ex.nonce, a.nr);
    pump_requests(ctx, sa);
}

void handle_child_sa_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner) {
    // Deleting or rekeying the IKE SA: a temporary condition (§2.25); the peer retries later.
    const auto& busy = sa.window.outstanding();
    // Reported down and waiting for its DELETE to go (revoked, notAfter): nothing new on it either.
    if (sa.state() != State::established || sa.down_emitted || (busy && busy->request.kind == RequestKind::rekey_ike)) {
        respond(ctx, sa, rx, refuse(wire::NotifyType::temporary_failure));
        return;
    }
    std::optional<ChildSaId> old_id;
    if (const auto* rk = find_notify(inner, wire::NotifyType::rekey_sa)) {
        const auto spi = rk->protocol == wire::ProtocolId::esp ? spi32(rk->spi) : std::nullopt;
        const auto* old = spi ? sa.find_child_by_outbound(*spi) : nullptr;
        if (old == nullptr) {  // §2.25: gone (or never ours)
            respond(ctx, sa, rx, {wire::Notify{wire::ProtocolId::esp, rk->spi, wire::NotifyType::child_sa_not_found, {}, false}});
            return;
        }
        if (old->replaced_by || old->redundant || closing(sa, old->id)) {  // §2.25.1
            respond(ctx, sa, rx, refuse(wire::NotifyType::temporary_failure));
            return;
        }
        old_id = old->id;
    }
    auto offer = respond_child(ctx, sa, inner, sa.peer_allowed);
    if (!offer.child) {
        respond(ctx, sa, rx, offer.payloads.empty() ? refuse(wire::NotifyType::invalid_syntax) : offer.payloads);
        if (offer.failure) report_auth_failure(ctx, sa, *offer.failure);
        return;
    }
    const auto release = [&](Payloads answer) {
        ctx.spis.release(offer.child->inbound_spi);
        respond(ctx, sa, rx, answer);
    };
    const auto* proposal = chosen_proposal(inner, offer.proposal_number);
    const auto pfs = proposal ? policy::select_pfs(*proposal, ctx.config.proposals.child_ke) : std::nullopt;
    if (!pfs) return release(refuse(wire::NotifyType::no_proposal_chosen));
    const auto* ni = find_payload<wire::NoncePayload>(inner);
    if (ni == nullptr) return release(refuse(wire::NotifyType::invalid_syntax));
    std::optional<crypto::SharedSecret> g_ir;
    wire::Bytes our_public;
    if (pfs->group) {
        const auto* ke = find_payload<wire::KeyExchange>(inner);
        if (ke == nullptr || static_cast<std::uint16_t>(ke->group) != static_cast<std::uint16_t>(*pfs->group))
            return release(refuse(wire::NotifyType::invalid_ke_payload, be16(static_cast<std::uint16_t>(*pfs->group))));
        auto ours = crypto::make_key_exchange(*pfs->group, ctx.rng);
        if (!ours) return release(refuse(wire::NotifyType::no_proposal_chosen));
        auto g = (*ours)->shared_secret(ke->data);
        if (!g) return release(refuse(wire::NotifyType::invalid_syntax));
        g_ir = std::move(*g);
        const auto pub = (*ours)->public_value();
        our_public.assign(pub.begin(), pub.end());
    }
    policy::add_ke_reply(*reply_sa(offer.payloads), pfs->group);
    const Bytes nr = ctx.random_bytes(nonce_size);
    Payloads answer;
    for (auto& p : offer.payloads) {
        const bool is_sa = std::holds_alternative<wire::SecurityAssociation>(p);
        answer.push_back(std::move(p));
        if (!is_sa) continue;
        answer.emplace_back(wire::NoncePayload{*wire::Nonce::make(nr), false});
        if (pfs->group) answer.emplace_back(wire::KeyExchange{static_cast<wire::KeGroup>(*pfs->group), our_public, false});
    }
    respond(ctx, sa, rx, answer);
    sa.child_temporary_failures = 0;
    auto child = std::move(*offer.child);
    if (old_id) {
        child.tag = sa.find_child(*old_id)->tag;  // the caller's tag follows the tunnel across rekeys
        peer_rekeyed(sa, *old_id, child.id, ni->nonce.bytes(), nr);
    }
    const crypto::SharedSecret* g = g_ir ? &*g_ir : nullptr;
    install_child(ctx, sa, std::move(child), {crypto::Role::Responder, ni->nonce.bytes(), nr, g, old_id});
}

void check_child_timers(Context& ctx, IkeSa& sa) {
    if (sa.state() != State::established) return;
    std::vector<DeferredChild> due;  // taken out first: starting one may defer it again
    std::erase_if(sa.deferred_children, [&](const DeferredChild& d) {
        if (d.at > ctx.now) return false;
        due.push_back(d);
        return true;
    });
    for (const auto& d : due) {
        if (d.kind == RequestKind::create_child) {
            sa.window.enqueue({d.kind, d.child});
        } else if (auto* c = sa.find_child(d.child)) {
            c->rekeying = true;  // it stayed so while deferred
            sa.window.enqueue({RequestKind::rekey_child, c->id});
        }
    }
    for (auto& c : sa.children)
        if (c.rekey_at <= ctx.now && !c.rekeying && !c.replaced_by && !c.redundant) {
            c.rekeying = true;
            sa.window.enqueue({RequestKind::rekey_child, c.id});
        }
    pump_requests(ctx, sa);
}

std::optional<Time> child_timer_deadline(const IkeSa& sa) {
    if (sa.state() != State::established) return std::nullopt;
    std::optional<Time> t;
    const auto take = [&](Time c) {
        if (!t || c < *t) t = c;
    };
    for (const auto& d : sa.deferred_children) take(d.at);
    for (const auto& c : sa.children)
        if (!c.rekeying && !c.replaced_by && !c.redundant && c.rekey_at != Time::max()) take(c.rekey_at);
    return t;
}

void release_pending_children(Context& ctx, IkeSa& sa) {
    for (const auto& r : sa.child_requests) ctx.spis.release(r.inbound_spi);
    for (const auto& r : sa.refused_children) ctx.spis.release(r.inbound_spi);
    sa.refused_children.clear();
    sa.child_requests.clear();
    if (sa.child_exchange) ctx.spis.release(sa.child_exchange->request.inbound_spi);
    sa.child_exchange.reset();
    sa.deferred_children.clear();
}

}  // namespace ike::sa
