// subjectAltName GeneralNames, by hand on Botan's BER/DER codec (implicit context tags).
#include "crypto/x509_san.hpp"

#include <botan/ber_dec.h>
#include <botan/der_enc.h>

#include <algorithm>

namespace ike::crypto {
namespace {

constexpr auto kCtx = Botan::CONTEXT_SPECIFIC;

std::vector<std::uint8_t> as_bytes(const std::string& s) { return {s.begin(), s.end()}; }

bool is_ia5(const std::uint8_t* p, std::size_t n) {
    return std::all_of(p, p + n, [](std::uint8_t c) { return c < 0x80; });
}

}  // namespace

std::vector<std::uint8_t> encode_subject_alt_names(const SubjectAltNames& names) {
    std::vector<std::uint8_t> out;
    Botan::DER_Encoder enc(out);
    enc.start_cons(Botan::SEQUENCE);
    for (const auto& d : names.dns) {
        enc.add_object(Botan::ASN1_Tag(2), kCtx, as_bytes(d));
    }
    for (const auto& a : names.ipv4) {
        enc.add_object(Botan::ASN1_Tag(7), kCtx, a.data(), a.size());
    }
    for (const auto& a : names.ipv6) {
        enc.add_object(Botan::ASN1_Tag(7), kCtx, a.data(), a.size());
    }
    for (const auto& e : names.email) {
        enc.add_object(Botan::ASN1_Tag(1), kCtx, as_bytes(e));
    }
    for (const auto& u : names.uri) {
        enc.add_object(Botan::ASN1_Tag(6), kCtx, as_bytes(u));
    }
    for (const auto& dn : names.directory) {
        // directoryName is EXPLICIT (Name is a CHOICE): [4] constructed around the DER Name.
        enc.add_object(Botan::ASN1_Tag(4), Botan::ASN1_Tag(kCtx | Botan::CONSTRUCTED), dn);
    }
    enc.end_cons();
    return out;
}

CertResult<SubjectAltNames> decode_subject_alt_names(std::span<const std::uint8_t> der) {
    SubjectAltNames names;
    std::size_t entries = 0;
    try {
        Botan::BER_Decoder dec(der.data(), der.size());
        Botan::BER_Decoder seq = dec.start_cons(Botan::SEQUENCE);
        while (seq.more_items()) {
            const Botan::BER_Object obj = seq.get_next_object();
            ++entries;
            const std::uint8_t* p = obj.bits();
            const std::size_t n = obj.length();
            if (obj.is_a(2, kCtx) || obj.is_a(1, kCtx) || obj.is_a(6, kCtx)) {
                if (!is_ia5(p, n)) {
                    return unexpected(CertError::Malformed);
                }
                std::string s(reinterpret_cast<const char*>(p), n);
                auto& list = obj.is_a(2, kCtx) ? names.dns
                             : obj.is_a(1, kCtx) ? names.email
                                                 : names.uri;
                list.push_back(std::move(s));
            } else if (obj.is_a(7, kCtx)) {
                if (n == 4) {
                    std::array<std::uint8_t, 4> a{};
                    std::copy(p, p + n, a.begin());
                    names.ipv4.push_back(a);
                } else if (n == 16) {
                    std::array<std::uint8_t, 16> a{};
                    std::copy(p, p + n, a.begin());
                    names.ipv6.push_back(a);
                } else {
                    return unexpected(CertError::Malformed);
                }
            } else if (obj.is_a(4, Botan::ASN1_Tag(kCtx | Botan::CONSTRUCTED))) {
                names.directory.emplace_back(p, p + n);
            }
        }
        seq.end_cons();
        dec.verify_end();
    } catch (const std::exception&) {
        return unexpected(CertError::Malformed);
    }
    if (entries == 0) {
        return unexpected(CertError::Malformed);  // RFC 5280: GeneralNames has SIZE (1..MAX)
    }
    return names;
}

}  // namespace ike::crypto
