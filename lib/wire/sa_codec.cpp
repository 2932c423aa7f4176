// The Security Association payload: proposals, transforms, attributes (RFC 7296 §3.3).
#include "wire/payload_codec.hpp"

namespace ike::wire::detail {
namespace {

constexpr std::uint8_t last_proposal = 0;
constexpr std::uint8_t more_proposals = 2;
constexpr std::uint8_t last_transform = 0;
constexpr std::uint8_t more_transforms = 3;
constexpr std::size_t proposal_fixed = 8;
constexpr std::size_t transform_fixed = 8;
constexpr std::uint16_t af_tv = 0x8000;

DecodeError sa_error(std::size_t offset, DecodeRule rule) {
    return syntax_error(offset, rule, PayloadType::sa);
}

Expected<std::vector<Attribute>, DecodeError> decode_attributes(Reader r) {
    std::vector<Attribute> out;
    while (!r.empty()) {
        const std::size_t at = r.offset();
        if (!r.has(4)) return unexpected(sa_error(at, DecodeRule::attribute_truncated));
        const std::uint16_t word = r.u16();
        Attribute a;
        a.type = static_cast<AttributeType>(word & 0x7fff);
        if (word & af_tv) {
            a.value = r.u16();
        } else {
            const std::uint16_t len = r.u16();
            if (!r.has(len)) return unexpected(sa_error(at, DecodeRule::attribute_truncated));
            if (a.type == AttributeType::key_length)
                return unexpected(sa_error(at, DecodeRule::key_length_not_tv));
            a.value = r.bytes(len);
        }
        out.push_back(std::move(a));
    }
    return out;
}

Expected<Transform, DecodeError> decode_transform(Reader& r, bool& more) {
    const std::size_t at = r.offset();
    if (!r.has(transform_fixed)) return unexpected(sa_error(at, DecodeRule::transform_length));
    const std::uint8_t last = r.u8();
    r.skip(1);
    const std::uint16_t len = r.u16();
    if (len < transform_fixed || !r.has(len - 4))
        return unexpected(sa_error(at + 2, DecodeRule::transform_length));
    Reader t = r.sub(len - 4);
    Transform tr;
    tr.type = static_cast<TransformType>(t.u8());
    t.skip(1);
    tr.id = t.u16();
    auto attrs = decode_attributes(t.sub(t.remaining()));
    if (!attrs) return unexpected(attrs.error());
    tr.attributes = std::move(*attrs);
    if (last != last_transform && last != more_transforms)
        return unexpected(sa_error(at, DecodeRule::transform_last_substruc));
    more = last == more_transforms;
    return tr;
}

Expected<Proposal, DecodeError> decode_proposal(Reader& r, bool& more) {
    const std::size_t at = r.offset();
    if (!r.has(proposal_fixed)) return unexpected(sa_error(at, DecodeRule::proposal_length));
    const std::uint8_t last = r.u8();
    r.skip(1);
    const std::uint16_t len = r.u16();
    if (len < proposal_fixed || !r.has(len - 4))
        return unexpected(sa_error(at + 2, DecodeRule::proposal_length));
    Reader p = r.sub(len - 4);
    Proposal prop;
    prop.number = p.u8();
    prop.protocol = static_cast<ProtocolId>(p.u8());
    const std::uint8_t spi_size = p.u8();
    const std::uint8_t num_transforms = p.u8();
    const bool spi_ok = prop.protocol == ProtocolId::ike   ? (spi_size == 0 || spi_size == 8)
                        : prop.protocol == ProtocolId::esp ? spi_size == 4
                        : prop.protocol == ProtocolId::ah  ? spi_size == 4
                                                           : true;
    if (!spi_ok) return unexpected(sa_error(at + 6, DecodeRule::proposal_spi_size));
    if (!p.has(spi_size)) return unexpected(sa_error(at + 2, DecodeRule::proposal_length));
    prop.spi = p.bytes(spi_size);
    bool more_t = !p.empty();
    while (!p.empty()) {
        if (!more_t) return unexpected(sa_error(p.offset(), DecodeRule::transform_last_substruc));
        auto t = decode_transform(p, more_t);
        if (!t) return unexpected(t.error());
        prop.transforms.push_back(std::move(*t));
    }
    if (more_t) return unexpected(sa_error(p.offset(), DecodeRule::transform_last_substruc));
    if (prop.transforms.size() != num_transforms)
        return unexpected(sa_error(at + 7, DecodeRule::transform_count));
    if (last != last_proposal && last != more_proposals)
        return unexpected(sa_error(at, DecodeRule::proposal_last_substruc));
    more = last == more_proposals;
    return prop;
}

}  // namespace

Expected<SecurityAssociation, DecodeError> decode_sa(Reader body) {
    SecurityAssociation sa;
    if (body.empty()) return unexpected(sa_error(body.offset(), DecodeRule::sa_no_proposal));
    bool more = true;
    while (!body.empty()) {
        const std::size_t at = body.offset();
        if (!more) return unexpected(sa_error(at, DecodeRule::proposal_last_substruc));
        auto p = decode_proposal(body, more);
        if (!p) return unexpected(p.error());
        // §3.3.1: each proposal number is one more than the previous one (the first is 1 in
        // a request; a response echoes the number it chose, so the first is not checked).
        if (p->number == 0 ||
            (!sa.proposals.empty() && p->number != sa.proposals.back().number + 1))
            return unexpected(sa_error(at + 4, DecodeRule::proposal_number));
        sa.proposals.push_back(std::move(*p));
    }
    if (more) return unexpected(sa_error(body.offset(), DecodeRule::proposal_last_substruc));
    return sa;
}

namespace {

void encode_attribute(Writer& w, const Attribute& a) {
    const auto type = static_cast<std::uint16_t>(raw(a.type) & 0x7fff);
    if (const auto* tv = std::get_if<std::uint16_t>(&a.value)) {
        w.u16(static_cast<std::uint16_t>(type | af_tv));
        w.u16(*tv);
    } else {
        const auto& v = std::get<Bytes>(a.value);
        w.u16(type);
        w.u16(static_cast<std::uint16_t>(v.size()));
        w.bytes(v);
    }
}

void encode_transform(Writer& w, const Transform& t, bool last) {
    const std::size_t start = w.size();
    w.u8(last ? last_transform : more_transforms);
    w.u8(0);
    w.u16(0);
    w.u8(raw(t.type));
    w.u8(0);
    w.u16(t.id);
    for (const auto& a : t.attributes) encode_attribute(w, a);
    w.patch_u16(start + 2, static_cast<std::uint16_t>(w.size() - start));
}

void encode_proposal(Writer& w, const Proposal& p, bool last) {
    const std::size_t start = w.size();
    w.u8(last ? last_proposal : more_proposals);
    w.u8(0);
    w.u16(0);
    w.u8(p.number);
    w.u8(raw(p.protocol));
    w.u8(static_cast<std::uint8_t>(p.spi.size()));
    w.u8(static_cast<std::uint8_t>(p.transforms.size()));
    w.bytes(p.spi);
    for (std::size_t i = 0; i < p.transforms.size(); ++i)
        encode_transform(w, p.transforms[i], i + 1 == p.transforms.size());
    w.patch_u16(start + 2, static_cast<std::uint16_t>(w.size() - start));
}

}  // namespace

void encode_sa(Writer& w, const SecurityAssociation& sa) {
    for (std::size_t i = 0; i < sa.proposals.size(); ++i)
        encode_proposal(w, sa.proposals[i], i + 1 == sa.proposals.size());
}

}  // namespace ike::wire::detail

namespace ike::wire {

std::optional<std::uint16_t> Transform::key_length() const {
    for (const auto& a : attributes)
        if (a.type == AttributeType::key_length)
            if (const auto* v = std::get_if<std::uint16_t>(&a.value)) return *v;
    return std::nullopt;
}

}  // namespace ike::wire
