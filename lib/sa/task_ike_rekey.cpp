// CREATE_CHILD_SA rekeying the IKE SA itself (RFC 7296 §1.3.2, §2.18), its collisions (§2.8.2,
// §2.25.2), and the IKE SA's lifetime: a rekey on time, with jitter, and never past notAfter.
//
// The new IKE SA has new SPIs and keys (SKEYSEED = prf(SK_d old, g^ir new | Ni | Nr)), message
// IDs from 0 and its own window; its initiator is whoever initiated the rekey. The children move
// over with their ChildSaIds (IkeSaUp{replaces} says so, no ChildSaDown); the rekey initiator then
// deletes the old SA with an INFORMATIONAL DELETE over the old SA (IkeSaDown{rekeyed}). The
// responder's old SA waits for that DELETE and closes silently if it never comes.
//
// notAfter: a rekey does not re-authenticate, so the new SA inherits the peer certificate's
// notAfter, and at that moment the SA is closed (DELETE, DownReason::cert_expired). We do not
// re-authenticate in the engine (§2.8.3 re-authentication is a new IKE_SA_INIT/IKE_AUTH): a
// daemon that wants the tunnel to live on initiates a new IKE SA once the renewed certificate is
// there; that SA carries the new notAfter and the old one is closed on time anyway.
#include <algorithm>

#include "policy/proposals.hpp"
#include "sa/convert.hpp"
#include "sa/protect.hpp"
#include "sa/tasks.hpp"

namespace ike::sa {

struct IkeRekey {
    // Our attempt, while its request is outstanding.
    bool in_flight = false;
    std::unique_ptr<crypto::KeyExchange> ke;
    Bytes nonce;
    std::uint64_t spi = 0;
    // §2.8.2: the peer's rekey of the same SA that we answered meanwhile, and the lowest nonce
    // of that exchange; decided when our own response arrives.
    std::optional<IkeSaId> theirs;
    Bytes theirs_lowest;
    // The peer deleted the old SA meanwhile (it kept its own new SA): ours, if it comes, is
    // redundant, and the old SA stays only to receive our response and delete it.
    bool peer_deleted_old = false;
    // INVALID_KE_PAYLOAD asked for this group (bounded retries).
    std::optional<crypto::KeId> group;
    unsigned ke_retries = 0;
};

namespace {

constexpr std::size_t nonce_size = 32;

IkeRekey& rekey_state(IkeSa& sa) {
    if (!sa.rekey) sa.rekey = std::make_shared<IkeRekey>();
    return *sa.rekey;
}

std::uint32_t random_u32(Context& ctx) {
    const auto b = ctx.random_bytes(4);
    return static_cast<std::uint32_t>(b[0]) << 24 | static_cast<std::uint32_t>(b[1]) << 16 |
           static_cast<std::uint32_t>(b[2]) << 8 | b[3];
}

// The lifetime less a random part of up to jitter_percent, so a mesh does not rekey in lockstep.
Duration jittered(Context& ctx, Duration lifetime) {
    const auto pct = std::min(ctx.config.lifetimes.jitter_percent, 100u);
    const auto span = static_cast<std::uint64_t>(lifetime.count()) * pct / 100;
    const auto cut = span == 0 ? 0 : random_u32(ctx) % (span + 1);
    return lifetime - Duration{static_cast<Duration::rep>(cut)};
}

// How long the peer may still need to finish its part (its response's retransmissions, then a
// DELETE's): twice its whole retransmission schedule.
Duration peer_grace(const Timers& t) {
    Duration total{0}, interval = t.retransmit_initial;
    for (unsigned i = 0; i <= t.retransmit_tries; ++i) {
        total += interval;
        interval = std::min(interval * 2, t.retransmit_max);
    }
    return 2 * total;
}

void retry_later(Context& ctx, IkeSa& sa, Duration after) { sa.rekey_at = ctx.now + after; }

// TEMPORARY_FAILURE (§2.25): try again after a short random time.
void retry_soon(Context& ctx, IkeSa& sa) {
    const auto base = ctx.config.timers.retransmit_initial;
    retry_later(ctx, sa, base + Duration{static_cast<Duration::rep>(random_u32(ctx) % (3 * base.count() + 1))});
}

// Other failures (no proposal, bad reply): the old SA lives on; try again after a tenth of a lifetime.
void retry_much_later(Context& ctx, IkeSa& sa) {
    const Duration life = ctx.config.lifetimes.ike_rekey;
    retry_later(ctx, sa, std::max(life / 10, Duration{60000}));
}

const Bytes& lowest(const Bytes& a, const Bytes& b) { return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end()) ? a : b; }
bool less(const Bytes& a, const Bytes& b) { return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end()); }

std::uint64_t spi_of(const Bytes& b) {
    std::uint64_t v = 0;
    for (const auto x : b) v = v << 8 | x;
    return v;
}

// Every proposal is for IKE and carries the same 8-octet SPI (§1.3.2, §3.3.1); returns it, and
// the proposals without it for lib/policy (which matches IKE_SA_INIT's SPI-less proposals).
std::optional<std::uint64_t> take_ike_spi(wire::SecurityAssociation& sa_p) {
    std::optional<std::uint64_t> spi;
    for (auto& p : sa_p.proposals) {
        if (p.protocol != wire::ProtocolId::ike || p.spi.size() != 8) return std::nullopt;
        const auto v = spi_of(p.spi);
        if (v == 0 || (spi && *spi != v)) return std::nullopt;
        spi = v;
        p.spi.clear();
    }
    return spi;
}

// §2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old PRF; the SK_* keys as in
// §2.14 with the new suite, the exchange's nonces and the new SPIs.
Expected<SaKeys, KeyError> derive(Context& ctx, const IkeSa& old, const crypto::IkeSuite& suite,
                                  crypto::KeyExchange& ke, const Bytes& peer_public, const Bytes& ni, const Bytes& nr,
                                  std::uint64_t spi_i, std::uint64_t spi_r, crypto::Role role) {
    if (!old.keys) return unexpected(KeyError{KeyError::Step::no_parent_keys, {}});
    auto gir = ke.shared_secret(peer_public);
    if (!gir) return unexpected(KeyError{KeyError::Step::shared_secret, gir.error()});
    auto seed = crypto::derive_rekey_skeyseed(old.suite.prf, old.keys->sk_d, *gir, ni, nr);
    if (!seed) return unexpected(KeyError{KeyError::Step::skeyseed, seed.error()});
    return derive_sa_keys(ctx.rng, suite, *seed, ni, nr, spi_i, spi_r, role);
}

// The new IKE SA: the old one's peer, addresses and authentication, new everything else.
std::unique_ptr<IkeSa> successor(Context& ctx, const IkeSa& old, crypto::Role role, std::uint64_t spi_i,
                                 std::uint64_t spi_r, const crypto::IkeSuite& suite, SaKeys k, const Bytes& ni,
                                 const Bytes& nr) {
    auto n = std::make_unique<IkeSa>(Birth::rekeyed);
    n->id = ctx.sas->new_ike_id();
    n->role = role;
    n->spi_i = spi_i;
    n->spi_r = spi_r;
    n->local = old.local;
    n->remote = old.remote;
    n->init_remote = old.remote;
    n->suite = suite;
    n->nonce_i = ni;
    n->nonce_r = nr;
    n->peer_hashes = old.peer_hashes;
    n->nat = old.nat;
    install_keys(*n, std::move(k));
    n->expected_peer_id = old.expected_peer_id;
    n->peer_id = old.peer_id;
    n->peer_not_after = old.peer_not_after;
    n->peer_facts = old.peer_facts;
    n->peer_allowed = old.peer_allowed;
    n->send_initial_contact = false;
    n->last_heard = ctx.now;
    n->began = ctx.now;
    if (ctx.config.lifetimes.ike_rekey.count() > 0) n->rekey_at = ctx.now + jittered(ctx, ctx.config.lifetimes.ike_rekey);
    return n;
}

// A new SA nobody is told about (a collision's loser, until decided): no Up, so no Down.
IkeSa& adopt_silent(Context& ctx, std::unique_ptr<IkeSa> n) {
    n->down_emitted = true;
    auto& sa = ctx.sas->adopt(std::move(n));
    export_ike_keys(ctx, sa);
    return sa;
}

// A new SA nobody was told about that must go (a collision's loser, or one made for an SA that
// is being closed): a DELETE over it, and no events.
void delete_silently(Context& ctx, IkeSa& n) {
    n.window.enqueue({RequestKind::delete_ike, {}});
    pump_requests(ctx, n);
    ctx.sas->touch(n);
}

// The SA is being closed (delete_ike, revocation, notAfter): it must not live on in a new SA.
bool closing(const IkeSa& sa) { return sa.down_emitted || sa.window.queued(RequestKind::delete_ike); }

// The children and the queued requests of `old` move to `heir`, which goes Up replacing it.
void inherit(Context& ctx, IkeSa& old, IkeSa& heir) {
    heir.children = std::move(old.children);
    old.children.clear();
    // Children still to be made or retried (task_child_sa.cpp) go over the new SA too.
    heir.child_requests = std::move(old.child_requests);
    old.child_requests.clear();
    heir.deferred_children = std::move(old.deferred_children);
    old.deferred_children.clear();
    heir.refused_children = std::move(old.refused_children);  // their DELETEs go over the new SA
    old.refused_children.clear();
    while (auto r = old.window.dequeue())
        if (r->kind != RequestKind::rekey_ike && r->kind != RequestKind::liveness) heir.window.enqueue(*r);
    old.rekeyed_to = heir.id;
    heir.down_emitted = false;
    heir.up_since = ctx.now;
    heir.forget_at.reset();
    ctx.sas->touch(old);
    ctx.sas->touch(heir);
    ++ctx.counters.ike_sas_up;
    ctx.emit(IkeSaUp{heir.id, heir.local, heir.remote, heir.peer_id.value_or(Identity{}), heir.suite, heir.nat,
                     heir.initiator(), heir.peer_not_after, old.id});
    pump_requests(ctx, heir);
}

void await_peer_delete(Context& ctx, IkeSa& sa) { sa.forget_at = ctx.now + peer_grace(ctx.config.timers); }

bool child_exchange(RequestKind k) {
    return k == RequestKind::create_child || k == RequestKind::rekey_child || k == RequestKind::delete_child;
}

void refuse(Context& ctx, IkeSa& sa, const Received& rx, wire::NotifyType type, wire::Bytes data = {}) {
    respond(ctx, sa, rx, {notify(type, std::move(data))});
}

// The responder's successful answer to our rekey, checked, and the new SA built from it.
struct Accepted {
    std::unique_ptr<IkeSa> sa;
    Bytes nr;
};
// Why the answer to our rekey was not taken (RekeyFailed's detail says which).
enum class ReplyError : std::uint8_t { no_ke_in_flight, missing_payload, bad_spi, not_offered, wrong_ke_group, bad_ke };

std::string to_string(ReplyError e) {
    switch (e) {
        case ReplyError::no_ke_in_flight: return "no key exchange of ours in flight";
        case ReplyError::missing_payload: return "no SA, KE or Nonce payload in the answer";
        case ReplyError::bad_spi: return "no (or a malformed) IKE SPI in the answer";
        case ReplyError::not_offered: return "the answer chose nothing we offered";
        case ReplyError::wrong_ke_group: return "the answer's KE group is not the one we sent";
        case ReplyError::bad_ke: return "the answer's KE is bad";
    }
    return "?";
}

Expected<Accepted, ReplyError> accept_reply(Context& ctx, const IkeSa& sa, const Payloads& inner) {
    const auto& r = *sa.rekey;
    const auto* sa_p = find_payload<wire::SecurityAssociation>(inner);
    const auto* ke_p = find_payload<wire::KeyExchange>(inner);
    const auto* nr_p = find_payload<wire::NoncePayload>(inner);
    if (!r.ke) return unexpected(ReplyError::no_ke_in_flight);
    if (sa_p == nullptr || ke_p == nullptr || nr_p == nullptr) return unexpected(ReplyError::missing_payload);
    auto reply = *sa_p;
    const auto spi_r = take_ike_spi(reply);
    if (!spi_r) return unexpected(ReplyError::bad_spi);
    const auto suite = policy::accept_ike(reply, ctx.config.proposals.ike);
    if (!suite) return unexpected(ReplyError::not_offered);
    if (suite->ke != r.ke->group() || wire::raw(ke_p->group) != static_cast<std::uint16_t>(suite->ke))
        return unexpected(ReplyError::wrong_ke_group);
    const auto& nr = nr_p->nonce.bytes();
    auto keys = derive(ctx, sa, *suite, *r.ke, ke_p->data, r.nonce, nr, r.spi, *spi_r, crypto::Role::Initiator);
    if (!keys) return unexpected(ReplyError::bad_ke);
    return Accepted{successor(ctx, sa, crypto::Role::Initiator, r.spi, *spi_r, *suite, std::move(*keys), r.nonce, nr), nr};
}

// §2.8.2: the peer deleted the old SA before our rekey's answer came: the peer kept the SA it
// made, so ours (if it made one) is redundant and ours to delete; then the old SA goes.
void finish_after_peer_delete(Context& ctx, IkeSa& sa, const Payloads& inner) {
    sa.rekey->in_flight = false;
    if (find_error_notify(inner) == nullptr)
        if (auto accepted = accept_reply(ctx, sa, inner)) delete_silently(ctx, adopt_silent(ctx, std::move(accepted->sa)));
    close_ike(ctx, sa, DownReason::rekeyed, "rekeyed");
}

// Our rekey was answered while the old SA is being closed: nothing moves over, and whatever new
// SAs the exchange (and a colliding one of the peer's) made are deleted; the old SA's DELETE follows.
void abandon_rekey(Context& ctx, IkeSa& sa, IkeSa* theirs, const Payloads& inner) {
    if (theirs) delete_silently(ctx, *theirs);
    if (find_error_notify(inner) == nullptr)
        if (auto accepted = accept_reply(ctx, sa, inner)) delete_silently(ctx, adopt_silent(ctx, std::move(accepted->sa)));
    pump_requests(ctx, sa);
}

}  // namespace

bool is_ike_rekey(std::span<const wire::Payload> inner) {
    for (const auto& p : inner)
        if (const auto* sa = std::get_if<wire::SecurityAssociation>(&p))
            return !sa->proposals.empty() && sa->proposals.front().protocol == wire::ProtocolId::ike;
    return false;
}

bool ike_rekey_busy(const IkeSa& sa) { return sa.rekeyed_to || (sa.rekey && sa.rekey->in_flight); }

std::optional<Payloads> start_ike_rekey(Context& ctx, IkeSa& sa, const QueuedRequest&) {
    if (sa.state() != State::established || sa.rekeyed_to || sa.down_emitted) return std::nullopt;
    if (ctx.sas == nullptr) {
        retry_much_later(ctx, sa);
        return std::nullopt;
    }
    auto& r = rekey_state(sa);
    auto ke = crypto::make_key_exchange(r.group.value_or(sa.suite.ke), ctx.rng);
    if (!ke) {
        r.group.reset();
        retry_much_later(ctx, sa);
        return std::nullopt;
    }
    r.ke = std::move(*ke);
    r.nonce = ctx.random_bytes(nonce_size);
    r.spi = ctx.sas->new_ike_spi();
    r.in_flight = true;
    r.theirs.reset();
    auto offer = policy::offer_ike(ctx.config.proposals.ike);
    for (auto& p : offer.proposals) p.spi = be64(r.spi);
    const auto pub = r.ke->public_value();
    return Payloads{std::move(offer), wire::NoncePayload{*wire::Nonce::make(r.nonce), false},
                    wire::KeyExchange{static_cast<wire::KeGroup>(r.ke->group()), wire::Bytes(pub.begin(), pub.end()), false}};
}

void handle_ike_rekey_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner) {
    // §2.25.2: not while we close it, rekeyed it already (a collision only we saw, §2.8.2), or
    // create, rekey or delete one of its children.
    const auto& out = sa.window.outstanding();
    if (ctx.sas == nullptr || sa.state() != State::established || sa.rekeyed_to || closing(sa) ||
        (out && child_exchange(out->request.kind))) {
        refuse(ctx, sa, rx, wire::NotifyType::temporary_failure);
        return;
    }
    const bool collision = out && out->request.kind == RequestKind::rekey_ike && sa.rekey && sa.rekey->in_flight;
    const auto* sa_p = find_payload<wire::SecurityAssociation>(inner);
    const auto* ke_p = find_payload<wire::KeyExchange>(inner);
    const auto* ni_p = find_payload<wire::NoncePayload>(inner);
    if (sa_p == nullptr || ke_p == nullptr || ni_p == nullptr) {
        refuse(ctx, sa, rx, wire::NotifyType::invalid_syntax);
        return;
    }
    auto offered = *sa_p;
    const auto spi_i = take_ike_spi(offered);
    if (!spi_i) {
        refuse(ctx, sa, rx, wire::NotifyType::invalid_syntax);
        return;
    }
    std::vector<crypto::IkeSuite> same_group;  // as in IKE_SA_INIT: a suite of the group the KE used
    for (const auto& s : ctx.config.proposals.ike)
        if (static_cast<std::uint16_t>(s.ke) == wire::raw(ke_p->group)) same_group.push_back(s);
    auto choice = policy::select_ike(offered, same_group);
    if (!choice) {
        if (auto other = policy::select_ike(offered, ctx.config.proposals.ike)) {
            const auto g = static_cast<std::uint16_t>(other->suite.ke);
            refuse(ctx, sa, rx, wire::NotifyType::invalid_ke_payload,
                   {static_cast<std::uint8_t>(g >> 8), static_cast<std::uint8_t>(g)});
        } else {
            refuse(ctx, sa, rx, wire::NotifyType::no_proposal_chosen);
        }
        return;
    }
    auto ke = crypto::make_key_exchange(choice->suite.ke, ctx.rng);
    if (!ke) {
        refuse(ctx, sa, rx, wire::NotifyType::no_proposal_chosen);
        return;
    }
    const auto& ni = ni_p->nonce.bytes();
    const auto nr = ctx.random_bytes(nonce_size);
    const auto spi_r = ctx.sas->new_ike_spi();
    auto keys = derive(ctx, sa, choice->suite, **ke, ke_p->data, ni, nr, *spi_i, spi_r, crypto::Role::Responder);
    if (!keys) {
        refuse(ctx, sa, rx, wire::NotifyType::invalid_syntax);  // a bad public value
        return;
    }
    auto reply = std::move(choice->reply);
    reply.proposals.front().spi = be64(spi_r);
    const auto pub = (*ke)->public_value();
    respond(ctx, sa, rx,
            {std::move(reply), wire::NoncePayload{*wire::Nonce::make(nr), false},
             wire::KeyExchange{static_cast<wire::KeGroup>(choice->suite.ke), wire::Bytes(pub.begin(), pub.end()), false}});
    auto n = successor(ctx, sa, crypto::Role::Responder, *spi_i, spi_r, choice->suite, std::move(*keys), ni, nr);
    if (collision) {
        // §2.8.2: both of us rekey; which new SA survives is decided when our response arrives.
        n->forget_at = ctx.now + peer_grace(ctx.config.timers);
        auto& theirs = adopt_silent(ctx, std::move(n));
        sa.rekey->theirs = theirs.id;
        sa.rekey->theirs_lowest = lowest(ni, nr);
        return;
    }
    auto& heir = ctx.sas->adopt(std::move(n));
    export_ike_keys(ctx, heir);
    inherit(ctx, sa, heir);
    await_peer_delete(ctx, sa);
}

void handle_ike_rekey_response(Context& ctx, IkeSa& sa, const QueuedRequest&, const Payloads& inner) {
    sa.window.response_received();
    if (sa.rekey && sa.rekey->in_flight && sa.rekey->peer_deleted_old) {
        finish_after_peer_delete(ctx, sa, inner);
        return;
    }
    if (!sa.rekey || !sa.rekey->in_flight || sa.state() != State::established || sa.rekeyed_to) {
        pump_requests(ctx, sa);
        return;
    }
    auto& r = *sa.rekey;
    r.in_flight = false;
    const auto theirs_id = std::exchange(r.theirs, std::nullopt);
    IkeSa* theirs = theirs_id && ctx.sas ? ctx.sas->find(*theirs_id) : nullptr;
    if (closing(sa)) {
        abandon_rekey(ctx, sa, theirs, inner);
        return;
    }
    // soon: TEMPORARY_FAILURE (§2.25), a collision rather than a failure, retried shortly.
    // Otherwise the SA runs on and the embedder hears why its rekey failed.
    const auto give_up = [&](bool soon, RekeyFailure reason, std::string detail) {
        if (theirs) {  // the peer's rekey went through: its SA is the one
            inherit(ctx, sa, *theirs);
            await_peer_delete(ctx, sa);
        } else if (soon) {
            retry_soon(ctx, sa);
        } else {
            r.group.reset();
            retry_much_later(ctx, sa);
            emit_rekey_failed(ctx, sa, std::nullopt, reason, std::move(detail));
        }
        pump_requests(ctx, sa);
    };
    if (const auto* e = find_error_notify(inner)) {
        if (e->type == wire::NotifyType::invalid_ke_payload && !theirs && e->data.size() == 2 &&
            r.ke_retries < ctx.config.timers.max_init_retries) {
            const auto group = static_cast<crypto::KeId>(e->data[0] << 8 | e->data[1]);
            for (const auto& s : ctx.config.proposals.ike)
                if (s.ke == group && group != r.ke->group()) {
                    r.group = group;
                    ++r.ke_retries;
                    sa.window.enqueue({RequestKind::rekey_ike, {}});
                    pump_requests(ctx, sa);
                    return;
                }
        }
        const std::string detail = "IKE SA rekey refused: " + notify_name(e->type);
        RekeyFailure reason = RekeyFailure::refused;
        if (e->type == wire::NotifyType::invalid_ke_payload) reason = RekeyFailure::invalid_ke;
        if (e->type == wire::NotifyType::no_proposal_chosen) reason = RekeyFailure::no_proposal_chosen;
        give_up(e->type == wire::NotifyType::temporary_failure, reason, detail);
        return;
    }
    auto accepted = accept_reply(ctx, sa, inner);
    if (!accepted) {
        give_up(false, RekeyFailure::bad_answer, "IKE SA rekey: " + to_string(accepted.error()));
        return;
    }
    r.ke_retries = 0;
    r.group.reset();
    auto n = std::move(accepted->sa);
    if (theirs && less(lowest(r.nonce, accepted->nr), r.theirs_lowest)) {
        // §2.8.2: our exchange holds the lowest of the four nonces, so our new SA is the redundant
        // one and ours to delete; the peer's survives and the peer deletes the old SA.
        delete_silently(ctx, adopt_silent(ctx, std::move(n)));
        inherit(ctx, sa, *theirs);
        await_peer_delete(ctx, sa);
        return;
    }
    // Ours survives (the peer deletes its redundant SA if there was a collision): the children
    // move, then the old SA goes with a DELETE over it.
    auto& heir = ctx.sas->adopt(std::move(n));
    export_ike_keys(ctx, heir);
    inherit(ctx, sa, heir);
    sa.window.enqueue({RequestKind::delete_ike, {}});
    pump_requests(ctx, sa);
}

bool ike_deleted_by_peer(Context& ctx, IkeSa& sa) {
    if (!sa.rekey) return false;
    auto& r = *sa.rekey;
    // §2.8.2: the peer deletes the old SA while our own rekey is unanswered: it did not see the
    // collision or decided it, so the SA we answered it with is the one. If it did see it, it
    // made an SA for our request too: keep the old SA until its answer, to delete that one.
    const auto theirs_id = std::exchange(r.theirs, std::nullopt);
    IkeSa* theirs = theirs_id && ctx.sas ? ctx.sas->find(*theirs_id) : nullptr;
    if (theirs && closing(sa)) delete_silently(ctx, *theirs);  // an SA being closed lives on in none
    if (!theirs || sa.rekeyed_to || closing(sa)) {
        r.in_flight = false;
        return false;
    }
    inherit(ctx, sa, *theirs);
    if (!r.in_flight) return false;
    r.peer_deleted_old = true;
    await_peer_delete(ctx, sa);
    return true;
}

void arm_ike_rekey(Context& ctx, IkeSa& sa) {
    if (sa.state() != State::established || sa.rekey_at || sa.down_emitted || sa.rekeyed_to) return;
    if (ctx.config.lifetimes.ike_rekey.count() <= 0) return;
    sa.rekey_at = ctx.now + jittered(ctx, ctx.config.lifetimes.ike_rekey);
}

std::optional<Time> ike_lifetime_deadline(const IkeSa& sa) {
    if (sa.state() == State::closed) return std::nullopt;
    std::optional<Time> t = sa.forget_at;
    const auto take = [&](Time c) {
        if (!t || c < *t) t = c;
    };
    if (sa.down_emitted || sa.rekeyed_to) return t;
    if (sa.authenticated() && sa.peer_not_after != Time{}) take(sa.peer_not_after);
    if (sa.state() == State::established && sa.rekey_at && !(sa.rekey && sa.rekey->in_flight) &&
        !sa.window.queued(RequestKind::rekey_ike))
        take(*sa.rekey_at);
    return t;
}

void check_ike_lifetime(Context& ctx, IkeSa& sa) {
    if (sa.state() == State::closed) return;
    if (sa.forget_at && ctx.now >= *sa.forget_at) {
        close_ike(ctx, sa, DownReason::rekeyed, "rekeyed (the peer never deleted it)");
        return;
    }
    if (sa.down_emitted || sa.rekeyed_to) return;
    if (sa.authenticated() && sa.peer_not_after != Time{} && ctx.now >= sa.peer_not_after) {
        emit_down(ctx, sa, DownReason::cert_expired, "the peer certificate reached notAfter");
        if (sa.state() == State::established) {
            if (!sa.window.queued(RequestKind::delete_ike)) sa.window.enqueue({RequestKind::delete_ike, {}});
            pump_requests(ctx, sa);
        }
        return;
    }
    if (sa.state() == State::established && sa.rekey_at && ctx.now >= *sa.rekey_at && !(sa.rekey && sa.rekey->in_flight) &&
        !sa.window.queued(RequestKind::rekey_ike)) {
        sa.window.enqueue({RequestKind::rekey_ike, {}});
        pump_requests(ctx, sa);
    }
}

}  // namespace ike::sa
