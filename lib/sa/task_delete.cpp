// INFORMATIONAL exchanges (RFC 7296 §1.4, §2.21.2): DELETE of child SA pairs and of the IKE SA,
// AUTHENTICATION_FAILED after IKE_AUTH, and the events and releases of closing an SA.
#include <cassert>

#include "sa/child_collision.hpp"
#include "sa/convert.hpp"
#include "sa/tasks.hpp"

namespace ike::sa {

Payloads informational_payloads(const IkeSa& sa, const QueuedRequest& req) {
    Payloads p;
    switch (req.kind) {
        case RequestKind::delete_child:
            for (const auto& c : sa.children)
                if (c.id == req.child) p.emplace_back(wire::Delete{wire::ProtocolId::esp, {c.inbound_spi}, false});
            if (const auto* r = sa.find_refused(req.child))
                p.emplace_back(wire::Delete{wire::ProtocolId::esp, {r->inbound_spi}, false});
            break;
        case RequestKind::delete_ike:
            p.emplace_back(wire::Delete{wire::ProtocolId::ike, {}, false});
            break;
        case RequestKind::auth_failed:
            p.emplace_back(notify(wire::NotifyType::authentication_failed));
            break;
        case RequestKind::liveness:
        case RequestKind::ike_sa_init:
        case RequestKind::ike_auth:
        case RequestKind::create_child:
        case RequestKind::rekey_child:
        case RequestKind::rekey_ike:
            break;
    }
    return p;
}

void remove_child(Context& ctx, IkeSa& sa, ChildSaId child, DownReason reason) {
    for (auto it = sa.children.begin(); it != sa.children.end(); ++it) {
        if (it->id != child) continue;
        if (gone_by_rekey(sa, *it)) reason = DownReason::rekeyed;  // make-before-break: its successor is up
        ctx.emit(ChildSaDown{sa.id, it->id, it->inbound_spi, it->outbound_spi, sa.local, sa.remote, reason, {}});
        ctx.spis.release(it->inbound_spi);
        sa.children.erase(it);
        return;
    }
}

void emit_down(Context& ctx, IkeSa& sa, DownReason reason, std::string detail) {
    if (sa.down_emitted) return;
    if (sa.rekeyed_to) reason = DownReason::rekeyed;  // its children live on in the new SA
    for (const auto& c : sa.children) {
        ctx.emit(ChildSaDown{sa.id, c.id, c.inbound_spi, c.outbound_spi, sa.local, sa.remote, reason, detail});
        ctx.spis.release(c.inbound_spi);
    }
    sa.children.clear();
    if (sa.first_child) ctx.spis.release(sa.first_child->inbound_spi);
    sa.first_child.reset();
    release_pending_children(ctx, sa);
    ctx.emit(IkeSaDown{sa.id, reason, std::move(detail)});
    sa.down_emitted = true;
}

void close_ike(Context& ctx, IkeSa& sa, DownReason reason, std::string detail) {
    emit_down(ctx, sa, reason, std::move(detail));
    sa.close();
}

bool enter(Context& ctx, IkeSa& sa, State to) {
    auto moved = sa.transition(to);
    if (moved) return true;
    assert(!"a task asked for a state change the IKE SA state machine forbids");
    const auto& e = moved.error();
    close_ike(ctx, sa, DownReason::negotiation_failed,
              "internal error: IKE SA state " + std::string(to_string(e.from)) + " -> " + std::string(to_string(e.to)) +
                  " refused");
    return false;
}

void handle_informational_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner) {
    if (!sa.authenticated()) return;
    if (find_notify(inner, wire::NotifyType::authentication_failed) != nullptr) {
        respond(ctx, sa, rx, {});
        report_auth_failure(ctx, sa, {AuthFailure::peer_rejected_us, "peer sent AUTHENTICATION_FAILED"});
        close_ike(ctx, sa, DownReason::auth_failed, "peer sent AUTHENTICATION_FAILED");
        return;
    }
    std::vector<std::uint32_t> ours;
    std::vector<ChildSaId> gone;
    for (const auto& p : inner) {
        const auto* d = std::get_if<wire::Delete>(&p);
        if (d == nullptr) continue;
        if (d->protocol == wire::ProtocolId::ike) {
            respond(ctx, sa, rx, {});
            if (ike_deleted_by_peer(ctx, sa)) return;  // a rekey collision settles first
            close_ike(ctx, sa, DownReason::deleted_by_peer, "DELETE from the peer");
            return;
        }
        if (d->protocol != wire::ProtocolId::esp) continue;
        for (const auto spi : d->spis)
            if (const auto* c = sa.find_child_by_outbound(spi)) {  // unknown SPIs are ignored (§1.4.1)
                ours.push_back(c->inbound_spi);
                gone.push_back(c->id);
            }
    }
    Payloads reply;
    if (!ours.empty()) reply.emplace_back(wire::Delete{wire::ProtocolId::esp, ours, false});
    respond(ctx, sa, rx, reply);
    for (const auto c : gone) remove_child(ctx, sa, c, DownReason::deleted_by_peer);
}

void handle_informational_response(Context& ctx, IkeSa& sa, const QueuedRequest& req, const Payloads&) {
    sa.window.response_received();
    switch (req.kind) {
        case RequestKind::delete_ike:
        case RequestKind::auth_failed:
            close_ike(ctx, sa, DownReason::deleted_locally, "deleted");
            return;
        case RequestKind::delete_child:
            remove_child(ctx, sa, req.child, DownReason::deleted_locally);
            std::erase_if(sa.refused_children, [&](const RefusedChild& r) {
                if (r.id != req.child) return false;
                ctx.spis.release(r.inbound_spi);
                return true;
            });
            break;
        case RequestKind::liveness:
        case RequestKind::ike_sa_init:
        case RequestKind::ike_auth:
        case RequestKind::create_child:
        case RequestKind::rekey_child:
        case RequestKind::rekey_ike:
            break;
    }
    pump_requests(ctx, sa);
}

}  // namespace ike::sa
