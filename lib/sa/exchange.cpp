// Request/response plumbing of an existing IKE SA: message-ID and role checks, the response
// cache, decryption, the exchange table, dispatch to the tasks, and timers.
#include <algorithm>

#include "sa/convert.hpp"
#include "sa/fragments.hpp"
#include "sa/protect.hpp"
#include "sa/tasks.hpp"
#include "wire/exchange_table.hpp"

namespace ike::sa {
namespace {

wire::ExchangeType exchange_of(RequestKind k) {
    switch (k) {
        case RequestKind::ike_sa_init: return wire::ExchangeType::ike_sa_init;
        case RequestKind::ike_auth: return wire::ExchangeType::ike_auth;
        case RequestKind::delete_child:
        case RequestKind::delete_ike:
        case RequestKind::liveness:
        case RequestKind::auth_failed:
            break;
        case RequestKind::create_child:
        case RequestKind::rekey_child:
        case RequestKind::rekey_ike:
            return wire::ExchangeType::create_child_sa;
    }
    return wire::ExchangeType::informational;
}

std::optional<Payloads> open_checked(Context& ctx, IkeSa& sa, const Received& rx) {
    auto inner = open(sa, rx.datagram, rx.message);
    if (!inner && !inner.error().malformed) {
        ++ctx.counters.integrity_failures;
        return std::nullopt;
    }
    if (!inner) return checked_content(ctx, sa, rx, unexpected(*inner.error().malformed));
    return checked_content(ctx, sa, rx, std::move(*inner));
}

void handle_response(Context& ctx, IkeSa& sa, const Received& rx) {
    const auto& h = rx.message.header;
    if (!sa.window.is_response_to_outstanding(h.message_id)) {
        ++ctx.counters.dropped_out_of_window;
        return;
    }
    const auto req = sa.window.outstanding()->request;
    if (h.exchange != exchange_of(req.kind)) return;
    if (h.exchange == wire::ExchangeType::ike_sa_init) {
        handle_ike_init_response(ctx, sa, rx);
        return;
    }
    auto inner = is_fragment(rx.message) ? take_response_fragment(ctx, sa, rx) : open_checked(ctx, sa, rx);
    if (!inner) return;
    sa.last_heard = ctx.now;
    switch (req.kind) {
        case RequestKind::ike_auth:
            handle_ike_auth_response(ctx, sa, *inner);
            return;
        case RequestKind::create_child:
        case RequestKind::rekey_child:
            handle_child_sa_response(ctx, sa, req, *inner);
            return;
        case RequestKind::rekey_ike:
            handle_ike_rekey_response(ctx, sa, req, *inner);
            return;
        case RequestKind::ike_sa_init:
        case RequestKind::delete_child:
        case RequestKind::delete_ike:
        case RequestKind::liveness:
        case RequestKind::auth_failed:
            handle_informational_response(ctx, sa, req, *inner);
            return;
    }
}

void dispatch_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner);

void handle_request(Context& ctx, IkeSa& sa, const Received& rx) {
    const auto& h = rx.message.header;
    if (is_fragment(rx.message)) {  // RFC 7383 §2.6: window checks and reassembly of their own
        if (auto inner = take_request_fragment(ctx, sa, rx)) dispatch_request(ctx, sa, rx, *inner);
        return;
    }
    switch (sa.window.check_request(h.message_id, rx.datagram)) {
        case RequestCheck::retransmission:  // §2.1: resend the answer, do not process again
            ++ctx.counters.duplicate_requests;
            for (const auto& d : sa.window.cached_response()) ctx.send(rx.local, rx.remote, d);
            return;
        case RequestCheck::drop:
            ++ctx.counters.dropped_out_of_window;
            return;
        case RequestCheck::process:
            break;
    }
    if (h.exchange == wire::ExchangeType::ike_sa_init) return;
    auto inner = open_checked(ctx, sa, rx);
    if (!inner) return;
    dispatch_request(ctx, sa, rx, *inner);
}

// RFC 7296 §2.23: an authenticated request from another address or port (a NAT rebinding) moves
// the SA: answers and every later request go there. Only integrity-checked requests get here;
// responses and unprotected messages never move it (anyone can send those from anywhere).
void follow_peer(Context& ctx, IkeSa& sa, const Received& rx) {
    if (!sa.authenticated() || (rx.remote == sa.remote && rx.local == sa.local)) return;
    PeerAddressChanged moved{sa.id, sa.local, sa.remote, rx.local, rx.remote, sa.nat.any()};
    sa.local = rx.local;
    sa.remote = rx.remote;
    if (!sa.down_emitted) ctx.emit(std::move(moved));  // nothing left in the kernel to move otherwise
}

void dispatch_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner) {
    sa.last_heard = ctx.now;
    follow_peer(ctx, sa, rx);
    switch (rx.message.header.exchange) {
        case wire::ExchangeType::ike_auth:
            if (!sa.initiator()) handle_ike_auth_request(ctx, sa, rx, inner);
            return;
        case wire::ExchangeType::informational:
            handle_informational_request(ctx, sa, rx, inner);
            return;
        case wire::ExchangeType::create_child_sa:
            if (!sa.authenticated()) return;
            if (is_ike_rekey(inner))
                handle_ike_rekey_request(ctx, sa, rx, inner);
            else if (ike_rekey_busy(sa))  // §2.25.1
                respond(ctx, sa, rx, {notify(wire::NotifyType::temporary_failure)});
            else
                handle_child_sa_request(ctx, sa, rx, inner);
            return;
        case wire::ExchangeType::ike_sa_init:
        case wire::ExchangeType::ike_session_resume:
        case wire::ExchangeType::ike_intermediate:
        case wire::ExchangeType::ike_followup_ke:
            return;
    }
}

// RFC 7296 §2.2: "In the unlikely event that Message IDs grow too large to fit in 32 bits, the
// IKE SA MUST be closed or rekeyed." With wrap_margin IDs left, a rekey goes first (its new SA
// counts from 0); if that cannot happen (refused, or it keeps failing), the last ID is kept for
// the DELETE, and with none left the SA is closed without a word. True: nothing more is sent.
constexpr std::uint64_t wrap_margin = 16;

bool message_ids_running_out(Context& ctx, IkeSa& sa) {
    const auto left = sa.window.ids_left();
    if (left > wrap_margin) return false;
    constexpr auto reason = DownReason::lifetime_expired;
    if (left == 0) {
        close_ike(ctx, sa, reason, "Message IDs exhausted (RFC 7296 §2.2)");
        return true;
    }
    if (left == 1) {
        if (sa.window.next_queued(RequestKind::delete_ike)) return false;
        emit_down(ctx, sa, reason, "Message IDs exhausted (RFC 7296 §2.2)");
        sa.window.enqueue_front({RequestKind::delete_ike, {}});
        return false;
    }
    if (!sa.rekeyed_to && !sa.down_emitted && !sa.window.queued(RequestKind::rekey_ike) && !ike_rekey_busy(sa))
        sa.window.enqueue_front({RequestKind::rekey_ike, {}});
    return false;
}

}  // namespace

wire::Notify malformed_notify(const wire::DecodeError& e) {
    if (e.notify == wire::NotifyType::unsupported_critical_payload)
        return notify(wire::NotifyType::unsupported_critical_payload, {e.notify_data});  // §2.5: the type
    return notify(wire::NotifyType::invalid_syntax);
}

std::optional<Payloads> checked_content(Context& ctx, IkeSa& sa, const Received& rx,
                                        Expected<Payloads, wire::DecodeError> inner) {
    if (!inner) {
        reject_malformed(ctx, sa, rx, malformed_notify(inner.error()));
        return std::nullopt;
    }
    if (auto ok = wire::check_exchange(rx.message.header, rx.message.payloads, *inner); !ok) {
        reject_malformed(ctx, sa, rx, notify(ok.error().notify));
        return std::nullopt;
    }
    return std::move(*inner);
}

// §2.21.2, §2.21.3: the ICV verified, so the peer gets an answer it can act on (an encrypted
// INVALID_SYNTAX or UNSUPPORTED_CRITICAL_PAYLOAD) instead of retransmitting until it gives up;
// the Message ID is used up like any answered request's. A response is never answered (§2.21).
void reject_malformed(Context& ctx, IkeSa& sa, const Received& rx, wire::Notify n) {
    ++ctx.counters.protected_decode_errors;
    if (rx.message.header.response) return;
    sa.last_heard = ctx.now;
    respond(ctx, sa, rx, {std::move(n)});
}

std::string_view to_string(SendError e) {
    switch (e) {
        case SendError::ids_exhausted: return "Message IDs exhausted (RFC 7296 §2.2)";
        case SendError::cannot_protect: return "cannot protect the request";
    }
    return "?";
}

Expected<void, SendError> send_request(Context& ctx, IkeSa& sa, QueuedRequest kind, wire::ExchangeType exchange,
                                       const Payloads& inner) {
    if (sa.window.ids_left() == 0) return unexpected(SendError::ids_exhausted);  // §2.2: IDs never wrap
    const auto h = header_for(sa, exchange, false, sa.window.next_request_id());
    auto datagrams = seal_message(ctx, sa, h, inner);
    if (datagrams.empty()) return unexpected(SendError::cannot_protect);
    for (const auto& d : datagrams) ctx.send(sa.local, sa.remote, d);
    sa.window.sent(kind, std::move(datagrams), ctx.config.timers, ctx.now);
    return {};
}

void respond(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner) {
    const auto h = header_for(sa, rx.message.header.exchange, true, rx.message.header.message_id);
    auto datagrams = seal_message(ctx, sa, h, inner);
    if (datagrams.empty()) return;
    for (const auto& d : datagrams) ctx.send(rx.local, rx.remote, d);
    sa.window.answered(rx.datagram, std::move(datagrams));
}

void pump_requests(Context& ctx, IkeSa& sa) {
    if (sa.state() != State::established || sa.window.busy()) return;
    if (message_ids_running_out(ctx, sa)) return;
    while (auto next = sa.window.dequeue()) {
        if (next->kind == RequestKind::delete_child && sa.find_child(next->child) == nullptr &&
            sa.find_refused(next->child) == nullptr)
            continue;
        std::optional<Payloads> inner;
        switch (next->kind) {
            case RequestKind::create_child:
            case RequestKind::rekey_child:
                inner = start_child_sa(ctx, sa, *next);
                break;
            case RequestKind::rekey_ike:
                inner = start_ike_rekey(ctx, sa, *next);
                break;
            default:
                inner = informational_payloads(sa, *next);
                break;
        }
        if (!inner) continue;
        if (next->kind == RequestKind::delete_ike && !enter(ctx, sa, State::deleting)) return;
        if (auto sent = send_request(ctx, sa, *next, exchange_of(next->kind), *inner); !sent)
            close_ike(ctx, sa, DownReason::negotiation_failed, std::string(to_string(sent.error())));
        return;
    }
}

void handle_message(Context& ctx, IkeSa& sa, const Received& rx) {
    if (sa.state() == State::closed) return;
    const auto& h = rx.message.header;
    if (h.initiator == sa.initiator()) return;  // §3.1: the I flag names the original initiator
    if (h.response)
        handle_response(ctx, sa, rx);
    else
        handle_request(ctx, sa, rx);
    arm_ike_rekey(ctx, sa);
}

void handle_sa_timeout(Context& ctx, IkeSa& sa) {
    if (sa.state() == State::closed) return;
    if (sa.state() == State::init_answered && ctx.now >= sa.half_open_deadline) {
        // Never reported up, so nothing to report down: the half-open SA just goes.
        sa.close();
        return;
    }
    expire_reassembly(ctx, sa);
    switch (sa.window.due(ctx.config.timers, ctx.now)) {
        case MessageWindow::Due::nothing:
            break;
        case MessageWindow::Due::resend:
            ++ctx.counters.retransmits;
            if (auto smaller = smaller_fragments(ctx, sa)) sa.window.replace_datagrams(std::move(*smaller));
            for (const auto& d : sa.window.retransmit(ctx.config.timers, ctx.now)) ctx.send(sa.local, sa.remote, d);
            break;
        case MessageWindow::Due::give_up:
            switch (sa.window.outstanding()->request.kind) {
                case RequestKind::ike_sa_init:
                case RequestKind::ike_auth:
                    close_ike(ctx, sa, DownReason::retransmit_timeout, "no answer to the handshake");
                    return;
                case RequestKind::delete_ike:
                case RequestKind::auth_failed:
                    close_ike(ctx, sa, DownReason::deleted_locally, "deleted (no answer from the peer)");
                    return;
                case RequestKind::rekey_child:
                case RequestKind::rekey_ike: {
                    const auto& req = sa.window.outstanding()->request;
                    const auto child = req.kind == RequestKind::rekey_child ? std::optional(req.child) : std::nullopt;
                    emit_rekey_failed(ctx, sa, child, RekeyFailure::timeout, "no answer to the rekey: the IKE SA goes down");
                    close_ike(ctx, sa, DownReason::dead_peer, "no answer from the peer");
                    return;
                }
                case RequestKind::delete_child:
                case RequestKind::liveness:
                case RequestKind::create_child:
                    close_ike(ctx, sa, DownReason::dead_peer, "no answer from the peer");
                    return;
            }
    }
    check_child_timers(ctx, sa);
    check_ike_lifetime(ctx, sa);
    check_liveness(ctx, sa);
}

void emit_rekey_failed(Context& ctx, const IkeSa& sa, std::optional<ChildSaId> child, RekeyFailure reason,
                       std::string detail, bool retrying) {
    if (sa.down_emitted) return;  // reported down already: nothing left to rekey
    ctx.emit(RekeyFailed{sa.id, child, reason, std::move(detail), retrying});
}

std::optional<Time> sa_deadline(const Context& ctx, const IkeSa& sa) {
    if (sa.state() == State::closed) return ctx.now;  // to be swept
    std::optional<Time> t;
    const auto take = [&](std::optional<Time> c) {
        if (c && (!t || *c < *t)) t = c;
    };
    if (const auto& o = sa.window.outstanding()) take(o->next_send);
    if (sa.state() == State::init_answered) take(sa.half_open_deadline);
    take(liveness_deadline(ctx, sa));
    take(child_timer_deadline(sa));
    take(ike_lifetime_deadline(sa));
    take(reassembly_deadline(ctx, sa));
    return t;
}

}  // namespace ike::sa
