// A deterministic generator of valid IKEv2 messages for the round-trip property tests:
// every payload kind with random (seeded) contents that respect the RFC 7296 rules.
#pragma once

#include <cstdint>
#include <random>

#include "wire/message.hpp"

namespace ike::wire::test {

class Generator {
public:
    explicit Generator(std::uint32_t seed) : m_rng(seed) {}

    std::uint32_t next(std::uint32_t bound) { return static_cast<std::uint32_t>(m_rng() % bound); }
    bool coin() { return next(2) == 1; }
    std::uint8_t u8() { return static_cast<std::uint8_t>(next(256)); }
    std::uint16_t u16() { return static_cast<std::uint16_t>(next(65536)); }

    Bytes bytes(std::size_t min, std::size_t max) {
        Bytes b(min + next(static_cast<std::uint32_t>(max - min + 1)));
        for (auto& x : b) x = u8();
        return b;
    }

    Header header() {
        Header h;
        h.spi_i = (std::uint64_t{m_rng()} << 32 | m_rng()) | 1;
        h.spi_r = coin() ? 0 : (std::uint64_t{m_rng()} << 32 | m_rng());
        h.minor_version = static_cast<std::uint8_t>(next(16));
        h.exchange = static_cast<ExchangeType>(34 + next(4));
        h.initiator = coin();
        h.version = coin();
        h.response = coin();
        h.message_id = m_rng();
        return h;
    }

    Attribute attribute() {
        if (coin()) return {AttributeType::key_length, std::uint16_t{static_cast<std::uint16_t>(128 + 64 * next(3))}};
        return {static_cast<AttributeType>(next(0x7fff) == 14 ? 15 : next(0x7fff)), bytes(0, 6)};
    }

    Transform transform() {
        Transform t{static_cast<TransformType>(1 + next(6)), u16(), {}};
        for (auto n = next(3); n > 0; --n) {
            auto a = attribute();
            if (a.type == AttributeType::key_length && !std::holds_alternative<std::uint16_t>(a.value))
                continue;
            t.attributes.push_back(a);
        }
        return t;
    }

    SecurityAssociation sa() {
        SecurityAssociation sa;
        const std::uint8_t first = static_cast<std::uint8_t>(1 + next(3));
        for (std::uint32_t i = 0, n = 1 + next(3); i < n; ++i) {
            Proposal p;
            p.number = static_cast<std::uint8_t>(first + i);
            const auto proto = next(4);
            p.protocol = proto == 0 ? ProtocolId::ike : proto == 1 ? ProtocolId::esp
                         : proto == 2 ? ProtocolId::ah : static_cast<ProtocolId>(4 + next(10));
            p.spi = p.protocol == ProtocolId::ike ? bytes(0, 0)
                    : p.protocol == ProtocolId::ike || proto < 3 ? bytes(4, 4) : bytes(0, 9);
            if (p.protocol == ProtocolId::ike && coin()) p.spi = bytes(8, 8);
            for (auto t = next(6); t > 0; --t) p.transforms.push_back(transform());
            sa.proposals.push_back(std::move(p));
        }
        return sa;
    }

    TrafficSelector selector() {
        const bool v6 = coin();
        const std::size_t n = v6 ? 16 : 4;
        return {v6 ? TsType::ipv6_addr_range : TsType::ipv4_addr_range, u8(), u16(), u16(), bytes(n, n),
                bytes(n, n)};
    }

    template <typename T>
    T traffic_selectors() {
        T ts;
        for (auto n = 1 + next(4); n > 0; --n) ts.selectors.push_back(selector());
        return ts;
    }

    // One payload that may appear outside SK (anything but SK/SKF).
    Payload plain_payload() {
        Payload p = plain_payload_body();
        std::visit([&](auto& x) { x.critical = coin() && next(4) == 0; }, p);
        if (auto* u = std::get_if<UnknownPayload>(&p)) u->critical = false;
        return p;
    }

    Payload encrypted_payload() {
        if (coin()) return Encrypted{inner_type(), bytes(0, 64), next(8) == 0};
        const auto total = static_cast<std::uint16_t>(1 + next(5));
        const auto number = static_cast<std::uint16_t>(1 + next(total));
        return EncryptedFragment{number, total, number == 1 ? inner_type() : PayloadType::none,
                                 bytes(0, 64), next(8) == 0};
    }

    std::vector<Payload> chain(std::size_t max) {
        std::vector<Payload> out;
        for (auto n = next(static_cast<std::uint32_t>(max + 1)); n > 0; --n) out.push_back(plain_payload());
        return out;
    }

    Message message() {
        Message m{header(), chain(8)};
        if (next(3) == 0) m.payloads.push_back(encrypted_payload());
        return m;
    }

private:
    // Data of a size that RFC 7296 allows for the type.
    Bytes notify_data(NotifyType t) {
        switch (t) {
            case NotifyType::set_window_size: return bytes(4, 4);
            case NotifyType::nat_detection_source_ip:
            case NotifyType::nat_detection_destination_ip: return bytes(20, 20);
            case NotifyType::cookie: return bytes(1, 64);
            case NotifyType::signature_hash_algorithms: {
                const std::size_t n = 2 * next(5);
                return bytes(n, n);
            }
            default: return bytes(0, 24);
        }
    }

    PayloadType inner_type() {
        static constexpr PayloadType types[] = {PayloadType::none, PayloadType::id_i, PayloadType::notify,
                                                PayloadType::del, PayloadType::sa};
        return types[next(5)];
    }

    Payload plain_payload_body() {
        switch (next(18)) {
            case 0: return sa();
            case 1: return KeyExchange{static_cast<KeGroup>(u16()), bytes(0, 64), false};
            case 2: return IdInitiator{{static_cast<IdType>(2 + next(2)), bytes(0, 20), false}};
            case 3: return IdResponder{{IdType::ipv4_addr, bytes(4, 4), false}};
            case 4: return IdResponder{{IdType::ipv6_addr, bytes(16, 16), false}};
            case 5: return Certificate{static_cast<CertEncoding>(u8()), bytes(0, 40), false};
            case 6: {
                CertificateRequest c{static_cast<CertEncoding>(u8()), {}, false};
                for (auto n = next(3); n > 0; --n) {
                    Sha1Hash h{};
                    for (auto& x : h) x = u8();
                    c.authorities.push_back(h);
                }
                return c;
            }
            case 7: return Authentication{static_cast<AuthMethod>(u8()), bytes(0, 40), false};
            case 8: return NoncePayload{*Nonce::make(bytes(16, 256)), false};
            case 9: {
                const auto t = static_cast<NotifyType>(coin() ? 16384 + next(60) : 100 + next(1000));
                return Notify{static_cast<ProtocolId>(next(4)), bytes(0, 8), t, notify_data(t), false};
            }
            case 10: {
                Delete d{static_cast<ProtocolId>(1 + next(3)), {}, false};
                if (d.protocol != ProtocolId::ike)
                    for (auto n = next(4); n > 0; --n) d.spis.push_back(static_cast<std::uint32_t>(m_rng()));
                return d;
            }
            case 11: return VendorId{bytes(0, 20), false};
            case 12: return traffic_selectors<TsInitiator>();
            case 13: return traffic_selectors<TsResponder>();
            case 14: {
                Configuration cp{static_cast<CfgType>(1 + next(4)), {}, false};
                for (auto n = next(4); n > 0; --n) {
                    if (coin()) cp.attributes.push_back({CfgAttributeType::internal_ip4_address, bytes(4, 4)});
                    else cp.attributes.push_back({CfgAttributeType::application_version, bytes(0, 10)});
                }
                return cp;
            }
            case 15: {
                Bytes eap = bytes(5, 30);
                eap[0] = static_cast<std::uint8_t>(1 + next(4));
                eap[2] = 0;
                eap[3] = static_cast<std::uint8_t>(eap.size());
                return Eap{eap, false};
            }
            case 16: return UnknownPayload{static_cast<PayloadType>(next(2) ? 49 : 60 + next(100)), bytes(0, 30), false};
            default: return VendorId{bytes(1, 4), false};
        }
    }

    std::mt19937 m_rng;
};

}  // namespace ike::wire::test
