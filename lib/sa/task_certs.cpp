// Certificates in IKE_AUTH (RFC 7296 §3.6, §3.7): our chain as CERT payloads, CERTREQ naming
// the CA, and the peer's chain through the verifier and lib/policy's authorisation.
#include "policy/authorize.hpp"
#include "sa/convert.hpp"
#include "sa/tasks.hpp"

namespace ike::sa {

Payloads certificate_payloads(const Credentials& creds) {
    Payloads out;
    for (const auto& der : creds.certificate_chain)
        out.emplace_back(wire::Certificate{wire::CertEncoding::x509_signature, der, false});
    return out;
}

wire::CertificateRequest certificate_request(const CertificateVerifier& verifier) {
    return wire::CertificateRequest{wire::CertEncoding::x509_signature, {verifier.ca_key_id()}, false};
}

std::vector<Bytes> peer_chain(std::span<const wire::Payload> inner) {
    std::vector<Bytes> chain;
    for (const auto& p : inner)
        if (const auto* c = std::get_if<wire::Certificate>(&p); c && c->encoding == wire::CertEncoding::x509_signature)
            chain.push_back(c->data);
    return chain;
}

Expected<VerifiedPeer, VerifyFailure> verify_peer(Context& ctx, std::span<const wire::Payload> inner,
                                                  const Identity& claimed) {
    const auto chain = peer_chain(inner);
    if (chain.empty()) return unexpected(VerifyFailure{AuthFailure::no_certificate, "no X.509 CERT payload"});
    auto peer = ctx.verifier.verify(chain, ctx.config.revocation, ctx.now);
    if (!peer) return peer;
    if (auto ok = policy::authorize(*peer, ctx.config.revocation, claimed); !ok) return unexpected(ok.error());
    return peer;
}

void report_auth_failure(Context& ctx, const IkeSa& sa, const VerifyFailure& f) {
    ++ctx.counters.auth_failures;
    ctx.emit(AuthFailed{sa.id, sa.remote, sa.peer_id, f.reason, f.detail});
}

}  // namespace ike::sa
