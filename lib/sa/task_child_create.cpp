// The first child SA, carried by IKE_AUTH (RFC 7296 §1.2, §2.9, §2.17): ESP proposal, traffic
// selector narrowing (the peer's side held to its certificate's RFC 3779 blocks, ours to the
// configured local traffic), KEYMAT, and the ChildSaUp event with all a kernel needs.
#include "crypto/esp_keys.hpp"
#include "policy/proposals.hpp"
#include "policy/traffic_selectors.hpp"
#include "sa/convert.hpp"
#include "sa/tasks.hpp"
#include "wire/format.hpp"

namespace ike::sa {
namespace {

ChildOffer refuse(wire::NotifyType t, std::string why) {
    ChildOffer o;
    o.payloads.emplace_back(notify(t));
    o.error = std::move(why);
    return o;
}

bool transport_requested(std::span<const wire::Payload> inner) {
    return find_notify(inner, wire::NotifyType::use_transport_mode) != nullptr;
}

}  // namespace

void add_child_request(const Context& ctx, const ChildRequest& req, Payloads& out) {
    if (req.mode == Mode::transport) out.emplace_back(notify(wire::NotifyType::use_transport_mode));
    out.emplace_back(policy::offer_esp(ctx.config.proposals.esp, req.inbound_spi, ctx.config.proposals.esn));
    out.emplace_back(wire::TsInitiator{to_wire(req.local_ts)});
    out.emplace_back(wire::TsResponder{to_wire(req.remote_ts)});
}

ChildOffer respond_child(Context& ctx, IkeSa& sa, std::span<const wire::Payload> inner, const VerifiedPeer& peer) {
    const auto* sa_p = find_payload<wire::SecurityAssociation>(inner);
    const auto* tsi_p = find_payload<wire::TsInitiator>(inner);
    const auto* tsr_p = find_payload<wire::TsResponder>(inner);
    if (sa_p == nullptr || tsi_p == nullptr || tsr_p == nullptr) {
        ChildOffer o;
        o.error = "no child SA requested";
        return o;
    }
    const auto choice = policy::select_esp(*sa_p, ctx.config.proposals.esp, ctx.config.proposals.esn);
    if (!choice) return refuse(wire::NotifyType::no_proposal_chosen, "no acceptable ESP proposal");
    const auto tsi = from_wire(*tsi_p);
    const auto tsr = from_wire(*tsr_p);
    if (!tsi || !tsr) return refuse(wire::NotifyType::ts_unacceptable, "malformed traffic selectors");
    const auto remote_ts = policy::narrow(*tsi, peer.allowed);
    if (remote_ts.empty()) {
        auto o = refuse(wire::NotifyType::ts_unacceptable, "TSi outside the peer certificate's RFC 3779 blocks");
        o.failure = VerifyFailure{AuthFailure::subnet_not_allowed, o.error};
        return o;
    }
    const auto local_ts = policy::narrow(*tsr, ctx.config.local_traffic);
    if (local_ts.empty()) return refuse(wire::NotifyType::ts_unacceptable, "TSr outside our local traffic");
    const auto spi = ctx.spis.allocate(sa.local, sa.remote);
    if (!spi) return refuse(wire::NotifyType::no_additional_sas, "no SPI available");
    ChildOffer o;
    const Mode mode = transport_requested(inner) ? Mode::transport : Mode::tunnel;
    if (mode == Mode::transport) o.payloads.emplace_back(notify(wire::NotifyType::use_transport_mode));
    o.payloads.emplace_back(policy::esp_reply(*choice, *spi));
    o.payloads.emplace_back(wire::TsInitiator{to_wire(remote_ts)});
    o.payloads.emplace_back(wire::TsResponder{to_wire(local_ts)});
    o.child = ChildSa{ctx.new_child_id(), 0, *spi, choice->peer_spi, mode};
    o.suite = choice->suite;
    o.esn = choice->esn;
    o.local_ts = local_ts;
    o.remote_ts = remote_ts;
    return o;
}

ChildOffer accept_child(Context& ctx, IkeSa& sa, std::span<const wire::Payload> inner, const VerifiedPeer& peer) {
    ChildOffer o;
    if (!sa.first_child) return o;
    const auto& req = *sa.first_child;
    const auto* sa_p = find_payload<wire::SecurityAssociation>(inner);
    const auto* tsi_p = find_payload<wire::TsInitiator>(inner);
    const auto* tsr_p = find_payload<wire::TsResponder>(inner);
    if (sa_p == nullptr || tsi_p == nullptr || tsr_p == nullptr) {
        const auto* e = find_error_notify(inner);
        o.error = "child SA refused: " +
                  (e ? std::string(wire::to_string(e->type)) : std::string("no SA, TSi, TSr in the response"));
        return o;
    }
    const auto choice = policy::accept_esp(*sa_p, ctx.config.proposals.esp, ctx.config.proposals.esn);
    const auto tsi = from_wire(*tsi_p);
    const auto tsr = from_wire(*tsr_p);
    if (!choice || !tsi || !tsr || tsi->empty() || tsr->empty()) {
        o.error = "child SA response chose nothing we offered";
        return o;
    }
    if (!policy::covered(*tsi, req.local_ts) || !policy::covered(*tsr, req.remote_ts)) {
        o.error = "responder widened the traffic selectors";  // §2.9: it may only narrow
        return o;
    }
    if (!policy::covered(*tsr, peer.allowed)) {
        o.failure = VerifyFailure{AuthFailure::subnet_not_allowed, "TSr outside the responder's RFC 3779 blocks"};
        return o;
    }
    const Mode mode = req.mode == Mode::transport && transport_requested(inner) ? Mode::transport : Mode::tunnel;
    o.child = ChildSa{req.id, req.tag, req.inbound_spi, choice->peer_spi, mode};
    o.suite = choice->suite;
    o.esn = choice->esn;
    o.local_ts = *tsi;
    o.remote_ts = *tsr;
    return o;
}

void commit_child(Context& ctx, IkeSa& sa, const ChildOffer& offer) {
    if (sa.first_child && (!offer.child || offer.child->inbound_spi != sa.first_child->inbound_spi))
        ctx.spis.release(sa.first_child->inbound_spi);
    sa.first_child.reset();
    if (!offer.child) return;
    sa.children.push_back(*offer.child);
    emit_child_up(ctx, sa, *offer.child, offer.suite, offer.esn, offer.local_ts, offer.remote_ts);
}

void emit_child_up(Context& ctx, IkeSa& sa, const ChildSa& child, const crypto::EspSuite& suite, bool esn,
                   const TrafficSelectors& local_ts, const TrafficSelectors& remote_ts) {
    auto keys = crypto::derive_child_sa_keys(sa.suite.prf, sa.keys->sk_d, suite, sa.nonce_i, sa.nonce_r);
    if (!keys) return;  // the suite came from our own registry: unreachable
    const auto& lt = ctx.config.lifetimes;
    ChildSaUp up{sa.id,
                 child.id,
                 child.tag,
                 std::nullopt,
                 EspSa{child.inbound_spi, sa.remote, sa.local, keys->inbound(sa.role)},
                 EspSa{child.outbound_spi, sa.local, sa.remote, keys->outbound(sa.role)},
                 child.mode,
                 esn,
                 sa.nat.any(),
                 local_ts,
                 remote_ts,
                 lt.child_soft,
                 lt.child_hard,
                 lt.child_soft_bytes,
                 lt.child_hard_bytes};
    ++ctx.counters.child_sas_up;
    ctx.emit(std::move(up));
}

}  // namespace ike::sa
