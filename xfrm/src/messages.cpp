// The builders: typed request -> bytes of one netlink message (libmnl for the framing).
// Field by field they produce what iproute2's `ip xfrm` sends for the same request; the
// differences, and why, are listed in tests/xfrm/messages_test.cpp.
#include "xfrm/messages.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <string.h>  // explicit_bzero

#include <algorithm>
#include <cstring>

#include "convert.hpp"

namespace meshd::xfrm {

Message::Message(std::size_t capacity) : m_buf(std::max<std::size_t>(capacity, 64), 0) {
    mnl_nlmsg_put_header(m_buf.data());
}

Message& Message::operator=(Message&& other) noexcept {
    if (this != &other) {
        wipe();
        m_buf = std::move(other.m_buf);
    }
    return *this;
}

Message::~Message() { wipe(); }

void Message::wipe() {
    if (!m_buf.empty()) {
        explicit_bzero(m_buf.data(), m_buf.size());
    }
}

std::span<const std::uint8_t> Message::bytes() const {
    const auto* nlh = static_cast<const nlmsghdr*>(static_cast<const void*>(m_buf.data()));
    return {m_buf.data(), nlh->nlmsg_len};
}

static const nlmsghdr* header_of(const std::vector<std::uint8_t>& buf) {
    return static_cast<const nlmsghdr*>(static_cast<const void*>(buf.data()));
}

std::uint16_t Message::type() const { return header_of(m_buf)->nlmsg_type; }
std::uint16_t Message::flags() const { return header_of(m_buf)->nlmsg_flags; }
std::uint32_t Message::seq() const { return header_of(m_buf)->nlmsg_seq; }
bool Message::is_dump() const { return (flags() & NLM_F_DUMP) == NLM_F_DUMP; }

void Message::set_seq(std::uint32_t seq) {
    static_cast<nlmsghdr*>(static_cast<void*>(m_buf.data()))->nlmsg_seq = seq;
}

namespace {

using detail::to_kernel;
using detail::zeroed;

// Every request asks for an ACK (even get and allocspi, whose reply is an object): one rule
// ends every non-dump receive loop, and a missing ACK cannot hang it.
constexpr std::uint16_t request_flags = NLM_F_REQUEST | NLM_F_ACK;

nlmsghdr* start(Message& m, std::uint16_t type, std::uint16_t flags) {
    auto* nlh = static_cast<nlmsghdr*>(m.raw());
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = flags;
    return nlh;
}

template <typename T>
void put_fixed(nlmsghdr* nlh, const T& value) {
    void* p = mnl_nlmsg_put_extra_header(nlh, sizeof value);
    std::memcpy(p, &value, sizeof value);
}

template <typename T>
void put_attr(nlmsghdr* nlh, std::uint16_t type, const T& value) {
    mnl_attr_put(nlh, type, sizeof value, &value);
}

// An algorithm attribute: a fixed xfrm_algo* header followed by the key, written in place so
// the key exists only in the message buffer (which is wiped).
template <typename Header>
void put_algorithm(nlmsghdr* nlh, std::uint16_t type, Header header,
                   std::span<const std::uint8_t> key) {
    auto* attr = static_cast<nlattr*>(mnl_nlmsg_get_payload_tail(nlh));
    const std::size_t len = MNL_ATTR_HDRLEN + sizeof header + key.size();
    attr->nla_type = type;
    attr->nla_len = static_cast<std::uint16_t>(len);
    auto* body = static_cast<std::uint8_t*>(mnl_attr_get_payload(attr));
    std::memcpy(body, &header, sizeof header);
    if (!key.empty()) {
        std::memcpy(body + sizeof header, key.data(), key.size());
    }
    std::memset(body + sizeof header + key.size(), 0, MNL_ALIGN(len) - len);
    nlh->nlmsg_len += MNL_ALIGN(len);
}

template <typename Header>
Header algorithm_header(const std::string& name, std::size_t key_bytes) {
    auto h = zeroed<Header>();
    std::strncpy(h.alg_name, name.c_str(), sizeof h.alg_name - 1);
    h.alg_key_len = static_cast<unsigned>(key_bytes * 8);
    return h;
}

void put_transform(nlmsghdr* nlh, const Transform& transform) {
    if (const auto* aead = std::get_if<Aead>(&transform)) {
        auto h = algorithm_header<xfrm_algo_aead>(aead->name, aead->key.size());
        h.alg_icv_len = aead->icv_bits;
        put_algorithm(nlh, XFRMA_ALG_AEAD, h, aead->key.bytes());
        return;
    }
    const auto& ca = std::get<CryptAuth>(transform);
    put_algorithm(nlh, XFRMA_ALG_CRYPT, algorithm_header<xfrm_algo>(ca.crypt_name, ca.crypt_key.size()),
                  ca.crypt_key.bytes());
    auto h = algorithm_header<xfrm_algo_auth>(ca.auth_name, ca.auth_key.size());
    h.alg_trunc_len = ca.trunc_bits;
    put_algorithm(nlh, XFRMA_ALG_AUTH_TRUNC, h, ca.auth_key.bytes());
}

std::size_t key_bytes(const Transform& transform) {
    if (const auto* aead = std::get_if<Aead>(&transform)) {
        return aead->key.size();
    }
    const auto& ca = std::get<CryptAuth>(transform);
    return ca.crypt_key.size() + ca.auth_key.size();
}

Message build_sa(const Sa& sa, std::uint16_t type) {
    Message m(1024 + key_bytes(sa.transform));
    nlmsghdr* nlh = start(m, type, request_flags);
    put_fixed(nlh, detail::to_kernel_info(sa));
    put_transform(nlh, sa.transform);
    if (sa.encap) {
        auto e = zeroed<xfrm_encap_tmpl>();
        e.encap_type = 2;  // UDP_ENCAP_ESPINUDP (RFC 3948)
        e.encap_sport = htons(sa.encap->sport);
        e.encap_dport = htons(sa.encap->dport);
        e.encap_oa = to_kernel(sa.encap->original);
        put_attr(nlh, XFRMA_ENCAP, e);
    }
    if (sa.replay.esn) {
        // Without the bitmap: the kernel accepts the bare struct and sizes the bitmap itself
        // from bmp_len (iproute2 sends the same).
        auto r = zeroed<xfrm_replay_state_esn>();
        r.replay_window = sa.replay.window;
        r.bmp_len = (sa.replay.window + 31) / 32;
        put_attr(nlh, XFRMA_REPLAY_ESN_VAL, r);
    }
    if (sa.mark) {
        put_attr(nlh, XFRMA_MARK, to_kernel(*sa.mark));
    }
    if (sa.extra_flags != 0) {
        mnl_attr_put_u32(nlh, XFRMA_SA_EXTRA_FLAGS, sa.extra_flags);
    }
    return m;
}

Message build_sa_id(const SaId& id, std::uint16_t type) {
    Message m;
    nlmsghdr* nlh = start(m, type, request_flags);
    auto k = zeroed<xfrm_usersa_id>();
    k.daddr = to_kernel(id.dst);
    k.spi = htonl(id.spi);
    k.family = static_cast<std::uint16_t>(id.dst.family);
    k.proto = id.proto;
    put_fixed(nlh, k);
    if (id.src) {
        put_attr(nlh, XFRMA_SRCADDR, to_kernel(*id.src));
    }
    if (id.mark) {
        put_attr(nlh, XFRMA_MARK, to_kernel(*id.mark));
    }
    return m;
}

Message build_policy(const Policy& p, std::uint16_t type) {
    Message m(1024 + p.templates.size() * sizeof(xfrm_user_tmpl));
    nlmsghdr* nlh = start(m, type, request_flags);
    const auto info = detail::to_kernel_info(p);
    put_fixed(nlh, info);
    if (!p.templates.empty()) {
        // All templates travel in one XFRMA_TMPL attribute, as an array.
        std::vector<xfrm_user_tmpl> tmpls;
        for (const auto& t : p.templates) {
            tmpls.push_back(to_kernel(t, static_cast<Family>(info.sel.family)));
        }
        mnl_attr_put(nlh, XFRMA_TMPL, tmpls.size() * sizeof(xfrm_user_tmpl), tmpls.data());
    }
    if (p.mark) {
        put_attr(nlh, XFRMA_MARK, to_kernel(*p.mark));
    }
    return m;
}

Message build_policy_id(const PolicyId& id, std::uint16_t type) {
    Message m;
    nlmsghdr* nlh = start(m, type, request_flags);
    auto k = zeroed<xfrm_userpolicy_id>();
    k.sel = to_kernel(id.selector);
    k.index = id.index;
    k.dir = static_cast<std::uint8_t>(id.dir);
    put_fixed(nlh, k);
    if (id.mark) {
        put_attr(nlh, XFRMA_MARK, to_kernel(*id.mark));
    }
    return m;
}

Message build_dump(std::uint16_t type) {
    Message m;
    start(m, type, NLM_F_REQUEST | NLM_F_DUMP);
    return m;
}

}  // namespace

Message build_sa_add(const Sa& sa) { return build_sa(sa, XFRM_MSG_NEWSA); }
Message build_sa_update(const Sa& sa) { return build_sa(sa, XFRM_MSG_UPDSA); }
Message build_sa_delete(const SaId& id) { return build_sa_id(id, XFRM_MSG_DELSA); }
Message build_sa_get(const SaId& id) { return build_sa_id(id, XFRM_MSG_GETSA); }
Message build_sa_dump() { return build_dump(XFRM_MSG_GETSA); }
Message build_policy_add(const Policy& p) { return build_policy(p, XFRM_MSG_NEWPOLICY); }
Message build_policy_update(const Policy& p) { return build_policy(p, XFRM_MSG_UPDPOLICY); }
Message build_policy_delete(const PolicyId& id) { return build_policy_id(id, XFRM_MSG_DELPOLICY); }
Message build_policy_get(const PolicyId& id) { return build_policy_id(id, XFRM_MSG_GETPOLICY); }
Message build_policy_dump() { return build_dump(XFRM_MSG_GETPOLICY); }

Message build_alloc_spi(const SpiRequest& r) {
    Message m;
    nlmsghdr* nlh = start(m, XFRM_MSG_ALLOCSPI, request_flags);
    auto k = zeroed<xfrm_userspi_info>();
    k.info.id.daddr = to_kernel(r.dst);
    k.info.id.proto = r.proto;
    k.info.saddr = to_kernel(r.src);
    k.info.family = static_cast<std::uint16_t>(r.dst.family);
    k.info.mode = static_cast<std::uint8_t>(r.mode);
    k.info.reqid = r.reqid;
    k.info.seq = r.seq;
    k.min = r.min;
    k.max = r.max;
    put_fixed(nlh, k);
    if (r.mark) {
        put_attr(nlh, XFRMA_MARK, to_kernel(*r.mark));
    }
    return m;
}

}  // namespace meshd::xfrm
