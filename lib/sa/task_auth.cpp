// IKE_AUTH (RFC 7296 §1.2, §2.15): identities, certificates and RFC 7427 signatures, both
// sides verified. Nothing is committed until the peer's chain, authorisation and AUTH check out.
#include "sa/convert.hpp"
#include "sa/tasks.hpp"
#include "wire/format.hpp"

namespace ike::sa {
namespace {

// Our AUTH payload over our signed octets (initiator: IKE_SA_INIT request | Nr | prf(SK_pi, IDi')).
std::optional<wire::Authentication> our_auth(Context& ctx, const IkeSa& sa) {
    const auto id = id_body(ctx.config.credentials.local_id);
    const auto octets =
        sa.initiator()
            ? crypto::initiator_signed_octets(sa.suite.prf, sa.init_request, sa.nonce_r, sa.keys->sk_pi, id)
            : crypto::responder_signed_octets(sa.suite.prf, sa.init_response, sa.nonce_i, sa.keys->sk_pr, id);
    if (!octets || !ctx.config.credentials.private_key) return std::nullopt;
    auto data = crypto::make_signature_auth(*ctx.config.credentials.private_key, sa.peer_hashes, *octets, ctx.rng);
    if (!data) return std::nullopt;
    return wire::Authentication{wire::AuthMethod::digital_signature, std::move(*data), false};
}

// The peer's AUTH over its signed octets, with the key of its verified certificate.
Expected<void, VerifyFailure> check_peer_auth(const IkeSa& sa, const wire::Authentication& auth,
                                              const Identity& peer, const VerifiedPeer& cert) {
    if (auth.method != wire::AuthMethod::digital_signature)
        return unexpected(VerifyFailure{AuthFailure::unsupported_algorithm, "AUTH method is not 14 (RFC 7427)"});
    const auto id = id_body(peer);
    const auto octets =
        sa.initiator()
            ? crypto::responder_signed_octets(sa.suite.prf, sa.init_response, sa.nonce_i, sa.keys->sk_pr, id)
            : crypto::initiator_signed_octets(sa.suite.prf, sa.init_request, sa.nonce_r, sa.keys->sk_pi, id);
    if (!octets) return unexpected(VerifyFailure{AuthFailure::bad_signature, "AUTH octets"});
    auto ok = crypto::verify_signature_auth(cert.key, crypto::supported_hash_algorithms(), auth.data, *octets);
    if (!ok) {
        const auto e = ok.error();
        const auto reason = e == crypto::CertError::SignatureMismatch ? AuthFailure::bad_signature
                                                                      : AuthFailure::unsupported_algorithm;
        return unexpected(VerifyFailure{reason, "AUTH: " + std::string(crypto::to_string(e))});
    }
    return {};
}

Expected<VerifiedPeer, VerifyFailure> authenticate_peer(Context& ctx, const IkeSa& sa,
                                                        std::span<const wire::Payload> inner, const Identity& peer) {
    const auto* auth = find_payload<wire::Authentication>(inner);
    if (auth == nullptr) return unexpected(VerifyFailure{AuthFailure::unsupported_algorithm, "no AUTH payload (EAP)"});
    auto cert = verify_peer(ctx, inner, peer);
    if (!cert) return cert;
    if (auto ok = check_peer_auth(sa, *auth, peer, *cert); !ok) return unexpected(ok.error());
    return cert;
}

void emit_ike_up(Context& ctx, IkeSa& sa) {
    sa.up_since = ctx.now;
    ++ctx.counters.ike_sas_up;
    ctx.emit(IkeSaUp{sa.id, sa.local, sa.remote, *sa.peer_id, sa.suite, sa.nat, sa.initiator(), sa.peer_not_after, std::nullopt});
}

}  // namespace

void start_ike_auth(Context& ctx, IkeSa& sa) {
    const auto& creds = ctx.config.credentials;
    Payloads p;
    p.emplace_back(wire::IdInitiator{to_wire(creds.local_id)});
    for (auto& c : certificate_payloads(creds)) p.push_back(std::move(c));
    if (sa.send_initial_contact) p.emplace_back(notify(wire::NotifyType::initial_contact));
    p.emplace_back(certificate_request(ctx.verifier));
    if (sa.expected_peer_id) p.emplace_back(wire::IdResponder{to_wire(*sa.expected_peer_id)});
    auto auth = our_auth(ctx, sa);
    if (!auth) {
        close_ike(ctx, sa, DownReason::negotiation_failed, "cannot sign AUTH (no common hash algorithm?)");
        return;
    }
    p.emplace_back(std::move(*auth));
    if (sa.first_child) add_child_request(ctx, *sa.first_child, p);
    if (auto sent = send_request(ctx, sa, {RequestKind::ike_auth, {}}, wire::ExchangeType::ike_auth, p); !sent)
        close_ike(ctx, sa, DownReason::negotiation_failed, "IKE_AUTH: " + std::string(to_string(sent.error())));
    else if (!enter(ctx, sa, State::auth_sent))
        return;
}

void handle_ike_auth_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner) {
    if (sa.state() != State::init_answered) return;
    const auto* idi = find_payload<wire::IdInitiator>(inner);
    if (idi == nullptr) {  // an EAP round (RFC 7296 §2.16): we only do certificates
        respond(ctx, sa, rx, {notify(wire::NotifyType::authentication_failed)});
        report_auth_failure(ctx, sa, {AuthFailure::unsupported_algorithm, "EAP is not supported"});
        close_ike(ctx, sa, DownReason::auth_failed, "EAP is not supported");
        return;
    }
    const Identity peer = from_wire(*idi);
    auto cert = authenticate_peer(ctx, sa, inner, peer);
    if (!cert) {
        respond(ctx, sa, rx, {notify(wire::NotifyType::authentication_failed)});
        sa.peer_id = peer;
        report_auth_failure(ctx, sa, cert.error());
        close_ike(ctx, sa, DownReason::auth_failed, cert.error().detail);
        return;
    }
    sa.local = rx.local;  // authenticated: answer and later send where the peer is now (NAT-T)
    sa.remote = rx.remote;
    sa.peer_allowed = cert->allowed;
    auto child = respond_child(ctx, sa, inner, cert->allowed);
    auto auth = our_auth(ctx, sa);
    if (!auth) {
        if (child.child) ctx.spis.release(child.child->inbound_spi);
        respond(ctx, sa, rx, {notify(wire::NotifyType::authentication_failed)});
        close_ike(ctx, sa, DownReason::negotiation_failed, "cannot sign AUTH (no common hash algorithm?)");
        return;
    }
    Payloads p;
    p.emplace_back(wire::IdResponder{to_wire(ctx.config.credentials.local_id)});
    for (auto& c : certificate_payloads(ctx.config.credentials)) p.push_back(std::move(c));
    p.emplace_back(std::move(*auth));
    for (auto& c : child.payloads) p.push_back(std::move(c));
    sa.peer_id = peer;
    sa.peer_not_after = cert->not_after;
    sa.peer_facts = std::make_shared<const PeerFacts>(static_cast<const PeerFacts&>(*cert));
    sa.peer_initial_contact = find_notify(inner, wire::NotifyType::initial_contact) != nullptr;
    if (!enter(ctx, sa, State::established)) {
        if (child.child) ctx.spis.release(child.child->inbound_spi);
        return;
    }
    respond(ctx, sa, rx, p);
    emit_ike_up(ctx, sa);
    if (child.failure) report_auth_failure(ctx, sa, *child.failure);
    commit_child(ctx, sa, child);
}

namespace {

// After we rejected the responder (or its child SA), tell it and close (§2.21.2).
void reject_responder(Context& ctx, IkeSa& sa, RequestKind kind, DownReason reason, const std::string& detail) {
    emit_down(ctx, sa, reason, detail);
    if (!enter(ctx, sa, State::deleting)) return;
    const Payloads p = informational_payloads(sa, {kind, {}});
    if (!send_request(ctx, sa, {kind, {}}, wire::ExchangeType::informational, p)) sa.close();  // reported above
}

}  // namespace

void handle_ike_auth_response(Context& ctx, IkeSa& sa, const Payloads& inner) {
    if (sa.state() != State::auth_sent) return;
    sa.window.response_received();
    const auto* idr = find_payload<wire::IdResponder>(inner);
    if (idr == nullptr) {
        const auto* e = find_error_notify(inner);
        const auto t = e ? e->type : wire::NotifyType::invalid_syntax;
        if (t == wire::NotifyType::authentication_failed) {
            report_auth_failure(ctx, sa, {AuthFailure::peer_rejected_us, "peer sent AUTHENTICATION_FAILED"});
            close_ike(ctx, sa, DownReason::auth_failed, "peer sent AUTHENTICATION_FAILED");
        } else {
            close_ike(ctx, sa, DownReason::negotiation_failed, "IKE_AUTH refused: " + notify_name(t));
        }
        return;
    }
    const Identity peer = from_wire(*idr);
    sa.peer_id = peer;
    if (sa.expected_peer_id && !(*sa.expected_peer_id == peer)) {
        const VerifyFailure f{AuthFailure::identity_mismatch, "responder is " + peer.to_string()};
        report_auth_failure(ctx, sa, f);
        reject_responder(ctx, sa, RequestKind::auth_failed, DownReason::auth_failed, f.detail);
        return;
    }
    auto cert = authenticate_peer(ctx, sa, inner, peer);
    if (!cert) {
        report_auth_failure(ctx, sa, cert.error());
        reject_responder(ctx, sa, RequestKind::auth_failed, DownReason::auth_failed, cert.error().detail);
        return;
    }
    sa.peer_not_after = cert->not_after;
    sa.peer_facts = std::make_shared<const PeerFacts>(static_cast<const PeerFacts&>(*cert));
    sa.peer_allowed = cert->allowed;
    ChildOffer child;
    if (sa.first_child) child = accept_child(ctx, *sa.first_child, inner, cert->allowed);
    if (child.failure) {
        report_auth_failure(ctx, sa, *child.failure);
        reject_responder(ctx, sa, RequestKind::delete_ike, DownReason::auth_failed, child.failure->detail);
        return;
    }
    if (!child.child && sa.first_child) {
        reject_responder(ctx, sa, RequestKind::delete_ike, DownReason::negotiation_failed, child.error);
        return;
    }
    if (!enter(ctx, sa, State::established)) return;
    emit_ike_up(ctx, sa);
    commit_child(ctx, sa, child);
    pump_requests(ctx, sa);
}

}  // namespace ike::sa
