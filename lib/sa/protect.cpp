// SK payload sealing and opening (the only place lib/sa touches SkProtector/SkUnprotector).
#include "sa/protect.hpp"

#include "sa/convert.hpp"
#include "wire/writer.hpp"

namespace ike::sa {

std::string to_string(const KeyError& e) {
    std::string s;
    switch (e.step) {
        case KeyError::Step::no_parent_keys: s = "the rekeyed IKE SA has no keys"; break;
        case KeyError::Step::shared_secret: s = "bad KE public value"; break;
        case KeyError::Step::skeyseed: s = "SKEYSEED derivation failed"; break;
        case KeyError::Step::sa_keys: s = "IKE SA key derivation failed"; break;
    }
    if (e.crypto) s += " (" + std::string(crypto::to_string(*e.crypto)) + ")";
    return s;
}

Expected<SaKeys, KeyError> derive_sa_keys(crypto::Rng& rng, const crypto::IkeSuite& suite, const crypto::Skeyseed& skeyseed,
                                          const Bytes& ni, const Bytes& nr, std::uint64_t spi_i, std::uint64_t spi_r,
                                          crypto::Role role) {
    constexpr auto step = KeyError::Step::sa_keys;
    auto keys = crypto::derive_ike_sa_keys(suite.prf, suite.sk, skeyseed, ni, nr, be64(spi_i), be64(spi_r));
    if (!keys) return unexpected(KeyError{step, keys.error()});
    auto out = crypto::SkProtector::outbound(suite.sk, *keys, role, rng);
    if (!out) return unexpected(KeyError{step, out.error()});
    auto in = crypto::SkUnprotector::inbound(suite.sk, *keys, role);
    if (!in) return unexpected(KeyError{step, in.error()});
    return SaKeys{std::move(*keys), std::move(*out), std::move(*in)};
}

void install_keys(IkeSa& sa, SaKeys k) {
    sa.keys = std::move(k.keys);
    sa.protector.emplace(std::move(k.protector));
    sa.unprotector.emplace(std::move(k.unprotector));
}

wire::Header header_for(const IkeSa& sa, wire::ExchangeType exchange, bool response, std::uint32_t message_id) {
    wire::Header h;
    h.spi_i = sa.spi_i;
    h.spi_r = sa.spi_r;
    h.exchange = exchange;
    h.initiator = sa.initiator();
    h.response = response;
    h.message_id = message_id;
    return h;
}

Expected<Bytes, SealError> seal(IkeSa& sa, const wire::Header& header, std::span<const wire::Payload> inner) {
    if (!sa.protector) return unexpected(SealError{});
    const auto chain = wire::encode_inner(inner);
    const std::size_t body_len = sa.protector->body_length(chain.bytes.size());
    const std::size_t sk_len = 4 + body_len;
    wire::Writer w;
    wire::encode_header(w, header, wire::PayloadType::sk, static_cast<std::uint32_t>(wire::header_size + sk_len));
    w.u8(wire::raw(chain.first));
    w.u8(0);
    w.u16(static_cast<std::uint16_t>(sk_len));
    Bytes out = w.take();
    auto body = sa.protector->protect(out, chain.bytes);
    if (!body) return unexpected(SealError{body.error()});
    out.insert(out.end(), body->begin(), body->end());
    return out;
}

Expected<std::vector<wire::Payload>, OpenError> open(IkeSa& sa, std::span<const std::uint8_t> datagram,
                                                     const wire::Message& message) {
    if (!sa.unprotector || message.payloads.empty()) return unexpected(OpenError{});
    const auto* sk = std::get_if<wire::Encrypted>(&message.payloads.back());
    if (sk == nullptr || sk->body.size() > datagram.size()) return unexpected(OpenError{});
    const auto aad = datagram.first(datagram.size() - sk->body.size());
    auto plain = sa.unprotector->unprotect(aad, sk->body);
    if (!plain) return unexpected(OpenError{});
    auto inner = wire::decode_inner(sk->first_inner, *plain);
    if (!inner) return unexpected(OpenError{inner.error()});
    return std::move(*inner);
}

}  // namespace ike::sa
