// Conversions between libike's values and xfrm/'s (see convert.hpp).
#include "convert.hpp"

#include <algorithm>

namespace meshd {
namespace {

__extension__ typedef unsigned __int128 U128;

U128 value_of(const ike::IpAddress& a) {
    U128 v = 0;
    for (const auto b : a.octets()) v = v << 8 | b;
    return v;
}

ike::IpAddress address_of(U128 v, ike::IpAddress::Family family) {
    ike::IpAddress a;
    a.family = family;
    const std::size_t n = family == ike::IpAddress::Family::v4 ? 4 : 16;
    for (std::size_t i = n; i-- > 0;) {
        a.bytes[i] = static_cast<std::uint8_t>(v & 0xff);
        v >>= 8;
    }
    return a;
}

}  // namespace

xfrm::Address to_xfrm(const ike::IpAddress& a) {
    xfrm::Address x;
    x.family = a.family == ike::IpAddress::Family::v4 ? xfrm::Family::ipv4 : xfrm::Family::ipv6;
    x.bytes = a.bytes;
    return x;
}

ike::IpAddress to_ike(const xfrm::Address& a) {
    ike::IpAddress x;
    x.family = a.family == xfrm::Family::ipv6 ? ike::IpAddress::Family::v6 : ike::IpAddress::Family::v4;
    x.bytes = a.bytes;
    return x;
}

std::vector<Prefix> range_to_prefixes(const ike::IpAddress& start, const ike::IpAddress& end) {
    std::vector<Prefix> out;
    if (start.family != end.family) return out;
    const unsigned bits = start.family == ike::IpAddress::Family::v4 ? 32 : 128;
    U128 cur = value_of(start);
    const U128 last = value_of(end);
    while (cur <= last) {
        // The largest block aligned at `cur` that does not pass `last`.
        unsigned size = 0;  // log2 of the block
        while (size < bits) {
            const U128 block = U128{1} << (size + 1);
            if ((cur & (block - 1)) != 0 || cur + (block - 1) > last) break;
            ++size;
        }
        out.push_back({to_xfrm(address_of(cur, start.family)), static_cast<std::uint8_t>(bits - size)});
        if (size == bits) break;
        const U128 next = cur + (U128{1} << size);
        if (next == 0 || (bits == 32 && next > 0xffffffffu)) break;
        cur = next;
    }
    return out;
}

std::string subnet_text(const ike::TrafficSelector& ts) {
    const auto p = range_to_prefixes(ts.start, ts.end);
    if (p.size() != 1) return ts.to_string();
    return to_ike(p.front().address).to_string() + "/" + std::to_string(p.front().length);
}

ike::TrafficSelector prefix_to_ts(const xfrm::Address& address, std::uint8_t length) {
    return ike::TrafficSelector::subnet(to_ike(address), length);
}

std::vector<xfrm::Selector> selectors(const ike::TrafficSelectors& local, const ike::TrafficSelectors& remote) {
    std::vector<xfrm::Selector> out;
    for (const auto& l : local)
        for (const auto& r : remote) {
            if (l.start.family != r.start.family) continue;
            const std::uint8_t proto = l.ip_protocol == r.ip_protocol ? l.ip_protocol : std::max(l.ip_protocol, r.ip_protocol);
            for (const auto& lp : range_to_prefixes(l.start, l.end))
                for (const auto& rp : range_to_prefixes(r.start, r.end)) {
                    auto s = xfrm::Selector::between(lp.address, lp.length, rp.address, rp.length);
                    s.proto = proto;
                    if (l.start_port == l.end_port) {
                        s.sport = l.start_port;
                        s.sport_mask = 0xffff;
                    }
                    if (r.start_port == r.end_port) {
                        s.dport = r.start_port;
                        s.dport_mask = 0xffff;
                    }
                    out.push_back(s);
                }
        }
    return out;
}

xfrm::Selector reversed(const xfrm::Selector& s) {
    auto r = s;
    std::swap(r.src, r.dst);
    std::swap(r.src_prefix, r.dst_prefix);
    std::swap(r.sport, r.dport);
    std::swap(r.sport_mask, r.dport_mask);
    return r;
}

xfrm::Transform to_transform(const ike::crypto::EspKeys& keys) {
    if (keys.aead)
        return xfrm::Aead{std::string(keys.encr_alg), xfrm::Secret(keys.encr_key.bytes()),
                          static_cast<std::uint32_t>(keys.icv_bits)};
    return xfrm::CryptAuth{std::string(keys.encr_alg), xfrm::Secret(keys.encr_key.bytes()),
                           std::string(keys.integ_alg), xfrm::Secret(keys.integ_key.bytes()),
                           static_cast<std::uint32_t>(keys.integ_trunc_bits)};
}

std::string esp_name(const ike::crypto::EspSuite& suite) {
    using ike::crypto::EncrId;
    using ike::crypto::IntegId;
    std::string s;
    switch (suite.encr) {
        case EncrId::AesGcm16: s = "AES-GCM-" + std::to_string(suite.key_bits); break;
        case EncrId::ChaCha20Poly1305: s = "ChaCha20-Poly1305"; break;
        case EncrId::AesCbc: s = "AES-CBC-" + std::to_string(suite.key_bits); break;
    }
    switch (suite.integ) {
        case IntegId::None: break;
        case IntegId::HmacSha2_256_128: s += "/HMAC-SHA2-256-128"; break;
        case IntegId::HmacSha2_384_192: s += "/HMAC-SHA2-384-192"; break;
        case IntegId::HmacSha2_512_256: s += "/HMAC-SHA2-512-256"; break;
    }
    return s;
}

std::string policy_key(const xfrm::Selector& s, xfrm::Direction dir) {
    return to_ike(s.src).to_string() + "/" + std::to_string(s.src_prefix) + ">" + to_ike(s.dst).to_string() + "/" +
           std::to_string(s.dst_prefix) + " p" + std::to_string(s.proto) + " " + std::to_string(s.sport) + ":" +
           std::to_string(s.sport_mask) + ">" + std::to_string(s.dport) + ":" + std::to_string(s.dport_mask) + " d" +
           std::to_string(static_cast<int>(dir));
}

}  // namespace meshd
