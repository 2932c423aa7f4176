// Typed values <-> <linux/xfrm.h> structs. Byte order conversions live here and nowhere else.
#include "convert.hpp"

#include <arpa/inet.h>

namespace meshd::xfrm::detail {

xfrm_address_t to_kernel(const Address& a) {
    auto k = zeroed<xfrm_address_t>();
    std::memcpy(&k, a.bytes.data(), a.family == Family::ipv4 ? 4 : 16);
    return k;
}

Address from_kernel(const xfrm_address_t& a, std::uint16_t family) {
    Address out;
    if (family == AF_INET) {
        out.family = Family::ipv4;
        std::memcpy(out.bytes.data(), &a, 4);
    } else if (family == AF_INET6) {
        out.family = Family::ipv6;
        std::memcpy(out.bytes.data(), &a, 16);
    }
    return out;
}

xfrm_selector to_kernel(const Selector& s) {
    auto k = zeroed<xfrm_selector>();
    k.family = static_cast<std::uint16_t>(s.src.family != Family::unspec ? s.src.family
                                                                          : s.dst.family);
    k.saddr = to_kernel(s.src);
    k.daddr = to_kernel(s.dst);
    k.prefixlen_s = s.src_prefix;
    k.prefixlen_d = s.dst_prefix;
    k.proto = s.proto;
    k.sport = htons(s.sport);
    k.sport_mask = htons(s.sport_mask);
    k.dport = htons(s.dport);
    k.dport_mask = htons(s.dport_mask);
    k.ifindex = s.ifindex;
    k.user = s.user;
    return k;
}

Selector from_kernel(const xfrm_selector& k) {
    Selector s;
    s.src = from_kernel(k.saddr, k.family);
    s.dst = from_kernel(k.daddr, k.family);
    s.src_prefix = k.prefixlen_s;
    s.dst_prefix = k.prefixlen_d;
    s.proto = k.proto;
    s.sport = ntohs(k.sport);
    s.sport_mask = ntohs(k.sport_mask);
    s.dport = ntohs(k.dport);
    s.dport_mask = ntohs(k.dport_mask);
    s.ifindex = k.ifindex;
    s.user = k.user;
    return s;
}

xfrm_lifetime_cfg to_kernel(const Lifetime& l) {
    auto k = zeroed<xfrm_lifetime_cfg>();
    k.soft_byte_limit = l.soft_bytes;
    k.hard_byte_limit = l.hard_bytes;
    k.soft_packet_limit = l.soft_packets;
    k.hard_packet_limit = l.hard_packets;
    k.soft_add_expires_seconds = l.soft_add_seconds;
    k.hard_add_expires_seconds = l.hard_add_seconds;
    k.soft_use_expires_seconds = l.soft_use_seconds;
    k.hard_use_expires_seconds = l.hard_use_seconds;
    return k;
}

Lifetime from_kernel(const xfrm_lifetime_cfg& k) {
    return Lifetime{k.soft_byte_limit,          k.hard_byte_limit,
                    k.soft_packet_limit,        k.hard_packet_limit,
                    k.soft_add_expires_seconds, k.hard_add_expires_seconds,
                    k.soft_use_expires_seconds, k.hard_use_expires_seconds};
}

Counters from_kernel(const xfrm_lifetime_cur& c) {
    return Counters{c.bytes, c.packets, c.add_time, c.use_time};
}

xfrm_mark to_kernel(const Mark& m) {
    auto k = zeroed<xfrm_mark>();
    k.v = m.value;
    k.m = m.mask;
    return k;
}

xfrm_user_tmpl to_kernel(const Template& t, Family fallback) {
    auto k = zeroed<xfrm_user_tmpl>();
    Family family = t.family;
    if (family == Family::unspec) {
        family = t.dst.family != Family::unspec ? t.dst.family : fallback;
    }
    k.id.daddr = to_kernel(t.dst);
    k.id.spi = htonl(t.spi);
    k.id.proto = t.proto;
    k.family = static_cast<std::uint16_t>(family);
    k.saddr = to_kernel(t.src);
    k.reqid = t.reqid;
    k.mode = static_cast<std::uint8_t>(t.mode);
    k.optional = t.level == Level::use ? 1 : 0;
    // Any algorithm: the SA, negotiated by IKE, decides (as iproute2 and strongSwan do).
    k.aalgos = ~0u;
    k.ealgos = ~0u;
    k.calgos = ~0u;
    return k;
}

Template from_kernel(const xfrm_user_tmpl& k) {
    Template t;
    t.family = k.family == AF_INET    ? Family::ipv4
               : k.family == AF_INET6 ? Family::ipv6
                                      : Family::unspec;
    t.dst = from_kernel(k.id.daddr, k.family);
    t.src = from_kernel(k.saddr, k.family);
    t.spi = ntohl(k.id.spi);
    t.proto = k.id.proto;
    t.mode = k.mode == 1 ? Mode::tunnel : Mode::transport;
    t.reqid = k.reqid;
    t.level = k.optional ? Level::use : Level::required;
    return t;
}

xfrm_usersa_info to_kernel_info(const Sa& sa) {
    auto k = zeroed<xfrm_usersa_info>();
    k.sel = to_kernel(sa.selector);
    k.id.daddr = to_kernel(sa.dst);
    k.id.spi = htonl(sa.spi);
    k.id.proto = sa.proto;
    k.saddr = to_kernel(sa.src);
    k.lft = to_kernel(sa.lifetime);
    k.reqid = sa.reqid;
    k.family = static_cast<std::uint16_t>(sa.dst.family);
    k.mode = static_cast<std::uint8_t>(sa.mode);
    k.flags = sa.flags;
    if (sa.replay.esn) {
        // With ESN the window lives in XFRMA_REPLAY_ESN_VAL; the byte-sized field stays 0.
        k.flags |= XFRM_STATE_ESN;
    } else {
        k.replay_window = static_cast<std::uint8_t>(sa.replay.window > 255 ? 255 : sa.replay.window);
    }
    return k;
}

void from_kernel_info(const xfrm_usersa_info& k, SaInfo& out) {
    Sa& sa = out.sa;
    sa.selector = from_kernel(k.sel);
    sa.dst = from_kernel(k.id.daddr, k.family);
    sa.src = from_kernel(k.saddr, k.family);
    sa.spi = ntohl(k.id.spi);
    sa.proto = k.id.proto;
    sa.lifetime = from_kernel(k.lft);
    sa.reqid = k.reqid;
    sa.mode = k.mode == 1 ? Mode::tunnel : Mode::transport;
    sa.flags = static_cast<std::uint8_t>(k.flags & ~XFRM_STATE_ESN);
    sa.replay = Replay{(k.flags & XFRM_STATE_ESN) != 0, k.replay_window};
    out.counters = from_kernel(k.curlft);
    out.seq = k.seq;
    out.replay_drops = k.stats.replay;
    out.integrity_failures = k.stats.integrity_failed;
}

xfrm_userpolicy_info to_kernel_info(const Policy& p) {
    auto k = zeroed<xfrm_userpolicy_info>();
    k.sel = to_kernel(p.selector);
    k.lft = to_kernel(p.lifetime);
    k.priority = p.priority;
    k.index = p.index;
    k.dir = static_cast<std::uint8_t>(p.dir);
    k.action = static_cast<std::uint8_t>(p.action);
    k.flags = p.flags;
    return k;
}

void from_kernel_info(const xfrm_userpolicy_info& k, PolicyInfo& out) {
    Policy& p = out.policy;
    p.selector = from_kernel(k.sel);
    p.lifetime = from_kernel(k.lft);
    p.priority = k.priority;
    p.index = k.index;
    p.dir = static_cast<Direction>(k.dir & XFRM_POLICY_MASK);
    p.action = k.action == XFRM_POLICY_BLOCK ? Action::block : Action::allow;
    p.flags = k.flags;
    out.counters = from_kernel(k.curlft);
}

}  // namespace meshd::xfrm::detail
