// Datagram mutations of fuzz_engine: byte-level ones on the wire image, and re-encryption: the
// SK payload of a protected message is opened with the keys the endpoints exported, its
// plaintext (or its payload list) mutated, and sealed again, so the mutation passes the
// integrity check and reaches the exchange logic behind it.
#include <algorithm>

#include "crypto/sk_payload.hpp"
#include "wire/message.hpp"
#include "wire/writer.hpp"
#include "world.hpp"

namespace fuzz_engine {

void mutate_bytes(Bytes& data, std::uint8_t how, std::uint16_t pos, std::uint8_t value) {
    const std::size_t at = data.empty() ? 0 : pos % data.size();
    switch (how % 8) {
        case 0:
            if (!data.empty()) data[at] ^= static_cast<std::uint8_t>(1u << (value & 7));
            break;
        case 1:
            if (!data.empty()) data[at] = value;
            break;
        case 2: data.insert(data.begin() + static_cast<std::ptrdiff_t>(at), value); break;
        case 3: data.resize(at); break;  // truncate
        case 4:
            if (!data.empty()) data.erase(data.begin() + static_cast<std::ptrdiff_t>(at));
            break;
        case 5:  // a 16-bit field (lengths) set to value
            if (at + 1 < data.size()) {
                data[at] = 0;
                data[at + 1] = value;
            }
            break;
        case 6:  // header fields: exchange type, flags, message ID (offsets 18, 19, 20-23 after any marker)
            if (data.size() >= 28) {
                const std::size_t base = (data.size() >= 32 && data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 0) ? 4 : 0;
                static constexpr std::size_t fields[] = {18, 19, 23, 20, 16, 17};
                const std::size_t f = base + fields[pos % std::size(fields)];
                if (f < data.size()) data[f] = value;
            }
            break;
        case 7:  // append value bytes of junk
            data.insert(data.end(), value % 64, static_cast<std::uint8_t>(pos));
            break;
    }
}

namespace {

// Payload-list mutations of a decoded inner chain.
bool mutate_payloads(std::vector<ike::wire::Payload>& p, std::uint8_t how, std::uint16_t pos) {
    if (p.empty()) return false;
    const std::size_t at = pos % p.size();
    switch (how % 4) {
        case 0: p.erase(p.begin() + static_cast<std::ptrdiff_t>(at)); return true;
        case 1: p.insert(p.begin() + static_cast<std::ptrdiff_t>(at), p[at]); return true;
        case 2: std::swap(p[at], p[(at + 1) % p.size()]); return true;
        case 3: std::rotate(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(at), p.end()); return true;
    }
    return false;
}

}  // namespace

std::optional<Bytes> World::reencrypt(const Datagram& d, std::uint8_t how, std::uint16_t pos, std::uint8_t value) {
    std::span<const std::uint8_t> ike_bytes = d.data;
    const bool marker = d.local.port == 4500;
    if (marker) {
        const auto s = ike::wire::strip_non_esp_marker(d.data);
        if (!s) return std::nullopt;
        ike_bytes = *s;
    }
    const auto m = ike::wire::decode(ike_bytes);
    if (!m || m->payloads.empty()) return std::nullopt;
    const auto* sk = std::get_if<ike::wire::Encrypted>(&m->payloads.back());
    if (sk == nullptr) return std::nullopt;
    const auto it = m_keys.find({m->header.spi_i, m->header.spi_r});
    if (it == m_keys.end()) return std::nullopt;
    const auto& k = it->second;
    const bool from_initiator = m->header.initiator;
    const auto& encr = from_initiator ? k.sk_ei : k.sk_er;
    const auto& integ = from_initiator ? k.sk_ai : k.sk_ar;

    const auto aad = ike_bytes.first(ike_bytes.size() - sk->body.size());
    auto opener = ike::crypto::SkUnprotector::create(k.suite.sk, encr, integ);
    if (!opener) return std::nullopt;
    auto plain = opener->unprotect(aad, sk->body);
    if (!plain) return std::nullopt;

    Bytes inner(plain->begin(), plain->end());
    auto first = sk->first_inner;
    if (how & 0x80) {  // structural: on the decoded payload list
        auto payloads = ike::wire::decode_inner(first, inner);
        if (!payloads || !mutate_payloads(*payloads, how >> 3, pos)) return std::nullopt;
        auto chain = ike::wire::encode_inner(*payloads);
        first = chain.first;
        inner = std::move(chain.bytes);
    } else if (how & 0x40) {  // the first inner payload type
        first = static_cast<ike::wire::PayloadType>(value);
    } else {
        mutate_bytes(inner, how, pos, value);
    }

    auto sealer = ike::crypto::SkProtector::create(k.suite.sk, encr, integ, *m_rng);
    if (!sealer) return std::nullopt;
    const std::size_t prefix_len = aad.size() - 4;  // the header and unencrypted payloads before SK
    const std::size_t sk_len = 4 + sealer->body_length(inner.size());
    Bytes out(aad.begin(), aad.begin() + static_cast<std::ptrdiff_t>(prefix_len));
    out.push_back(static_cast<std::uint8_t>(first));
    out.push_back(aad[prefix_len + 1]);
    out.push_back(static_cast<std::uint8_t>(sk_len >> 8));
    out.push_back(static_cast<std::uint8_t>(sk_len));
    const std::size_t total = prefix_len + sk_len;
    for (int i = 0; i < 4; ++i) out[24 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(total >> (24 - 8 * i));
    auto body = sealer->protect(out, inner);
    if (!body) return std::nullopt;
    out.insert(out.end(), body->begin(), body->end());
    if (marker) out.insert(out.begin(), 4, 0);
    return out;
}

}  // namespace fuzz_engine
