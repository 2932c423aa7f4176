// IKE_SA_INIT (RFC 7296 §1.2): proposals, key exchange, nonces and the key schedule, with the
// INVALID_KE_PAYLOAD (§1.3) and COOKIE (§2.6) retries of the initiator. A responder keeps no
// state until it answers with its own KE: cookies and error answers are stateless.
#include "crypto/hash.hpp"
#include "policy/proposals.hpp"
#include "sa/convert.hpp"
#include "sa/protect.hpp"
#include "sa/tasks.hpp"
#include "wire/exchange_table.hpp"

namespace ike::sa {
namespace {

constexpr std::size_t nonce_size = 32;

wire::Notify hash_algorithms_notify() {
    return notify(wire::NotifyType::signature_hash_algorithms,
                  crypto::encode_hash_algorithms(crypto::supported_hash_algorithms()));
}

std::vector<crypto::HashAlgorithm> peer_hash_algorithms(std::span<const wire::Payload> payloads) {
    const auto* n = find_notify(payloads, wire::NotifyType::signature_hash_algorithms);
    if (n == nullptr) return {};
    auto h = crypto::decode_hash_algorithms(n->data);
    return h ? std::move(*h) : std::vector<crypto::HashAlgorithm>{};
}

// IKE_SA_INIT's SKEYSEED = prf(Ni | Nr, g^ir) (§2.14), then the SA's keys.
Expected<SaKeys, KeyError> derive_keys(Context& ctx, const crypto::IkeSuite& suite, crypto::KeyExchange& ke,
                                       const wire::Bytes& peer_public, const wire::Bytes& ni, const wire::Bytes& nr,
                                       std::uint64_t spi_i, std::uint64_t spi_r, crypto::Role role) {
    ++ctx.counters.key_exchanges;
    auto gir = ke.shared_secret(peer_public);
    if (!gir) return unexpected(KeyError{KeyError::Step::shared_secret, gir.error()});
    auto seed = crypto::derive_skeyseed(suite.prf, ni, nr, *gir);
    if (!seed) return unexpected(KeyError{KeyError::Step::skeyseed, seed.error()});
    return derive_sa_keys(ctx.rng, suite, *seed, ni, nr, spi_i, spi_r, role);
}

std::optional<crypto::IkeSuite> ke_group_in_offer(const Config& c, std::uint16_t group) {
    for (const auto& s : c.proposals.ike)
        if (static_cast<std::uint16_t>(s.ke) == group) return s;
    return std::nullopt;
}

void fail(Context& ctx, IkeSa& sa, std::string detail) {
    close_ike(ctx, sa, DownReason::negotiation_failed, std::move(detail));
}

}  // namespace

void start_ike_init(Context& ctx, IkeSa& sa) {
    wire::Message m;
    m.header = header_for(sa, wire::ExchangeType::ike_sa_init, false, 0);
    if (!sa.cookie.empty()) m.payloads.emplace_back(notify(wire::NotifyType::cookie, sa.cookie));
    m.payloads.emplace_back(policy::offer_ike(ctx.config.proposals.ike));
    const auto pub = sa.ke->public_value();
    m.payloads.emplace_back(
        wire::KeyExchange{static_cast<wire::KeGroup>(sa.ke->group()), wire::Bytes(pub.begin(), pub.end()), false});
    m.payloads.emplace_back(wire::NoncePayload{*wire::Nonce::make(sa.nonce_i), false});
    for (auto& n : nat_detection_notifies(sa.spi_i, 0, sa.local, sa.remote)) m.payloads.push_back(std::move(n));
    m.payloads.emplace_back(hash_algorithms_notify());
    if (ctx.config.limits.fragment_size != 0) m.payloads.emplace_back(notify(wire::NotifyType::ikev2_fragmentation_supported));
    sa.init_request = wire::encode(m);
    sa.window.sent({RequestKind::ike_sa_init, {}}, sa.init_request, ctx.config.timers, ctx.now, sa.init_retries > 0);
    ctx.send(sa.local, sa.remote, sa.init_request);
}

void send_stateless_notify(Context& ctx, const Received& rx, wire::Notify n) {
    wire::Message m;
    m.header = rx.message.header;
    m.header.spi_r = 0;
    m.header.response = true;
    m.header.initiator = false;
    m.payloads.emplace_back(std::move(n));
    ctx.send(rx.local, rx.remote, wire::encode(m));
}

ResponderInit respond_ike_init(Context& ctx, const Received& rx, IkeSaId id, std::uint64_t spi_r) {
    const auto& payloads = rx.message.payloads;
    if (rx.message.header.message_id != 0 || !wire::check_exchange(rx.message.header, payloads)) return {};
    const auto* sa_p = find_payload<wire::SecurityAssociation>(payloads);
    const auto* ke_p = find_payload<wire::KeyExchange>(payloads);
    const auto* ni_p = find_payload<wire::NoncePayload>(payloads);
    const auto& nonce_i = ni_p->nonce.bytes();
    // Configured preference, but among suites using the group the initiator already sent first.
    std::vector<crypto::IkeSuite> same_group;
    for (const auto& s : ctx.config.proposals.ike)
        if (static_cast<std::uint16_t>(s.ke) == wire::raw(ke_p->group)) same_group.push_back(s);
    auto choice = policy::select_ike(*sa_p, same_group);
    if (!choice) {
        if (auto other = policy::select_ike(*sa_p, ctx.config.proposals.ike))
            send_stateless_notify(ctx, rx, notify(wire::NotifyType::invalid_ke_payload,
                                           {static_cast<std::uint8_t>(static_cast<std::uint16_t>(other->suite.ke) >> 8),
                                            static_cast<std::uint8_t>(other->suite.ke)}));
        else
            send_stateless_notify(ctx, rx, notify(wire::NotifyType::no_proposal_chosen));
        return {};
    }
    auto ke = crypto::make_key_exchange(choice->suite.ke, ctx.rng);
    if (!ke) return {};
    auto sa = std::make_unique<IkeSa>(Birth::responder);
    sa->id = id;
    sa->role = crypto::Role::Responder;
    sa->spi_i = rx.message.header.spi_i;
    sa->spi_r = spi_r;
    sa->local = rx.local;
    sa->remote = rx.remote;
    sa->init_remote = rx.remote;
    sa->suite = choice->suite;
    sa->nonce_i = nonce_i;
    sa->nonce_r = ctx.random_bytes(nonce_size);
    auto keys = derive_keys(ctx, sa->suite, **ke, ke_p->data, sa->nonce_i, sa->nonce_r, sa->spi_i, spi_r,
                            crypto::Role::Responder);
    if (!keys) return {};
    sa->ke = std::move(*ke);
    install_keys(*sa, std::move(*keys));
    sa->nat = check_nat(payloads, sa->spi_i, 0, rx.local, rx.remote);
    sa->peer_hashes = peer_hash_algorithms(payloads);

    wire::Message m;
    m.header = header_for(*sa, wire::ExchangeType::ike_sa_init, true, 0);
    m.payloads.emplace_back(std::move(choice->reply));
    const auto pub = sa->ke->public_value();
    m.payloads.emplace_back(
        wire::KeyExchange{static_cast<wire::KeGroup>(sa->suite.ke), wire::Bytes(pub.begin(), pub.end()), false});
    m.payloads.emplace_back(wire::NoncePayload{*wire::Nonce::make(sa->nonce_r), false});
    for (auto& n : nat_detection_notifies(sa->spi_i, spi_r, rx.local, rx.remote)) m.payloads.push_back(std::move(n));
    m.payloads.emplace_back(certificate_request(ctx.verifier));
    m.payloads.emplace_back(hash_algorithms_notify());
    // RFC 7383 §2.3: announced in the response only when the request announced it.
    sa->fragmentation = ctx.config.limits.fragment_size != 0 &&
                        find_notify(payloads, wire::NotifyType::ikev2_fragmentation_supported) != nullptr;
    if (sa->fragmentation) m.payloads.emplace_back(notify(wire::NotifyType::ikev2_fragmentation_supported));
    sa->init_request.assign(rx.datagram.begin(), rx.datagram.end());
    sa->init_response = wire::encode(m);
    sa->window.answered(rx.datagram, sa->init_response);
    sa->last_heard = ctx.now;
    sa->began = ctx.now;
    sa->half_open_deadline = ctx.now + ctx.config.timers.half_open_timeout;
    ctx.send(rx.local, rx.remote, sa->init_response);
    export_ike_keys(ctx, *sa);  // now, not at IKE_AUTH: a failing IKE_AUTH is what needs decrypting
    return {std::move(sa)};
}

namespace {

bool retry_with_cookie(Context& ctx, IkeSa& sa, const wire::Notify& n) {
    if (sa.init_retries >= ctx.config.timers.max_init_retries || n.data.empty() || n.data.size() > 64) return false;
    sa.cookie = n.data;
    ++sa.init_retries;
    start_ike_init(ctx, sa);
    return true;
}

bool retry_with_group(Context& ctx, IkeSa& sa, const wire::Notify& n) {
    if (sa.init_retries >= ctx.config.timers.max_init_retries || n.data.size() != 2) return false;
    const auto group = static_cast<std::uint16_t>(n.data[0] << 8 | n.data[1]);
    const auto suite = ke_group_in_offer(ctx.config, group);
    if (!suite || suite->ke == sa.ke->group()) return false;
    auto ke = crypto::make_key_exchange(suite->ke, ctx.rng);
    if (!ke) return false;
    sa.ke = std::move(*ke);
    ++sa.init_retries;
    start_ike_init(ctx, sa);
    return true;
}

}  // namespace

void handle_ike_init_response(Context& ctx, IkeSa& sa, const Received& rx) {
    const auto& payloads = rx.message.payloads;
    if (sa.state() != State::init_sent || !wire::check_exchange(rx.message.header, payloads)) return;
    if (const auto* c = find_notify(payloads, wire::NotifyType::cookie)) {
        if (!retry_with_cookie(ctx, sa, *c)) fail(ctx, sa, "COOKIE retries exhausted");
        return;
    }
    if (const auto* k = find_notify(payloads, wire::NotifyType::invalid_ke_payload)) {
        if (!retry_with_group(ctx, sa, *k)) fail(ctx, sa, "INVALID_KE_PAYLOAD: no acceptable group");
        return;
    }
    if (const auto* e = find_error_notify(payloads)) {
        fail(ctx, sa, "IKE_SA_INIT refused with notify " + std::to_string(wire::raw(e->type)));
        return;
    }
    const auto* sa_p = find_payload<wire::SecurityAssociation>(payloads);
    const auto* ke_p = find_payload<wire::KeyExchange>(payloads);
    const auto* nr_p = find_payload<wire::NoncePayload>(payloads);
    if (sa_p == nullptr || ke_p == nullptr || nr_p == nullptr) return;
    const auto suite = policy::accept_ike(*sa_p, ctx.config.proposals.ike);
    const std::uint64_t spi_r = rx.message.header.spi_r;
    if (!suite || suite->ke != sa.ke->group() || static_cast<std::uint16_t>(ke_p->group) != static_cast<std::uint16_t>(suite->ke) ||
        spi_r == 0) {
        fail(ctx, sa, "IKE_SA_INIT response chose nothing we offered");
        return;
    }
    const auto& nonce_r = nr_p->nonce.bytes();
    auto keys = derive_keys(ctx, *suite, *sa.ke, ke_p->data, sa.nonce_i, nonce_r, sa.spi_i, spi_r,
                            crypto::Role::Initiator);
    if (!keys) return;  // a bad public value is unauthenticated noise: keep waiting (commit on success)
    sa.spi_r = spi_r;
    sa.suite = *suite;
    sa.nonce_r = nonce_r;
    sa.init_response.assign(rx.datagram.begin(), rx.datagram.end());
    install_keys(sa, std::move(*keys));
    export_ike_keys(ctx, sa);  // before IKE_AUTH, which is what a failing handshake needs decrypted
    sa.nat = check_nat(payloads, sa.spi_i, spi_r, rx.local, rx.remote);
    sa.peer_hashes = peer_hash_algorithms(payloads);
    sa.fragmentation = ctx.config.limits.fragment_size != 0 &&
                       find_notify(payloads, wire::NotifyType::ikev2_fragmentation_supported) != nullptr;
    if (sa.nat.any()) {  // §2.23: float to port 4500 with the non-ESP marker
        sa.local.port = natt_port;
        sa.remote.port = natt_port;
    }
    sa.window.response_received();
    start_ike_auth(ctx, sa);
}

}  // namespace ike::sa
