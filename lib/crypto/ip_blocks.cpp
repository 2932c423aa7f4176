// RFC 3779 IPAddrBlocks: the address arithmetic, the canonical DER writer and a strict reader.
#include "crypto/ip_blocks.hpp"

#include <arpa/inet.h>
#include <botan/ber_dec.h>
#include <botan/der_enc.h>

#include <algorithm>
#include <charconv>

namespace ike::crypto {
namespace {

using Addr = std::array<std::uint8_t, 16>;

std::size_t bytes_of(IpFamily f) { return f == IpFamily::V4 ? 4 : 16; }
unsigned bits_of(IpFamily f) { return f == IpFamily::V4 ? 32 : 128; }

bool bit(const Addr& a, unsigned i) { return (a[i / 8] >> (7 - i % 8)) & 1; }
void set_bit(Addr& a, unsigned i, bool v) {
    const auto m = static_cast<std::uint8_t>(1u << (7 - i % 8));
    a[i / 8] = v ? static_cast<std::uint8_t>(a[i / 8] | m) : static_cast<std::uint8_t>(a[i / 8] & ~m);
}

// a + 1 within n bytes; false when it wraps (a was all ones).
bool increment(Addr& a, std::size_t n) {
    for (std::size_t i = n; i-- > 0;) {
        if (++a[i] != 0) {
            return true;
        }
    }
    return false;
}

// The prefix length if [first, last] is exactly one prefix, else -1.
int prefix_len_of(const IpRange& r) {
    const unsigned n = bits_of(r.family);
    unsigned p = 0;
    while (p < n && bit(r.first, p) == bit(r.last, p)) {
        ++p;
    }
    for (unsigned i = p; i < n; ++i) {
        if (bit(r.first, i) || !bit(r.last, i)) {
            return -1;
        }
    }
    return static_cast<int>(p);
}

// BIT STRING contents (unused-bits octet first) holding the first nbits of a.
std::vector<std::uint8_t> bitstring(Addr a, unsigned nbits) {
    const std::size_t nbytes = (nbits + 7) / 8;
    for (unsigned i = nbits; i < nbytes * 8; ++i) {
        set_bit(a, i, false);  // DER: unused bits are zero
    }
    std::vector<std::uint8_t> out(nbytes + 1);
    out[0] = static_cast<std::uint8_t>(nbytes * 8 - nbits);
    for (std::size_t i = 0; i < nbytes; ++i) {
        out[i + 1] = a[i];
    }
    return out;
}

// Bits needed to write a range bound: trailing bits equal to `fill` are implied (§2.2.3.7-8).
unsigned significant_bits(const Addr& a, IpFamily f, bool fill) {
    unsigned n = bits_of(f);
    while (n > 0 && bit(a, n - 1) == fill) {
        --n;
    }
    return n;
}

// Reads an IPAddress BIT STRING, filling the implied bits with `fill`.
Addr read_address(const Botan::BER_Object& obj, IpFamily f, bool fill, unsigned* nbits_out) {
    if (!obj.is_a(Botan::BIT_STRING, Botan::UNIVERSAL) || obj.length() < 1) {
        throw Botan::Decoding_Error("IPAddress is not a BIT STRING");
    }
    const std::uint8_t unused = obj.bits()[0];
    const std::size_t nbytes = obj.length() - 1;
    if (unused > 7 || (nbytes == 0 && unused != 0) || nbytes > bytes_of(f)) {
        throw Botan::Decoding_Error("IPAddress of a bad length");
    }
    const auto nbits = static_cast<unsigned>(nbytes * 8 - unused);
    Addr a{};
    std::copy(obj.bits() + 1, obj.bits() + obj.length(), a.begin());
    for (unsigned i = nbits; i < bits_of(f); ++i) {
        set_bit(a, i, fill);
    }
    if (nbits_out != nullptr) {
        *nbits_out = nbits;
    }
    return a;
}

void merge_into(std::vector<IpRange>& v, const IpRange& r) {
    v.push_back(r);
    std::sort(v.begin(), v.end(), [](const IpRange& a, const IpRange& b) { return a.first < b.first; });
    std::vector<IpRange> out;
    for (const auto& cur : v) {
        if (!out.empty()) {
            Addr next = out.back().last;
            const bool wrapped = !increment(next, bytes_of(cur.family));
            if (wrapped || cur.first <= next) {
                out.back().last = std::max(out.back().last, cur.last);
                continue;
            }
        }
        out.push_back(cur);
    }
    v = std::move(out);
}

void encode_family(Botan::DER_Encoder& enc, IpFamily f, bool inherit, const std::vector<IpRange>& v) {
    if (!inherit && v.empty()) {
        return;
    }
    const std::vector<std::uint8_t> afi{0x00, static_cast<std::uint8_t>(f == IpFamily::V4 ? 1 : 2)};
    enc.start_cons(Botan::SEQUENCE).encode(afi, Botan::OCTET_STRING);
    if (inherit) {
        enc.encode_null();
    } else {
        enc.start_cons(Botan::SEQUENCE);
        for (const auto& r : v) {
            const int p = prefix_len_of(r);
            if (p >= 0) {
                enc.add_object(Botan::BIT_STRING, Botan::UNIVERSAL,
                               bitstring(r.first, static_cast<unsigned>(p)));
            } else {
                enc.start_cons(Botan::SEQUENCE)
                    .add_object(Botan::BIT_STRING, Botan::UNIVERSAL,
                                bitstring(r.first, significant_bits(r.first, f, false)))
                    .add_object(Botan::BIT_STRING, Botan::UNIVERSAL,
                                bitstring(r.last, significant_bits(r.last, f, true)))
                    .end_cons();
            }
        }
        enc.end_cons();
    }
    enc.end_cons();
}

IpRange read_entry(const Botan::BER_Object& item, IpFamily f) {
    IpRange r;
    r.family = f;
    if (item.is_a(Botan::SEQUENCE, Botan::CONSTRUCTED)) {
        Botan::BER_Decoder range(item);
        r.first = read_address(range.get_next_object(), f, false, nullptr);
        r.last = read_address(range.get_next_object(), f, true, nullptr);
        range.verify_end();
        if (r.last < r.first) {
            throw Botan::Decoding_Error("IPAddressRange with max < min");
        }
    } else {
        unsigned nbits = 0;
        r.first = read_address(item, f, false, &nbits);
        r.last = read_address(item, f, true, nullptr);
        // A prefix's written bits are the prefix itself (RFC 3779 §2.2.3.8).
        for (unsigned i = nbits; i < bits_of(f); ++i) {
            set_bit(r.first, i, false);
        }
    }
    return r;
}

}  // namespace

CertResult<IpRange> IpRange::prefix(std::span<const std::uint8_t> addr, unsigned prefix_len) {
    if (addr.size() != 4 && addr.size() != 16) {
        return unexpected(CertError::InvalidArgument);
    }
    IpRange r;
    r.family = addr.size() == 4 ? IpFamily::V4 : IpFamily::V6;
    if (prefix_len > bits_of(r.family)) {
        return unexpected(CertError::InvalidArgument);
    }
    std::copy(addr.begin(), addr.end(), r.first.begin());
    r.last = r.first;
    for (unsigned i = prefix_len; i < bits_of(r.family); ++i) {
        set_bit(r.first, i, false);
        set_bit(r.last, i, true);
    }
    return r;
}

CertResult<IpRange> IpRange::range(std::span<const std::uint8_t> first,
                                   std::span<const std::uint8_t> last) {
    if (first.size() != last.size() || (first.size() != 4 && first.size() != 16)) {
        return unexpected(CertError::InvalidArgument);
    }
    IpRange r;
    r.family = first.size() == 4 ? IpFamily::V4 : IpFamily::V6;
    std::copy(first.begin(), first.end(), r.first.begin());
    std::copy(last.begin(), last.end(), r.last.begin());
    if (r.last < r.first) {
        return unexpected(CertError::InvalidArgument);
    }
    return r;
}

CertResult<IpRange> IpRange::parse(std::string_view text) {
    const auto slash = text.find('/');
    const std::string addr_text(text.substr(0, slash));
    Addr a{};
    std::size_t n = 0;
    if (inet_pton(AF_INET, addr_text.c_str(), a.data()) == 1) {
        n = 4;
    } else if (inet_pton(AF_INET6, addr_text.c_str(), a.data()) == 1) {
        n = 16;
    } else {
        return unexpected(CertError::InvalidArgument);
    }
    unsigned len = static_cast<unsigned>(n * 8);
    if (slash != std::string_view::npos) {
        const auto digits = text.substr(slash + 1);
        const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), len);
        if (res.ec != std::errc() || res.ptr != digits.data() + digits.size() || digits.empty()) {
            return unexpected(CertError::InvalidArgument);
        }
    }
    return prefix(std::span<const std::uint8_t>(a.data(), n), len);
}

std::string IpRange::to_string() const {
    const int af = family == IpFamily::V4 ? AF_INET : AF_INET6;
    char a[INET6_ADDRSTRLEN] = {};
    char b[INET6_ADDRSTRLEN] = {};
    inet_ntop(af, first.data(), a, sizeof a);
    const int p = prefix_len_of(*this);
    if (p >= 0) {
        return std::string(a) + "/" + std::to_string(p);
    }
    inet_ntop(af, last.data(), b, sizeof b);
    return std::string(a) + "-" + b;
}

void IpAddrBlocks::add(const IpRange& range) {
    if (range.family == IpFamily::V4) {
        m_v4_inherit = false;
        merge_into(m_v4, range);
    } else {
        m_v6_inherit = false;
        merge_into(m_v6, range);
    }
}

void IpAddrBlocks::set_inherit(IpFamily family) {
    if (family == IpFamily::V4) {
        m_v4.clear();
        m_v4_inherit = true;
    } else {
        m_v6.clear();
        m_v6_inherit = true;
    }
}

bool IpAddrBlocks::inherits(IpFamily family) const noexcept {
    return family == IpFamily::V4 ? m_v4_inherit : m_v6_inherit;
}

bool IpAddrBlocks::empty() const noexcept {
    return m_v4.empty() && m_v6.empty() && !m_v4_inherit && !m_v6_inherit;
}

const std::vector<IpRange>& IpAddrBlocks::ranges(IpFamily family) const noexcept {
    return family == IpFamily::V4 ? m_v4 : m_v6;
}

bool IpAddrBlocks::contains(const IpRange& range) const noexcept {
    // Ranges are merged, so a range inside the union is inside a single entry.
    const auto& v = ranges(range.family);
    return std::any_of(v.begin(), v.end(), [&](const IpRange& r) {
        return r.first <= range.first && range.last <= r.last;
    });
}

bool IpAddrBlocks::within(const IpAddrBlocks& issuer) const noexcept {
    for (const auto f : {IpFamily::V4, IpFamily::V6}) {
        if (inherits(f)) {
            continue;
        }
        for (const auto& r : ranges(f)) {
            if (!issuer.contains(r)) {
                return false;
            }
        }
    }
    return true;
}

std::vector<std::uint8_t> IpAddrBlocks::encode_der() const {
    std::vector<std::uint8_t> out;
    Botan::DER_Encoder enc(out);
    enc.start_cons(Botan::SEQUENCE);
    encode_family(enc, IpFamily::V4, m_v4_inherit, m_v4);
    encode_family(enc, IpFamily::V6, m_v6_inherit, m_v6);
    enc.end_cons();
    return out;
}

CertResult<IpAddrBlocks> IpAddrBlocks::decode_der(std::span<const std::uint8_t> der) {
    IpAddrBlocks blocks;
    try {
        Botan::BER_Decoder dec(der.data(), der.size());
        Botan::BER_Decoder seq = dec.start_cons(Botan::SEQUENCE);
        while (seq.more_items()) {
            Botan::BER_Decoder fam = seq.start_cons(Botan::SEQUENCE);
            std::vector<std::uint8_t> afi;
            fam.decode(afi, Botan::OCTET_STRING);
            const Botan::BER_Object choice = fam.get_next_object();
            fam.end_cons();
            if (afi.size() < 2 || afi.size() > 3 || afi[0] != 0 || afi[1] < 1 || afi[1] > 2) {
                return unexpected(CertError::Malformed);
            }
            if (afi.size() == 3) {
                continue;  // SAFI-qualified entries grant nothing for IPsec: ignore them
            }
            const IpFamily f = afi[1] == 1 ? IpFamily::V4 : IpFamily::V6;
            if (choice.is_a(Botan::NULL_TAG, Botan::UNIVERSAL)) {
                blocks.set_inherit(f);
                continue;
            }
            if (!choice.is_a(Botan::SEQUENCE, Botan::CONSTRUCTED)) {
                return unexpected(CertError::Malformed);
            }
            Botan::BER_Decoder list(choice);
            while (list.more_items()) {
                blocks.add(read_entry(list.get_next_object(), f));
            }
        }
        seq.end_cons();
        dec.verify_end();
    } catch (const std::exception&) {
        return unexpected(CertError::Malformed);
    }
    return blocks;
}

}  // namespace ike::crypto
