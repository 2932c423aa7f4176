// The kernel-reply parser: a length pass over netlink headers and attributes, then a meaning
// pass that copies the kernel structs out (memcpy, never a cast onto the buffer).
#include "xfrm/parse.hpp"

#include <arpa/inet.h>
#include <linux/netlink.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>

#include "convert.hpp"

namespace meshd::xfrm {

namespace {

constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

meshd::Unexpected<ParseError> fail(std::string what) { return meshd::unexpected(ParseError{std::move(what)}); }

// Copies a kernel struct from the front of `bytes`; empty if too short.
template <typename T>
std::optional<T> read(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < sizeof(T)) {
        return std::nullopt;
    }
    T value;
    std::memcpy(&value, bytes.data(), sizeof(T));
    return value;
}

// The attributes after a fixed header, indexed by type (the last of a repeated type wins).
using Attributes = std::array<std::optional<std::span<const std::uint8_t>>, XFRMA_MAX + 1>;

Parsed<Attributes> split_attributes(std::span<const std::uint8_t> bytes) {
    Attributes attrs;
    while (bytes.size() >= sizeof(nlattr)) {
        std::uint16_t len = 0;
        std::uint16_t type = 0;
        std::memcpy(&len, bytes.data(), 2);
        std::memcpy(&type, bytes.data() + 2, 2);
        if (len < sizeof(nlattr) || len > bytes.size()) {
            return fail("attribute length " + std::to_string(len) + " out of bounds");
        }
        type &= NLA_TYPE_MASK;
        if (type <= XFRMA_MAX) {
            attrs[type] = bytes.subspan(sizeof(nlattr), len - sizeof(nlattr));
        }
        bytes = bytes.subspan(std::min<std::size_t>(align4(len), bytes.size()));
    }
    return attrs;
}

// An xfrm_algo / xfrm_algo_auth / xfrm_algo_aead attribute: a 64-byte name, the key length in
// bits, for the last two a second length (truncation / ICV bits), then the key. Read field by
// field: the kernel structs end in flexible arrays.
struct Algorithm {
    std::string name;
    std::uint32_t second_len = 0;
    Secret key;
};

std::optional<Algorithm> read_algorithm(std::span<const std::uint8_t> bytes, bool has_second_len) {
    constexpr std::size_t name_len = 64;
    const std::size_t header = name_len + (has_second_len ? 8 : 4);
    if (bytes.size() < header) {
        return std::nullopt;
    }
    Algorithm alg;
    const auto* name = bytes.data();
    alg.name.assign(name, std::find(name, name + name_len, std::uint8_t{0}));
    std::uint32_t key_bits = 0;
    std::memcpy(&key_bits, bytes.data() + name_len, 4);
    if (has_second_len) {
        std::memcpy(&alg.second_len, bytes.data() + name_len + 4, 4);
    }
    const std::size_t key_bytes = (std::size_t{key_bits} + 7) / 8;
    if (bytes.size() - header < key_bytes) {
        return std::nullopt;
    }
    alg.key = Secret(bytes.subspan(header, key_bytes));
    return alg;
}

std::optional<Mark> read_mark(const Attributes& attrs) {
    if (!attrs[XFRMA_MARK]) {
        return std::nullopt;
    }
    auto m = read<xfrm_mark>(*attrs[XFRMA_MARK]);
    if (!m) {
        return std::nullopt;
    }
    return Mark{m->v, m->m};
}

Parsed<Transform> read_transform(const Attributes& attrs) {
    if (attrs[XFRMA_ALG_AEAD]) {
        auto alg = read_algorithm(*attrs[XFRMA_ALG_AEAD], true);
        if (!alg) {
            return fail("truncated XFRMA_ALG_AEAD");
        }
        return Transform{Aead{std::move(alg->name), std::move(alg->key), alg->second_len}};
    }
    CryptAuth ca;
    if (attrs[XFRMA_ALG_CRYPT]) {
        auto alg = read_algorithm(*attrs[XFRMA_ALG_CRYPT], false);
        if (!alg) {
            return fail("truncated XFRMA_ALG_CRYPT");
        }
        ca.crypt_name = std::move(alg->name);
        ca.crypt_key = std::move(alg->key);
    }
    if (attrs[XFRMA_ALG_AUTH_TRUNC]) {
        auto alg = read_algorithm(*attrs[XFRMA_ALG_AUTH_TRUNC], true);
        if (!alg) {
            return fail("truncated XFRMA_ALG_AUTH_TRUNC");
        }
        ca.auth_name = std::move(alg->name);
        ca.auth_key = std::move(alg->key);
        ca.trunc_bits = alg->second_len;
    }
    if (ca.crypt_name.empty() && ca.auth_name.empty()) {
        return Transform{Aead{}};  // a larval SA (ALLOCSPI, ACQUIRE) has no keys yet
    }
    return Transform{std::move(ca)};
}

Parsed<SaInfo> parse_sa_parts(const xfrm_usersa_info& info, std::span<const std::uint8_t> rest) {
    auto attrs = split_attributes(rest);
    if (!attrs) {
        return meshd::unexpected(attrs.error());
    }
    SaInfo out;
    detail::from_kernel_info(info, out);
    auto transform = read_transform(*attrs);
    if (!transform) {
        return meshd::unexpected(transform.error());
    }
    out.sa.transform = std::move(*transform);
    if ((*attrs)[XFRMA_ENCAP]) {
        auto e = read<xfrm_encap_tmpl>(*(*attrs)[XFRMA_ENCAP]);
        if (!e) {
            return fail("truncated XFRMA_ENCAP");
        }
        out.sa.encap = Encap{ntohs(e->encap_sport), ntohs(e->encap_dport),
                             detail::from_kernel(e->encap_oa, info.family)};
        if (e->encap_oa.a6[0] == 0 && e->encap_oa.a6[1] == 0 && e->encap_oa.a6[2] == 0 &&
            e->encap_oa.a6[3] == 0) {
            out.sa.encap->original = Address{};
        }
    }
    if ((*attrs)[XFRMA_REPLAY_ESN_VAL]) {
        // struct xfrm_replay_state_esn: bmp_len, oseq, seq, oseq_hi, seq_hi, replay_window.
        const auto bytes = *(*attrs)[XFRMA_REPLAY_ESN_VAL];
        auto window = read<std::uint32_t>(bytes.subspan(std::min<std::size_t>(20, bytes.size())));
        if (!window) {
            return fail("truncated XFRMA_REPLAY_ESN_VAL");
        }
        out.sa.replay.window = *window;
    }
    out.sa.mark = read_mark(*attrs);
    if ((*attrs)[XFRMA_SA_EXTRA_FLAGS]) {
        if (auto f = read<std::uint32_t>(*(*attrs)[XFRMA_SA_EXTRA_FLAGS])) {
            out.sa.extra_flags = *f;
        }
    }
    return out;
}

Parsed<PolicyInfo> parse_policy_parts(const xfrm_userpolicy_info& info,
                                      std::span<const std::uint8_t> rest) {
    if (info.dir > XFRM_POLICY_FWD) {
        return fail("policy direction " + std::to_string(info.dir));
    }
    auto attrs = split_attributes(rest);
    if (!attrs) {
        return meshd::unexpected(attrs.error());
    }
    PolicyInfo out;
    detail::from_kernel_info(info, out);
    if ((*attrs)[XFRMA_TMPL]) {
        auto bytes = *(*attrs)[XFRMA_TMPL];
        if (bytes.size() % sizeof(xfrm_user_tmpl) != 0) {
            return fail("XFRMA_TMPL is not a whole number of templates");
        }
        for (; !bytes.empty(); bytes = bytes.subspan(sizeof(xfrm_user_tmpl))) {
            out.policy.templates.push_back(detail::from_kernel(*read<xfrm_user_tmpl>(bytes)));
        }
    }
    out.policy.mark = read_mark(*attrs);
    return out;
}

Parsed<Event> parse_acquire(std::span<const std::uint8_t> payload) {
    auto a = read<xfrm_user_acquire>(payload);
    if (!a) {
        return fail("short XFRM_MSG_ACQUIRE");
    }
    auto policy = parse_policy_parts(a->policy, payload.subspan(sizeof *a));
    if (!policy) {
        return meshd::unexpected(policy.error());
    }
    AcquireEvent e;
    e.proto = a->id.proto;
    e.packet = detail::from_kernel(a->sel);
    // The endpoints' family is the template's (a tunnel may carry another family inside).
    std::uint16_t family = a->policy.sel.family;
    if (!policy->policy.templates.empty()) {
        family = static_cast<std::uint16_t>(policy->policy.templates.front().family);
    }
    e.dst = detail::from_kernel(a->id.daddr, family);
    e.src = detail::from_kernel(a->saddr, family);
    e.policy = std::move(*policy);
    e.seq = a->seq;
    return Event{std::move(e)};
}

Parsed<Event> parse_expire(std::span<const std::uint8_t> payload) {
    auto x = read<xfrm_user_expire>(payload);
    if (!x) {
        return fail("short XFRM_MSG_EXPIRE");
    }
    auto sa = parse_sa_parts(x->state, payload.subspan(sizeof *x));
    if (!sa) {
        return meshd::unexpected(sa.error());
    }
    return Event{ExpireEvent{std::move(*sa), x->hard != 0}};
}

Parsed<Event> parse_polexpire(std::span<const std::uint8_t> payload) {
    auto x = read<xfrm_user_polexpire>(payload);
    if (!x) {
        return fail("short XFRM_MSG_POLEXPIRE");
    }
    auto policy = parse_policy_parts(x->pol, payload.subspan(sizeof *x));
    if (!policy) {
        return meshd::unexpected(policy.error());
    }
    return Event{PolicyExpireEvent{std::move(*policy), x->hard != 0}};
}

Parsed<Event> parse_mapping(std::span<const std::uint8_t> payload) {
    auto m = read<xfrm_user_mapping>(payload);
    if (!m) {
        return fail("short XFRM_MSG_MAPPING");
    }
    MappingEvent e;
    e.dst = detail::from_kernel(m->id.daddr, m->id.family);
    e.spi = ntohl(m->id.spi);
    e.proto = m->id.proto;
    e.reqid = m->reqid;
    e.old_src = detail::from_kernel(m->old_saddr, m->id.family);
    e.old_sport = ntohs(m->old_sport);
    e.new_src = detail::from_kernel(m->new_saddr, m->id.family);
    e.new_sport = ntohs(m->new_sport);
    return Event{e};
}

}  // namespace

Parsed<std::vector<NetlinkMessage>> split_messages(std::span<const std::uint8_t> buffer) {
    std::vector<NetlinkMessage> out;
    while (!buffer.empty()) {
        auto h = read<nlmsghdr>(buffer);
        if (!h) {
            return fail("truncated netlink header");
        }
        if (h->nlmsg_len < sizeof(nlmsghdr) || h->nlmsg_len > buffer.size()) {
            return fail("netlink message length " + std::to_string(h->nlmsg_len) + " out of bounds");
        }
        out.push_back(NetlinkMessage{h->nlmsg_type, h->nlmsg_flags, h->nlmsg_seq, h->nlmsg_pid,
                                     buffer.subspan(sizeof(nlmsghdr), h->nlmsg_len - sizeof(nlmsghdr))});
        buffer = buffer.subspan(std::min<std::size_t>(align4(h->nlmsg_len), buffer.size()));
    }
    return out;
}

Parsed<Ack> parse_ack(const NetlinkMessage& message) {
    if (message.type != NLMSG_ERROR) {
        return fail("not an NLMSG_ERROR");
    }
    auto e = read<nlmsgerr>(message.payload);
    if (!e) {
        return fail("short NLMSG_ERROR");
    }
    Ack ack;
    // Negated errno; INT_MIN has no positive counterpart (and is no errno).
    ack.errnum = e->error == INT_MIN ? EINVAL : (e->error < 0 ? -e->error : e->error);
    ack.request_seq = e->msg.nlmsg_seq;
    if ((message.flags & NLM_F_ACK_TLVS) == 0) {
        return ack;
    }
    // Without NLM_F_CAPPED the kernel echoes the whole request before the TLVs.
    std::size_t offset = sizeof(nlmsgerr);
    if ((message.flags & NLM_F_CAPPED) == 0) {
        if (e->msg.nlmsg_len < sizeof(nlmsghdr)) {
            return fail("NLMSG_ERROR echoes a malformed request");
        }
        offset += align4(e->msg.nlmsg_len - sizeof(nlmsghdr));
    }
    if (offset > message.payload.size()) {
        return fail("NLMSG_ERROR extended ack out of bounds");
    }
    auto attrs = split_attributes(message.payload.subspan(offset));
    if (!attrs) {
        return meshd::unexpected(attrs.error());
    }
    if (const auto& msg = (*attrs)[NLMSGERR_ATTR_MSG]) {
        std::string text(msg->begin(), msg->end());
        text.resize(std::strlen(text.c_str()));  // the kernel NUL-terminates
        ack.ext_ack = std::move(text);
    }
    return ack;
}

Parsed<SaInfo> parse_sa(std::span<const std::uint8_t> payload) {
    auto info = read<xfrm_usersa_info>(payload);
    if (!info) {
        return fail("short XFRM_MSG_NEWSA");
    }
    return parse_sa_parts(*info, payload.subspan(sizeof *info));
}

Parsed<PolicyInfo> parse_policy(std::span<const std::uint8_t> payload) {
    auto info = read<xfrm_userpolicy_info>(payload);
    if (!info) {
        return fail("short XFRM_MSG_NEWPOLICY");
    }
    return parse_policy_parts(*info, payload.subspan(sizeof *info));
}

Parsed<Event> parse_event(const NetlinkMessage& message) {
    switch (message.type) {
        case XFRM_MSG_ACQUIRE: return parse_acquire(message.payload);
        case XFRM_MSG_EXPIRE: return parse_expire(message.payload);
        case XFRM_MSG_POLEXPIRE: return parse_polexpire(message.payload);
        case XFRM_MSG_MAPPING: return parse_mapping(message.payload);
        default: return fail("not an event: message type " + std::to_string(message.type));
    }
}

}  // namespace meshd::xfrm
