// Proposal building and selection. A suite matches a proposal when the proposal lists each of
// the suite's transforms; a reply must list exactly one transform of each type (§3.3.6).
#include "policy/proposals.hpp"

#include <algorithm>

namespace ike::policy {
namespace {

using wire::TransformType;

wire::Transform transform(TransformType type, std::uint16_t id, std::uint16_t key_bits = 0) {
    wire::Transform t{type, id, {}};
    if (key_bits != 0) t.attributes.push_back({wire::AttributeType::key_length, key_bits});
    return t;
}

bool has(const wire::Proposal& p, TransformType type, std::uint16_t id, std::uint16_t key_bits = 0) {
    return std::any_of(p.transforms.begin(), p.transforms.end(), [&](const wire::Transform& t) {
        return t.type == type && t.id == id && t.key_length().value_or(0) == key_bits;
    });
}

bool has_type(const wire::Proposal& p, TransformType type) {
    return std::any_of(p.transforms.begin(), p.transforms.end(),
                       [&](const wire::Transform& t) { return t.type == type; });
}

std::size_t count_type(const wire::Proposal& p, TransformType type) {
    return static_cast<std::size_t>(std::count_if(p.transforms.begin(), p.transforms.end(),
                                                  [&](const wire::Transform& t) { return t.type == type; }));
}

// ChaCha20-Poly1305 carries no Key Length; AES always does.
std::uint16_t wire_key_bits(const crypto::SkSuite& s) {
    return s.encr == crypto::EncrId::ChaCha20Poly1305 ? 0 : s.key_bits;
}

std::vector<wire::Transform> sk_transforms(crypto::EncrId encr, std::uint16_t key_bits, crypto::IntegId integ) {
    std::vector<wire::Transform> out;
    out.push_back(transform(TransformType::encr, static_cast<std::uint16_t>(encr),
                            encr == crypto::EncrId::ChaCha20Poly1305 ? 0 : key_bits));
    if (integ != crypto::IntegId::None)
        out.push_back(transform(TransformType::integ, static_cast<std::uint16_t>(integ)));
    return out;
}

bool matches_sk(const wire::Proposal& p, crypto::EncrId encr, std::uint16_t key_bits, crypto::IntegId integ) {
    const auto bits = encr == crypto::EncrId::ChaCha20Poly1305 ? 0 : key_bits;
    if (!has(p, TransformType::encr, static_cast<std::uint16_t>(encr), bits)) return false;
    if (integ == crypto::IntegId::None)
        return !has_type(p, TransformType::integ) || has(p, TransformType::integ, 0);
    return has(p, TransformType::integ, static_cast<std::uint16_t>(integ));
}

bool matches_ike(const wire::Proposal& p, const crypto::IkeSuite& s) {
    return p.protocol == wire::ProtocolId::ike &&
           matches_sk(p, s.sk.encr, wire_key_bits(s.sk), s.sk.integ) &&
           has(p, TransformType::prf, static_cast<std::uint16_t>(s.prf)) &&
           has(p, TransformType::ke, static_cast<std::uint16_t>(s.ke));
}

wire::Proposal ike_proposal(const crypto::IkeSuite& s, std::uint8_t number) {
    wire::Proposal p{number, wire::ProtocolId::ike, {}, sk_transforms(s.sk.encr, s.sk.key_bits, s.sk.integ)};
    p.transforms.push_back(transform(TransformType::prf, static_cast<std::uint16_t>(s.prf)));
    p.transforms.push_back(transform(TransformType::ke, static_cast<std::uint16_t>(s.ke)));
    return p;
}

bool single_of_each(const wire::Proposal& p) {
    for (const auto type : {TransformType::encr, TransformType::prf, TransformType::integ, TransformType::ke,
                            TransformType::esn})
        if (count_type(p, type) > 1) return false;
    return true;
}

std::uint32_t spi_of(const wire::Proposal& p) {
    std::uint32_t v = 0;
    for (const auto b : p.spi) v = v << 8 | b;
    return v;
}

wire::Bytes spi_bytes(std::uint32_t spi) {
    return {static_cast<std::uint8_t>(spi >> 24), static_cast<std::uint8_t>(spi >> 16),
            static_cast<std::uint8_t>(spi >> 8), static_cast<std::uint8_t>(spi)};
}

bool matches_esp(const wire::Proposal& p, const crypto::EspSuite& s) {
    return p.protocol == wire::ProtocolId::esp && p.spi.size() == 4 && matches_sk(p, s.encr, s.key_bits, s.integ);
}

// ESN choice: ours if the proposal allows it; a proposal without ESN transforms means "no ESN".
std::optional<bool> esn_choice(const wire::Proposal& p, bool want_esn) {
    const auto esn = static_cast<std::uint16_t>(wire::EsnId::esn);
    const auto no = static_cast<std::uint16_t>(wire::EsnId::no_esn);
    if (!has_type(p, TransformType::esn)) return false;
    if (want_esn && has(p, TransformType::esn, esn)) return true;
    if (has(p, TransformType::esn, no)) return false;
    return std::nullopt;
}

}  // namespace

wire::SecurityAssociation offer_ike(std::span<const crypto::IkeSuite> suites) {
    wire::SecurityAssociation sa;
    std::uint8_t n = 1;
    for (const auto& s : suites) sa.proposals.push_back(ike_proposal(s, n++));
    return sa;
}

std::optional<IkeChoice> select_ike(const wire::SecurityAssociation& offered,
                                    std::span<const crypto::IkeSuite> preference) {
    for (const auto& s : preference)
        for (const auto& p : offered.proposals)
            if (p.spi.empty() && matches_ike(p, s))
                return IkeChoice{s, wire::SecurityAssociation{{ike_proposal(s, p.number)}, false}};
    return std::nullopt;
}

std::optional<crypto::IkeSuite> accept_ike(const wire::SecurityAssociation& reply,
                                           std::span<const crypto::IkeSuite> offered) {
    if (reply.proposals.size() != 1) return std::nullopt;
    const auto& p = reply.proposals.front();
    if (!single_of_each(p) || !p.spi.empty()) return std::nullopt;
    for (const auto& s : offered)
        if (matches_ike(p, s)) return s;
    return std::nullopt;
}

wire::SecurityAssociation offer_esp(std::span<const crypto::EspSuite> suites, std::uint32_t spi, bool esn) {
    wire::SecurityAssociation sa;
    std::uint8_t n = 1;
    for (const auto& s : suites) {
        wire::Proposal p{n++, wire::ProtocolId::esp, spi_bytes(spi), sk_transforms(s.encr, s.key_bits, s.integ)};
        if (esn) p.transforms.push_back(transform(TransformType::esn, static_cast<std::uint16_t>(wire::EsnId::esn)));
        p.transforms.push_back(transform(TransformType::esn, static_cast<std::uint16_t>(wire::EsnId::no_esn)));
        sa.proposals.push_back(std::move(p));
    }
    return sa;
}

std::optional<EspChoice> select_esp(const wire::SecurityAssociation& offered,
                                    std::span<const crypto::EspSuite> preference, bool esn) {
    for (const auto& s : preference)
        for (const auto& p : offered.proposals) {
            if (!matches_esp(p, s)) continue;
            const auto e = esn_choice(p, esn);
            if (e) return EspChoice{s, *e, spi_of(p), p.number};
        }
    return std::nullopt;
}

wire::SecurityAssociation esp_reply(const EspChoice& c, std::uint32_t our_spi) {
    wire::Proposal p{c.proposal_number, wire::ProtocolId::esp, spi_bytes(our_spi),
                     sk_transforms(c.suite.encr, c.suite.key_bits, c.suite.integ)};
    p.transforms.push_back(transform(TransformType::esn, static_cast<std::uint16_t>(
                                                             c.esn ? wire::EsnId::esn : wire::EsnId::no_esn)));
    return wire::SecurityAssociation{{std::move(p)}, false};
}

std::optional<EspChoice> accept_esp(const wire::SecurityAssociation& reply,
                                    std::span<const crypto::EspSuite> offered, bool esn) {
    if (reply.proposals.size() != 1) return std::nullopt;
    const auto& p = reply.proposals.front();
    if (!single_of_each(p)) return std::nullopt;
    for (const auto& s : offered) {
        if (!matches_esp(p, s)) continue;
        const auto e = esn_choice(p, esn);
        if (!e || (*e && !esn)) return std::nullopt;
        return EspChoice{s, *e, spi_of(p), p.number};
    }
    return std::nullopt;
}

}  // namespace ike::policy
