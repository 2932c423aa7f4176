// The small behaviours of the typed values: address text, key wiping, transform factories with
// their key-length rules, and ownership tests.
#include "xfrm/types.hpp"

#include <arpa/inet.h>
#include <string.h>  // explicit_bzero

namespace meshd::xfrm {

std::optional<Address> Address::parse(std::string_view text) {
    const std::string s(text);
    Address a;
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
        a.family = Family::ipv4;
        return a;
    }
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
        a.family = Family::ipv6;
        return a;
    }
    return std::nullopt;
}

Address Address::ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    Address out;
    out.family = Family::ipv4;
    out.bytes[0] = a;
    out.bytes[1] = b;
    out.bytes[2] = c;
    out.bytes[3] = d;
    return out;
}

std::string Address::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    switch (family) {
        case Family::ipv4:
            return inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
        case Family::ipv6:
            return inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
        case Family::unspec:
            return "any";
    }
    return "?";
}

Secret::Secret(Secret&& other) noexcept : m_bytes(std::move(other.m_bytes)) { other.wipe(); }

Secret& Secret::operator=(const Secret& other) {
    if (this != &other) {
        wipe();
        m_bytes = other.m_bytes;
    }
    return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        wipe();
        m_bytes = std::move(other.m_bytes);
        other.wipe();
    }
    return *this;
}

Secret::~Secret() { wipe(); }

void Secret::wipe() {
    if (!m_bytes.empty()) {
        explicit_bzero(m_bytes.data(), m_bytes.size());
    }
    m_bytes.clear();
}

Selector Selector::between(const Address& src, std::uint8_t src_prefix, const Address& dst,
                           std::uint8_t dst_prefix) {
    Selector s;
    s.src = src;
    s.dst = dst;
    s.src_prefix = src_prefix;
    s.dst_prefix = dst_prefix;
    return s;
}

std::optional<Transform> aes_gcm(std::span<const std::uint8_t> key_and_salt) {
    const auto n = key_and_salt.size();
    if (n != 16 + 4 && n != 24 + 4 && n != 32 + 4) {
        return std::nullopt;
    }
    return Aead{"rfc4106(gcm(aes))", Secret(key_and_salt), 128};
}

std::optional<Transform> chacha20_poly1305(std::span<const std::uint8_t> key_and_salt) {
    if (key_and_salt.size() != 32 + 4) {
        return std::nullopt;
    }
    return Aead{"rfc7539esp(chacha20,poly1305)", Secret(key_and_salt), 128};
}

std::optional<Transform> aes_cbc_hmac(std::span<const std::uint8_t> aes_key, Hmac hmac,
                                      std::span<const std::uint8_t> auth_key) {
    const auto n = aes_key.size();
    if (n != 16 && n != 24 && n != 32) {
        return std::nullopt;
    }
    // RFC 4868 §2.1.1: the key is as long as the hash output; §2.3: the ICV is half of it.
    std::size_t hash_bytes = 0;
    const char* name = "";
    switch (hmac) {
        case Hmac::sha256: hash_bytes = 32; name = "hmac(sha256)"; break;
        case Hmac::sha384: hash_bytes = 48; name = "hmac(sha384)"; break;
        case Hmac::sha512: hash_bytes = 64; name = "hmac(sha512)"; break;
    }
    if (auth_key.size() != hash_bytes) {
        return std::nullopt;
    }
    return CryptAuth{"cbc(aes)", Secret(aes_key), name, Secret(auth_key),
                     static_cast<std::uint32_t>(hash_bytes * 8 / 2)};
}

SaId SaId::of(const Sa& sa) { return SaId{sa.dst, sa.spi, sa.proto, sa.src, sa.mark}; }

PolicyId PolicyId::of(const Policy& p) { return PolicyId{p.selector, p.dir, 0, p.mark}; }

bool Ownership::owns(const Sa& sa) const {
    if (mark && sa.mark && *sa.mark == *mark) {
        return true;
    }
    return owns_reqid(sa.reqid);
}

bool Ownership::owns(const Policy& policy) const {
    if (mark && policy.mark && *policy.mark == *mark) {
        return true;
    }
    // A policy is ours when its templates lead to our SAs; one without templates (allow,
    // block) can be recognised only by the mark.
    if (policy.templates.empty()) {
        return false;
    }
    for (const auto& t : policy.templates) {
        if (!owns_reqid(t.reqid)) {
            return false;
        }
    }
    return true;
}

}  // namespace meshd::xfrm
