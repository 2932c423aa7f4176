// The typed model of every IKEv2 payload (RFC 7296 §3.3-§3.16, RFC 7383 §2.5). Each struct
// carries its critical bit; derived wire fields (lengths, counts, next-payload chaining,
// "last substructure" markers, reserved fields) are not stored: encode computes them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "wire/notify_types.hpp"
#include "wire/types.hpp"

namespace ike::wire {

// --- SA (§3.3) ---
struct Attribute {
    AttributeType type{};
    // TV form (AF=1): a 16-bit value; TLV form (AF=0): a byte string.
    std::variant<std::uint16_t, Bytes> value;
    bool operator==(const Attribute&) const = default;
};

struct Transform {
    TransformType type{};
    std::uint16_t id = 0;  // EncrId, PrfId, IntegId, KeGroup or EsnId, by type
    std::vector<Attribute> attributes;

    std::optional<std::uint16_t> key_length() const;
    bool operator==(const Transform&) const = default;
};

struct Proposal {
    std::uint8_t number = 1;
    ProtocolId protocol = ProtocolId::ike;
    Bytes spi;  // 0 or 8 bytes for IKE, 4 for AH/ESP
    std::vector<Transform> transforms;
    bool operator==(const Proposal&) const = default;
};

struct SecurityAssociation {
    std::vector<Proposal> proposals;
    bool critical = false;
    bool operator==(const SecurityAssociation&) const = default;
};

// --- KE (§3.4) ---
struct KeyExchange {
    KeGroup group{};
    Bytes data;
    bool critical = false;
    bool operator==(const KeyExchange&) const = default;
};

// --- IDi / IDr (§3.5) ---
struct Identification {
    IdType type{};
    Bytes data;  // 4 bytes for ID_IPV4_ADDR, 16 for ID_IPV6_ADDR, else opaque
    bool critical = false;
    bool operator==(const Identification&) const = default;
};
struct IdInitiator : Identification {
    bool operator==(const IdInitiator&) const = default;
};
struct IdResponder : Identification {
    bool operator==(const IdResponder&) const = default;
};

// --- CERT (§3.6) and CERTREQ (§3.7) ---
struct Certificate {
    CertEncoding encoding{};
    Bytes data;
    bool critical = false;
    bool operator==(const Certificate&) const = default;
};

using Sha1Hash = std::array<std::uint8_t, 20>;
struct CertificateRequest {
    CertEncoding encoding{};
    std::vector<Sha1Hash> authorities;  // SHA-1 hashes of trusted CAs' public keys
    bool critical = false;
    bool operator==(const CertificateRequest&) const = default;
};

// --- AUTH (§3.8) ---
struct Authentication {
    AuthMethod method{};
    Bytes data;
    bool critical = false;
    bool operator==(const Authentication&) const = default;
};

// --- Nonce (§3.9): 16 to 256 bytes, by construction ---
class Nonce {
public:
    static constexpr std::size_t min_size = 16;
    static constexpr std::size_t max_size = 256;
    // nullopt unless 16 <= size <= 256.
    static std::optional<Nonce> make(Bytes value);
    const Bytes& bytes() const { return m_value; }
    bool operator==(const Nonce&) const = default;

private:
    explicit Nonce(Bytes v) : m_value(std::move(v)) {}
    Bytes m_value;
};
struct NoncePayload {
    Nonce nonce;
    bool critical = false;
    bool operator==(const NoncePayload&) const = default;
};

// --- Notify (§3.10) ---
struct Notify {
    ProtocolId protocol = ProtocolId::none;
    Bytes spi;
    NotifyType type{};
    Bytes data;
    bool critical = false;
    bool operator==(const Notify&) const = default;
};

// --- Delete (§3.11): IKE has no SPI (size 0), AH/ESP have 4-byte SPIs ---
struct Delete {
    ProtocolId protocol = ProtocolId::ike;
    std::vector<std::uint32_t> spis;
    bool critical = false;
    bool operator==(const Delete&) const = default;
};

// --- Vendor ID (§3.12) ---
struct VendorId {
    Bytes id;
    bool critical = false;
    bool operator==(const VendorId&) const = default;
};

// --- TSi / TSr (§3.13) ---
struct TrafficSelector {
    TsType type = TsType::ipv4_addr_range;
    std::uint8_t ip_protocol = 0;  // 0: any
    std::uint16_t start_port = 0;
    std::uint16_t end_port = 65535;
    Bytes start_address;  // 4 bytes (IPv4) or 16 (IPv6)
    Bytes end_address;
    bool operator==(const TrafficSelector&) const = default;
};
struct TrafficSelectors {
    std::vector<TrafficSelector> selectors;  // at least one
    bool critical = false;
    bool operator==(const TrafficSelectors&) const = default;
};
struct TsInitiator : TrafficSelectors {
    bool operator==(const TsInitiator&) const = default;
};
struct TsResponder : TrafficSelectors {
    bool operator==(const TsResponder&) const = default;
};

// --- SK (§3.14): opaque until the crypto layer decrypts it ---
struct Encrypted {
    PayloadType first_inner = PayloadType::none;
    Bytes body;  // IV, ciphertext (with padding and pad length), ICV
    bool critical = false;
    bool operator==(const Encrypted&) const = default;
};

// --- SKF (RFC 7383 §2.5) ---
struct EncryptedFragment {
    std::uint16_t number = 1;  // 1..total
    std::uint16_t total = 1;
    PayloadType first_inner = PayloadType::none;  // none unless number == 1
    Bytes body;
    bool critical = false;
    bool operator==(const EncryptedFragment&) const = default;
};

// --- CP (§3.15) ---
struct CfgAttribute {
    CfgAttributeType type{};
    Bytes value;
    bool operator==(const CfgAttribute&) const = default;
};
struct Configuration {
    CfgType type = CfgType::request;
    std::vector<CfgAttribute> attributes;
    bool critical = false;
    bool operator==(const Configuration&) const = default;
};

// --- EAP (§3.16): one EAP message (RFC 3748), opaque beyond its header ---
struct Eap {
    Bytes message;  // Code, Identifier, Length (== size), [Type, data]
    bool critical = false;
    bool operator==(const Eap&) const = default;
};

// --- Any payload this codec does not interpret (never critical once decoded) ---
struct UnknownPayload {
    PayloadType type{};
    Bytes body;
    bool critical = false;
    bool operator==(const UnknownPayload&) const = default;
};

using Payload = std::variant<SecurityAssociation, KeyExchange, IdInitiator, IdResponder,
                             Certificate, CertificateRequest, Authentication, NoncePayload,
                             Notify, Delete, VendorId, TsInitiator, TsResponder, Encrypted,
                             Configuration, Eap, EncryptedFragment, UnknownPayload>;

PayloadType payload_type(const Payload& p);
bool is_critical(const Payload& p);

}  // namespace ike::wire
