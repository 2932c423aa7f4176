// The typed vocabulary of the kernel programmer: addresses, selectors, SAs, policies, templates,
// lifetimes and ownership. Plain values; building netlink bytes from them is messages.hpp's job.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace meshd::xfrm {

// "No limit" for byte and packet lifetimes, as the kernel spells it (XFRM_INF).
inline constexpr std::uint64_t infinite = ~std::uint64_t{0};

enum class Family : std::uint16_t { unspec = 0, ipv4 = 2, ipv6 = 10 };

// An IPv4 or IPv6 address in network byte order (IPv4 in the first four bytes).
struct Address {
    Family family = Family::unspec;
    std::array<std::uint8_t, 16> bytes{};

    static std::optional<Address> parse(std::string_view text);
    static Address ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
    std::string to_string() const;
    bool operator==(const Address&) const = default;
};

// Key material. Wiped when destroyed; never formatted (format.hpp prints "<redacted>").
class Secret {
public:
    Secret() = default;
    explicit Secret(std::span<const std::uint8_t> bytes) : m_bytes(bytes.begin(), bytes.end()) {}
    Secret(const Secret& other) = default;
    Secret(Secret&& other) noexcept;
    Secret& operator=(const Secret& other);
    Secret& operator=(Secret&& other) noexcept;
    ~Secret();

    std::span<const std::uint8_t> bytes() const { return m_bytes; }
    std::size_t size() const { return m_bytes.size(); }
    bool operator==(const Secret& other) const = default;

private:
    void wipe();
    std::vector<std::uint8_t> m_bytes;
};

// Which packets an SA or policy applies to. Ports are host byte order; a mask of 0 means any.
struct Selector {
    Address src;  // the family of src decides the selector's family (unspec: any)
    Address dst;
    std::uint8_t src_prefix = 0;
    std::uint8_t dst_prefix = 0;
    std::uint8_t proto = 0;  // IPPROTO_*, 0 = any
    std::uint16_t sport = 0;
    std::uint16_t sport_mask = 0;
    std::uint16_t dport = 0;
    std::uint16_t dport_mask = 0;
    std::int32_t ifindex = 0;
    std::uint32_t user = 0;

    // A selector covering exactly src/plen -> dst/plen, any protocol.
    static Selector between(const Address& src, std::uint8_t src_prefix, const Address& dst,
                            std::uint8_t dst_prefix);
    bool operator==(const Selector&) const = default;
};

// Packet mark matched by an SA or policy: (skb mark & mask) == value.
struct Mark {
    std::uint32_t value = 0;
    std::uint32_t mask = 0;
    bool operator==(const Mark&) const = default;
};

struct Lifetime {
    std::uint64_t soft_bytes = infinite;
    std::uint64_t hard_bytes = infinite;
    std::uint64_t soft_packets = infinite;
    std::uint64_t hard_packets = infinite;
    std::uint64_t soft_add_seconds = 0;  // 0 = none
    std::uint64_t hard_add_seconds = 0;
    std::uint64_t soft_use_seconds = 0;
    std::uint64_t hard_use_seconds = 0;
    bool operator==(const Lifetime&) const = default;
};

// What the kernel counts for an SA or policy (times are UNIX seconds, 0 = never).
struct Counters {
    std::uint64_t bytes = 0;
    std::uint64_t packets = 0;
    std::uint64_t add_time = 0;
    std::uint64_t use_time = 0;
    bool operator==(const Counters&) const = default;
};

enum class Mode : std::uint8_t { transport = 0, tunnel = 1 };

// An AEAD transform (XFRMA_ALG_AEAD): the key includes the 4-byte salt (RFC 4106 §8.1,
// RFC 7634 §2).
struct Aead {
    std::string name;  // kernel name, e.g. "rfc4106(gcm(aes))"
    Secret key;
    std::uint32_t icv_bits = 128;
    bool operator==(const Aead&) const = default;
};

// Encryption plus a separate integrity transform (XFRMA_ALG_CRYPT + XFRMA_ALG_AUTH_TRUNC).
struct CryptAuth {
    std::string crypt_name;  // "cbc(aes)"
    Secret crypt_key;
    std::string auth_name;  // "hmac(sha256)"
    Secret auth_key;
    std::uint32_t trunc_bits = 0;  // ICV length on the wire
    bool operator==(const CryptAuth&) const = default;
};

using Transform = std::variant<Aead, CryptAuth>;

enum class Hmac { sha256, sha384, sha512 };

// The supported transforms, with their key lengths checked. Empty on a wrong key length.
std::optional<Transform> aes_gcm(std::span<const std::uint8_t> key_and_salt);  // 16/24/32 + 4
std::optional<Transform> chacha20_poly1305(std::span<const std::uint8_t> key_and_salt);  // 32 + 4
// AES-CBC with HMAC-SHA2 truncated to half its output (RFC 4868 §2.3: 128/192/256 bits).
std::optional<Transform> aes_cbc_hmac(std::span<const std::uint8_t> aes_key, Hmac hmac,
                                      std::span<const std::uint8_t> auth_key);

// Anti-replay: the classic 32..255-packet window, or ESN with XFRMA_REPLAY_ESN_VAL.
struct Replay {
    bool esn = false;
    std::uint32_t window = 32;
    bool operator==(const Replay&) const = default;
};

// UDP encapsulation for NAT traversal (RFC 3948): espinudp, ports normally 4500.
struct Encap {
    std::uint16_t sport = 4500;
    std::uint16_t dport = 4500;
    Address original;  // NAT-OA; usually unspecified
    bool operator==(const Encap&) const = default;
};

inline constexpr std::uint8_t proto_esp = 50;

// XFRM_STATE_* flags of an SA.
namespace sa_flags {
inline constexpr std::uint8_t noecn = 1;
inline constexpr std::uint8_t decap_dscp = 2;
inline constexpr std::uint8_t nopmtudisc = 4;
inline constexpr std::uint8_t wildrecv = 8;
inline constexpr std::uint8_t icmp = 16;
inline constexpr std::uint8_t af_unspec = 32;
inline constexpr std::uint8_t align4 = 64;
inline constexpr std::uint8_t esn = 128;  // set from Replay::esn, no need to set it by hand
}  // namespace sa_flags

// An SA to install. The family comes from dst.
struct Sa {
    Address src;
    Address dst;
    std::uint32_t spi = 0;  // host byte order
    std::uint8_t proto = proto_esp;
    Mode mode = Mode::tunnel;
    std::uint32_t reqid = 0;
    Selector selector;  // all-zero: any (tunnel mode usually)
    Transform transform;
    Replay replay;
    Lifetime lifetime;
    std::optional<Encap> encap;
    std::optional<Mark> mark;
    std::uint8_t flags = 0;
    std::uint32_t extra_flags = 0;  // XFRM_SA_XFLAG_*
};

// An SA as the kernel reports it: its description (keys included, as the kernel returns them)
// and its counters.
struct SaInfo {
    Sa sa;
    Counters counters;
    std::uint32_t seq = 0;  // the ACQUIRE sequence number a larval SA answers
    std::uint32_t replay_drops = 0;
    std::uint32_t integrity_failures = 0;
};

// How to name one SA for get and delete.
struct SaId {
    Address dst;
    std::uint32_t spi = 0;
    std::uint8_t proto = proto_esp;
    std::optional<Address> src;  // XFRMA_SRCADDR, narrows the lookup
    std::optional<Mark> mark;

    static SaId of(const Sa& sa);
};

enum class Direction : std::uint8_t { in = 0, out = 1, fwd = 2 };
enum class Action : std::uint8_t { allow = 0, block = 1 };
enum class Level : std::uint8_t { required = 0, use = 1 };  // `optional` flag of a template

// One step of a policy's transform bundle (struct xfrm_user_tmpl).
struct Template {
    Address src;  // tunnel endpoints; unspecified in transport mode
    Address dst;
    std::uint32_t spi = 0;
    std::uint8_t proto = proto_esp;
    Mode mode = Mode::tunnel;
    std::uint32_t reqid = 0;
    Level level = Level::required;
    Family family = Family::unspec;  // unspec: the family of dst, or of the selector
    bool operator==(const Template&) const = default;
};

struct Policy {
    Selector selector;
    Direction dir = Direction::out;
    Action action = Action::allow;
    std::uint32_t priority = 0;
    std::uint32_t index = 0;  // 0: the kernel picks
    std::uint8_t flags = 0;   // XFRM_POLICY_LOCALOK, XFRM_POLICY_ICMP
    Lifetime lifetime;
    std::vector<Template> templates;
    std::optional<Mark> mark;
};

struct PolicyInfo {
    Policy policy;
    Counters counters;
};

// How to name one policy for get and delete: by index, or by selector + direction + mark.
struct PolicyId {
    Selector selector;
    Direction dir = Direction::out;
    std::uint32_t index = 0;  // non-zero: look up by index alone
    std::optional<Mark> mark;

    static PolicyId of(const Policy& policy);
};

// XFRM_MSG_ALLOCSPI: a larval SA src -> dst with an SPI from [min, max].
struct SpiRequest {
    Address src;
    Address dst;
    std::uint8_t proto = proto_esp;
    Mode mode = Mode::tunnel;
    std::uint32_t reqid = 0;
    std::uint32_t min = 0x100;
    std::uint32_t max = 0xffffffff;
    std::uint32_t seq = 0;  // the ACQUIRE this answers, 0 if none
    std::optional<Mark> mark;
};

// What meshd considers its own: a mark (exact value/mask) and/or a reqid range. Flush and the
// CLI touch only what matches; everything else belongs to other software.
struct Ownership {
    std::optional<Mark> mark;
    std::uint32_t reqid_min = 0x4d450000;  // "ME" in the high half, away from strongSwan's 1..
    std::uint32_t reqid_max = 0x4d45ffff;

    bool owns_reqid(std::uint32_t reqid) const { return reqid >= reqid_min && reqid <= reqid_max; }
    bool owns(const Sa& sa) const;
    bool owns(const Policy& policy) const;
};

}  // namespace meshd::xfrm
