// The first child SA, carried by IKE_AUTH (RFC 7296 §1.2, §2.9, §2.17): ESP proposal, traffic
// selector narrowing (the peer's side held to its certificate's RFC 3779 blocks, ours to the
// configured local traffic), KEYMAT, and the ChildSaUp event with all a kernel needs. The
// narrowing and key parts are shared with CREATE_CHILD_SA (task_child_sa.cpp).
#include <algorithm>

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

// Limits::max_child_sas (RFC 7296 §3.10.1 NO_ADDITIONAL_SAS): a new child only while the IKE SA
// holds fewer live children than the cap. A rekey replaces one, so it passes, but the old SAs
// waiting for their DELETE count too: twice the cap in all, so a peer that never deletes the
// old SAs cannot grow the set by rekeying either.
bool child_limit_reached(const Context& ctx, const IkeSa& sa, std::span<const wire::Payload> inner) {
    const std::size_t cap = ctx.config.limits.max_child_sas;
    const auto live = static_cast<std::size_t>(std::count_if(
        sa.children.begin(), sa.children.end(), [](const ChildSa& c) { return !c.replaced_by && !c.redundant; }));
    const bool rekey = find_notify(inner, wire::NotifyType::rekey_sa) != nullptr;
    return (!rekey && live >= cap) || sa.children.size() >= 2 * cap;
}

}  // namespace

void add_child_request(const Context& ctx, const ChildRequest& req, Payloads& out) {
    if (req.mode == Mode::transport) out.emplace_back(notify(wire::NotifyType::use_transport_mode));
    out.emplace_back(policy::offer_esp(ctx.config.proposals.esp, req.inbound_spi, ctx.config.proposals.esn));
    out.emplace_back(wire::TsInitiator{to_wire(req.local_ts)});
    out.emplace_back(wire::TsResponder{to_wire(req.remote_ts)});
}

ChildOffer respond_child(Context& ctx, IkeSa& sa, std::span<const wire::Payload> inner,
                         const TrafficSelectors& peer_allowed) {
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
    const auto remote_ts = policy::narrow(*tsi, peer_allowed);
    if (remote_ts.empty()) {
        auto o = refuse(wire::NotifyType::ts_unacceptable, "TSi outside the peer certificate's RFC 3779 blocks");
        o.failure = VerifyFailure{AuthFailure::subnet_not_allowed, o.error};
        return o;
    }
    const auto local_ts = policy::narrow(*tsr, ctx.config.local_traffic);
    if (local_ts.empty()) return refuse(wire::NotifyType::ts_unacceptable, "TSr outside our local traffic");
    if (child_limit_reached(ctx, sa, inner))
        return refuse(wire::NotifyType::no_additional_sas, "the IKE SA holds Limits::max_child_sas child SAs");
    const auto spi = ctx.spis.allocate(sa.local, sa.remote);
    if (!spi) return refuse(wire::NotifyType::no_additional_sas, "no SPI available");
    ChildOffer o;
    const Mode mode = transport_requested(inner) ? Mode::transport : Mode::tunnel;
    if (mode == Mode::transport) o.payloads.emplace_back(notify(wire::NotifyType::use_transport_mode));
    o.payloads.emplace_back(policy::esp_reply(*choice, *spi));
    o.payloads.emplace_back(wire::TsInitiator{to_wire(remote_ts)});
    o.payloads.emplace_back(wire::TsResponder{to_wire(local_ts)});
    ChildSa child;
    child.id = ctx.new_child_id();
    child.inbound_spi = *spi;
    child.outbound_spi = choice->peer_spi;
    child.mode = mode;
    child.suite = choice->suite;
    child.esn = choice->esn;
    child.local_ts = local_ts;
    child.remote_ts = remote_ts;
    o.child = std::move(child);
    o.proposal_number = choice->proposal_number;
    return o;
}

ChildOffer accept_child(Context& ctx, const ChildRequest& req, std::span<const wire::Payload> inner,
                        const TrafficSelectors& peer_allowed) {
    ChildOffer o;
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
    if (!policy::covered(*tsr, peer_allowed)) {
        o.failure = VerifyFailure{AuthFailure::subnet_not_allowed, "TSr outside the responder's RFC 3779 blocks"};
        return o;
    }
    const Mode mode = req.mode == Mode::transport && transport_requested(inner) ? Mode::transport : Mode::tunnel;
    ChildSa child;
    child.id = req.id;
    child.tag = req.tag;
    child.inbound_spi = req.inbound_spi;
    child.outbound_spi = choice->peer_spi;
    child.mode = mode;
    child.suite = choice->suite;
    child.esn = choice->esn;
    child.local_ts = *tsi;
    child.remote_ts = *tsr;
    o.child = std::move(child);
    o.proposal_number = choice->proposal_number;
    return o;
}

void commit_child(Context& ctx, IkeSa& sa, const ChildOffer& offer) {
    if (sa.first_child && (!offer.child || offer.child->inbound_spi != sa.first_child->inbound_spi))
        ctx.spis.release(sa.first_child->inbound_spi);
    sa.first_child.reset();
    if (!offer.child) return;
    install_child(ctx, sa, *offer.child, {sa.role, sa.nonce_i, sa.nonce_r, nullptr, std::nullopt});
}

void install_child(Context& ctx, IkeSa& sa, ChildSa child, const ChildKeying& k) {
    auto keys = crypto::derive_child_sa_keys(sa.suite.prf, sa.keys->sk_d, child.suite, k.ni, k.nr, k.g_ir);
    if (!keys) return;  // the suite came from our own registry: unreachable
    const auto soft = schedule_rekey(ctx, child);
    const auto& lt = ctx.config.lifetimes;
    ChildSaUp up{sa.id,
                 child.id,
                 child.tag,
                 k.replaces,
                 EspSa{child.inbound_spi, sa.remote, sa.local, keys->inbound(k.exchange_role)},
                 EspSa{child.outbound_spi, sa.local, sa.remote, keys->outbound(k.exchange_role)},
                 child.mode,
                 child.esn,
                 sa.nat.any(),
                 child.local_ts,
                 child.remote_ts,
                 soft,
                 lt.child_hard,
                 lt.child_soft_bytes,
                 lt.child_hard_bytes};
    sa.children.push_back(std::move(child));
    ++ctx.counters.child_sas_up;
    ctx.emit(std::move(up));
}

}  // namespace ike::sa
