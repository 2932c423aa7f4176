// Payload bodies other than SA and TS (RFC 7296 §3.4-§3.16, RFC 7383 §2.5): one decode and
// one encode function per payload kind, dispatched on the payload type.
#include "wire/payload_codec.hpp"

#include <algorithm>

namespace ike::wire::detail {
namespace {

using Result = Expected<Payload, DecodeError>;

Unexpected<DecodeError> fail(const Reader& r, DecodeRule rule, PayloadType type) {
    return unexpected(syntax_error(r.offset(), rule, type));
}

template <typename P>
Result with_critical(P p, bool critical) {
    p.critical = critical;
    return Payload(std::move(p));
}

Result decode_ke(Reader r, bool critical) {
    if (!r.has(4)) return fail(r, DecodeRule::body_truncated, PayloadType::ke);
    KeyExchange ke;
    ke.group = static_cast<KeGroup>(r.u16());
    r.skip(2);
    ke.data = r.rest();
    return with_critical(std::move(ke), critical);
}

template <typename P>
Result decode_id(Reader r, bool critical, PayloadType type) {
    if (!r.has(4)) return fail(r, DecodeRule::body_truncated, type);
    P id;
    id.type = static_cast<IdType>(r.u8());
    r.skip(3);
    const std::size_t at = r.offset();
    id.data = r.rest();
    if ((id.type == IdType::ipv4_addr && id.data.size() != 4) ||
        (id.type == IdType::ipv6_addr && id.data.size() != 16))
        return unexpected(syntax_error(at, DecodeRule::id_address_length, type));
    return with_critical(std::move(id), critical);
}

Result decode_cert(Reader r, bool critical) {
    if (!r.has(1)) return fail(r, DecodeRule::body_truncated, PayloadType::cert);
    Certificate c;
    c.encoding = static_cast<CertEncoding>(r.u8());
    c.data = r.rest();
    return with_critical(std::move(c), critical);
}

Result decode_certreq(Reader r, bool critical) {
    if (!r.has(1)) return fail(r, DecodeRule::body_truncated, PayloadType::certreq);
    CertificateRequest c;
    c.encoding = static_cast<CertEncoding>(r.u8());
    if (r.remaining() % 20 != 0) return fail(r, DecodeRule::certreq_hash_length, PayloadType::certreq);
    while (!r.empty()) {
        Sha1Hash h{};
        const auto v = r.view(h.size());
        std::copy(v.begin(), v.end(), h.begin());
        c.authorities.push_back(h);
    }
    return with_critical(std::move(c), critical);
}

Result decode_auth(Reader r, bool critical) {
    if (!r.has(4)) return fail(r, DecodeRule::body_truncated, PayloadType::auth);
    Authentication a;
    a.method = static_cast<AuthMethod>(r.u8());
    r.skip(3);
    a.data = r.rest();
    return with_critical(std::move(a), critical);
}

Result decode_nonce(Reader r, bool critical) {
    const std::size_t at = r.offset();
    auto n = Nonce::make(r.rest());
    if (!n) return unexpected(syntax_error(at, DecodeRule::nonce_length, PayloadType::nonce));
    return Payload(NoncePayload{std::move(*n), critical});
}

// Notification data sizes that RFC 7296 (and RFC 7427) fix; other types are opaque here.
bool notify_data_ok(NotifyType type, std::size_t size) {
    switch (type) {
        case NotifyType::unsupported_critical_payload: return size == 1;     // §3.10.1
        case NotifyType::invalid_ke_payload: return size == 2;               // §3.10.1
        case NotifyType::set_window_size: return size == 4;                  // §3.10.1
        case NotifyType::nat_detection_source_ip:                            // §2.23: SHA-1
        case NotifyType::nat_detection_destination_ip: return size == 20;
        case NotifyType::cookie: return size >= 1 && size <= 64;             // §2.6
        case NotifyType::signature_hash_algorithms: return size % 2 == 0;    // RFC 7427 §4
        default: return true;
    }
}

Result decode_notify(Reader r, bool critical) {
    if (!r.has(4)) return fail(r, DecodeRule::body_truncated, PayloadType::notify);
    Notify n;
    n.protocol = static_cast<ProtocolId>(r.u8());
    const std::uint8_t spi_size = r.u8();
    n.type = static_cast<NotifyType>(r.u16());
    if (!r.has(spi_size)) return fail(r, DecodeRule::body_truncated, PayloadType::notify);
    n.spi = r.bytes(spi_size);
    const std::size_t at = r.offset();
    n.data = r.rest();
    if (!notify_data_ok(n.type, n.data.size()))
        return unexpected(syntax_error(at, DecodeRule::notify_data_length, PayloadType::notify));
    return with_critical(std::move(n), critical);
}

Result decode_delete(Reader r, bool critical) {
    const auto err = [&](std::size_t at, DecodeRule rule) {
        return unexpected(syntax_error(at, rule, PayloadType::del));
    };
    const std::size_t start = r.offset();
    if (!r.has(4)) return err(start, DecodeRule::body_truncated);
    Delete d;
    d.protocol = static_cast<ProtocolId>(r.u8());
    const std::uint8_t spi_size = r.u8();
    const std::uint16_t count = r.u16();
    // §3.11: the IKE SA is named by the header (SPI size 0, no SPIs); AH and ESP by 4-byte SPIs.
    switch (d.protocol) {
        case ProtocolId::ike:
            if (spi_size != 0) return err(start + 1, DecodeRule::delete_spi_size);
            if (count != 0 || !r.empty()) return err(start + 2, DecodeRule::delete_spi_count);
            break;
        case ProtocolId::ah:
        case ProtocolId::esp:
            if (spi_size != 4) return err(start + 1, DecodeRule::delete_spi_size);
            if (r.remaining() != std::size_t{count} * 4)
                return err(start + 2, DecodeRule::delete_spi_count);
            while (!r.empty()) d.spis.push_back(r.u32());
            break;
        case ProtocolId::none:
        default: return err(start, DecodeRule::delete_protocol);
    }
    return with_critical(std::move(d), critical);
}

// RFC 7296 §3.15.1: the value sizes a configuration attribute may have (0 in requests).
bool cfg_length_ok(CfgAttributeType type, std::size_t size) {
    switch (type) {
        case CfgAttributeType::internal_ip4_address:
        case CfgAttributeType::internal_ip4_netmask:
        case CfgAttributeType::internal_ip4_dns:
        case CfgAttributeType::internal_ip4_nbns:
        case CfgAttributeType::internal_ip4_dhcp: return size == 0 || size == 4;
        case CfgAttributeType::internal_ip6_address:
        case CfgAttributeType::internal_ip6_subnet: return size == 0 || size == 17;
        case CfgAttributeType::internal_ip6_dns:
        case CfgAttributeType::internal_ip6_dhcp: return size == 0 || size == 16;
        case CfgAttributeType::internal_ip4_subnet: return size == 0 || size == 8;
        case CfgAttributeType::supported_attributes: return size % 2 == 0;
        case CfgAttributeType::application_version: return true;
    }
    return true;
}

Result decode_cp(Reader r, bool critical) {
    if (!r.has(4)) return fail(r, DecodeRule::body_truncated, PayloadType::cp);
    Configuration cp;
    cp.type = static_cast<CfgType>(r.u8());
    r.skip(3);
    while (!r.empty()) {
        const std::size_t at = r.offset();
        if (!r.has(4)) return fail(r, DecodeRule::cp_attribute_truncated, PayloadType::cp);
        CfgAttribute a;
        a.type = static_cast<CfgAttributeType>(r.u16() & 0x7fff);  // the R bit is ignored
        const std::uint16_t len = r.u16();
        if (!r.has(len))
            return unexpected(syntax_error(at + 2, DecodeRule::cp_attribute_truncated, PayloadType::cp));
        if (!cfg_length_ok(a.type, len))
            return unexpected(syntax_error(at + 2, DecodeRule::cp_attribute_length, PayloadType::cp));
        a.value = r.bytes(len);
        cp.attributes.push_back(std::move(a));
    }
    return with_critical(std::move(cp), critical);
}

// RFC 3748 §4: Code, Identifier, Length (the whole EAP message), and a Type for requests
// and responses.
Result decode_eap(Reader r, bool critical) {
    const std::size_t at = r.offset();
    const std::size_t size = r.remaining();
    if (size < 4) return unexpected(syntax_error(at, DecodeRule::eap_too_short, PayloadType::eap));
    const auto v = r.view(size);
    const std::uint8_t code = v[0];
    const std::size_t len = (std::size_t{v[2]} << 8) | v[3];
    if (len != size) return unexpected(syntax_error(at + 2, DecodeRule::eap_length, PayloadType::eap));
    if ((code == 1 || code == 2) && size < 5)
        return unexpected(syntax_error(at, DecodeRule::eap_too_short, PayloadType::eap));
    return Payload(Eap{Bytes(v.begin(), v.end()), critical});
}

Result decode_skf(const RawPayload& raw, Reader r) {
    const std::size_t at = r.offset();
    if (!r.has(4)) return fail(r, DecodeRule::body_truncated, PayloadType::skf);
    EncryptedFragment f;
    f.number = r.u16();
    f.total = r.u16();
    // RFC 7383 §2.5: numbers start at 1 and never exceed the total.
    if (f.number == 0 || f.total == 0 || f.number > f.total)
        return unexpected(syntax_error(at, DecodeRule::skf_fragment_number, PayloadType::skf));
    // Only the first fragment names the first inner payload.
    if (f.number > 1 && raw.next != PayloadType::none)
        return unexpected(syntax_error(raw.offset, DecodeRule::skf_next_payload, PayloadType::skf));
    f.first_inner = raw.next;
    f.body = r.rest();
    f.critical = raw.critical;
    return Payload(std::move(f));
}

}  // namespace

bool is_known(PayloadType type) {
    switch (type) {
        case PayloadType::sa:
        case PayloadType::ke:
        case PayloadType::id_i:
        case PayloadType::id_r:
        case PayloadType::cert:
        case PayloadType::certreq:
        case PayloadType::auth:
        case PayloadType::nonce:
        case PayloadType::notify:
        case PayloadType::del:
        case PayloadType::vendor_id:
        case PayloadType::ts_i:
        case PayloadType::ts_r:
        case PayloadType::sk:
        case PayloadType::cp:
        case PayloadType::eap:
        case PayloadType::skf: return true;
        case PayloadType::none:
        case PayloadType::gspm: return false;
    }
    return false;
}

Expected<Payload, DecodeError> decode_payload(const RawPayload& raw) {
    Reader r(raw.body, raw.offset + 4);
    const bool c = raw.critical;
    switch (raw.type) {
        case PayloadType::sa: {
            auto sa = decode_sa(r);
            if (!sa) return unexpected(sa.error());
            return with_critical(std::move(*sa), c);
        }
        case PayloadType::ke: return decode_ke(r, c);
        case PayloadType::id_i: return decode_id<IdInitiator>(r, c, raw.type);
        case PayloadType::id_r: return decode_id<IdResponder>(r, c, raw.type);
        case PayloadType::cert: return decode_cert(r, c);
        case PayloadType::certreq: return decode_certreq(r, c);
        case PayloadType::auth: return decode_auth(r, c);
        case PayloadType::nonce: return decode_nonce(r, c);
        case PayloadType::notify: return decode_notify(r, c);
        case PayloadType::del: return decode_delete(r, c);
        case PayloadType::vendor_id: return Payload(VendorId{r.rest(), c});
        case PayloadType::ts_i:
        case PayloadType::ts_r: {
            auto ts = decode_ts(r, raw.type);
            if (!ts) return unexpected(ts.error());
            if (raw.type == PayloadType::ts_i)
                return with_critical(TsInitiator{std::move(*ts)}, c);
            return with_critical(TsResponder{std::move(*ts)}, c);
        }
        case PayloadType::sk: return Payload(Encrypted{raw.next, r.rest(), c});
        case PayloadType::cp: return decode_cp(r, c);
        case PayloadType::eap: return decode_eap(r, c);
        case PayloadType::skf: return decode_skf(raw, r);
        case PayloadType::none:
        case PayloadType::gspm: break;
    }
    // §2.5: an unknown payload is skipped unless its critical bit says the sender needs it
    // understood.
    if (c) {
        return unexpected(DecodeError{raw.offset, DecodeRule::unsupported_critical_payload, raw.type,
                                      Reaction::notify, NotifyType::unsupported_critical_payload,
                                      static_cast<std::uint8_t>(raw.type)});
    }
    return Payload(UnknownPayload{raw.type, r.rest(), false});
}

namespace {

struct BodyEncoder {
    Writer& w;

    void operator()(const SecurityAssociation& p) { encode_sa(w, p); }
    void operator()(const KeyExchange& p) {
        w.u16(raw(p.group));
        w.u16(0);
        w.bytes(p.data);
    }
    void operator()(const Identification& p) {
        w.u8(raw(p.type));
        w.zeros(3);
        w.bytes(p.data);
    }
    void operator()(const Certificate& p) {
        w.u8(raw(p.encoding));
        w.bytes(p.data);
    }
    void operator()(const CertificateRequest& p) {
        w.u8(raw(p.encoding));
        for (const auto& h : p.authorities) w.bytes(h);
    }
    void operator()(const Authentication& p) {
        w.u8(raw(p.method));
        w.zeros(3);
        w.bytes(p.data);
    }
    void operator()(const NoncePayload& p) { w.bytes(p.nonce.bytes()); }
    void operator()(const Notify& p) {
        w.u8(raw(p.protocol));
        w.u8(static_cast<std::uint8_t>(p.spi.size()));
        w.u16(raw(p.type));
        w.bytes(p.spi);
        w.bytes(p.data);
    }
    void operator()(const Delete& p) {
        const bool ike = p.protocol == ProtocolId::ike;
        w.u8(raw(p.protocol));
        w.u8(ike ? 0 : 4);
        w.u16(ike ? 0 : static_cast<std::uint16_t>(p.spis.size()));
        if (!ike)
            for (const auto spi : p.spis) w.u32(spi);
    }
    void operator()(const VendorId& p) { w.bytes(p.id); }
    void operator()(const TrafficSelectors& p) { encode_ts(w, p); }
    void operator()(const Encrypted& p) { w.bytes(p.body); }
    void operator()(const Configuration& p) {
        w.u8(raw(p.type));
        w.zeros(3);
        for (const auto& a : p.attributes) {
            w.u16(static_cast<std::uint16_t>(raw(a.type) & 0x7fff));
            w.u16(static_cast<std::uint16_t>(a.value.size()));
            w.bytes(a.value);
        }
    }
    void operator()(const Eap& p) { w.bytes(p.message); }
    void operator()(const EncryptedFragment& p) {
        w.u16(p.number);
        w.u16(p.total);
        w.bytes(p.body);
    }
    void operator()(const UnknownPayload& p) { w.bytes(p.body); }
};

}  // namespace

void encode_body(Writer& w, const Payload& p) {
    std::visit(BodyEncoder{w}, p);
}

}  // namespace ike::wire::detail

namespace ike::wire {

std::optional<Nonce> Nonce::make(Bytes value) {
    if (value.size() < min_size || value.size() > max_size) return std::nullopt;
    return Nonce(std::move(value));
}

PayloadType payload_type(const Payload& p) {
    struct TypeOf {
        PayloadType operator()(const SecurityAssociation&) const { return PayloadType::sa; }
        PayloadType operator()(const KeyExchange&) const { return PayloadType::ke; }
        PayloadType operator()(const IdInitiator&) const { return PayloadType::id_i; }
        PayloadType operator()(const IdResponder&) const { return PayloadType::id_r; }
        PayloadType operator()(const Certificate&) const { return PayloadType::cert; }
        PayloadType operator()(const CertificateRequest&) const { return PayloadType::certreq; }
        PayloadType operator()(const Authentication&) const { return PayloadType::auth; }
        PayloadType operator()(const NoncePayload&) const { return PayloadType::nonce; }
        PayloadType operator()(const Notify&) const { return PayloadType::notify; }
        PayloadType operator()(const Delete&) const { return PayloadType::del; }
        PayloadType operator()(const VendorId&) const { return PayloadType::vendor_id; }
        PayloadType operator()(const TsInitiator&) const { return PayloadType::ts_i; }
        PayloadType operator()(const TsResponder&) const { return PayloadType::ts_r; }
        PayloadType operator()(const Encrypted&) const { return PayloadType::sk; }
        PayloadType operator()(const Configuration&) const { return PayloadType::cp; }
        PayloadType operator()(const Eap&) const { return PayloadType::eap; }
        PayloadType operator()(const EncryptedFragment&) const { return PayloadType::skf; }
        PayloadType operator()(const UnknownPayload& u) const { return u.type; }
    };
    return std::visit(TypeOf{}, p);
}

bool is_critical(const Payload& p) {
    return std::visit([](const auto& x) { return x.critical; }, p);
}

}  // namespace ike::wire
