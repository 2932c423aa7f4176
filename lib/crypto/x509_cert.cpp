// Certificate parsing on Botan 2, plus what Botan 2 cannot do: IPv6 SANs and RFC 3779 blocks are
// read from the raw extensions, and the critical extensions we do not implement are flagged.
#include "crypto/x509_cert_impl.hpp"

#include "crypto/auth_sig.hpp"
#include "crypto/pubkey_impl.hpp"

#include <botan/data_src.h>
#include <botan/der_enc.h>
#include <botan/hash.h>
#include <botan/pem.h>
#include <botan/x509_ext.h>

#include <algorithm>

namespace ike::crypto {
namespace {

bool known_critical(const Botan::OID& oid) {
    static const Botan::OID known[] = {
        Botan::OID("2.5.29.19"),  // basicConstraints
        Botan::OID("2.5.29.15"),  // keyUsage
        Botan::OID("2.5.29.37"),  // extKeyUsage (not restricted further for IKE, RFC 4945 §5.1.3.12)
        Botan::OID(std::string(kSubjectAltNameOid)),
        Botan::OID(std::string(kIpAddrBlocksOid)),
    };
    return std::find(std::begin(known), std::end(known), oid) != std::end(known);
}

CertResult<Certificate> build(Botan::X509_Certificate cert,
                              std::optional<std::span<const std::uint8_t>> input) {
    std::vector<std::uint8_t> der = cert.BER_encode();
    // Botan ignores bytes after the certificate and accepts BER lengths: a CERT payload must be
    // exactly one DER certificate, or the bytes we hash (fingerprints, caches) would not be it.
    if (input && !std::equal(input->begin(), input->end(), der.begin(), der.end())) {
        return unexpected(CertError::Malformed);
    }
    // A validity time Botan cannot convert (a year before 1970 or from 2400 on: it throws) is
    // refused here, so that not_before()/not_after() (noexcept) never meet one: a peer's
    // certificate dated 1960 aborted the process (fuzz/x509/findings).
    (void)cert.not_before().to_std_timepoint();
    (void)cert.not_after().to_std_timepoint();
    std::unique_ptr<const Botan::Public_Key> key(cert.load_subject_public_key());
    auto public_key = detail::wrap_public_key(std::move(key));
    if (!public_key) {
        return unexpected(public_key.error());
    }
    auto impl = std::make_shared<Certificate::Impl>(
        Certificate::Impl{std::move(cert), std::move(der), std::move(*public_key), {}, std::nullopt,
                          false});
    for (const auto& [oid, value] : impl->cert.v3_extensions().extensions_raw()) {
        const auto& [bytes, critical] = value;
        if (oid == Botan::OID(std::string(kSubjectAltNameOid))) {
            auto names = decode_subject_alt_names(bytes);
            if (!names) {
                return unexpected(names.error());
            }
            impl->alt_names = std::move(*names);
        } else if (oid == Botan::OID(std::string(kIpAddrBlocksOid))) {
            auto blocks = IpAddrBlocks::decode_der(bytes);
            if (!blocks) {
                return unexpected(blocks.error());
            }
            impl->ip_blocks = std::move(*blocks);
        }
        if (critical && !known_critical(oid)) {
            impl->unknown_critical = true;
        }
    }
    return Certificate(std::move(impl));
}

template <typename Parse>
CertResult<Certificate> parse_guarded(Parse&& parse,
                                      std::optional<std::span<const std::uint8_t>> input) {
    try {
        return build(parse(), input);
    } catch (const Botan::Lookup_Error&) {
        return unexpected(CertError::UnsupportedAlgorithm);
    } catch (const std::exception&) {
        return unexpected(CertError::Malformed);
    }
}

template <std::size_t N>
std::array<std::uint8_t, N> digest(const char* name, std::span<const std::uint8_t> data) {
    const auto h = Botan::HashFunction::create_or_throw(name);
    h->update(data.data(), data.size());
    std::array<std::uint8_t, N> out{};
    h->final(out.data());
    return out;
}

const Botan::Key_Constraints kNone = Botan::NO_CONSTRAINTS;

}  // namespace

CertResult<Certificate> Certificate::from_der(std::span<const std::uint8_t> der) {
    return parse_guarded([&] {
        return Botan::X509_Certificate(std::vector<std::uint8_t>(der.begin(), der.end()));
    }, der);
}

CertResult<Certificate> Certificate::from_pem(std::string_view pem) {
    if (pem.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
        return unexpected(CertError::Malformed);
    }
    return parse_guarded([&] {
        Botan::DataSource_Memory src(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size());
        return Botan::X509_Certificate(src);
    }, std::nullopt);
}

std::span<const std::uint8_t> Certificate::der() const& noexcept {
    return m_impl->der;
}

std::string Certificate::to_pem() const { return Botan::PEM_Code::encode(m_impl->der, "CERTIFICATE"); }

const PublicKey& Certificate::public_key() const noexcept { return m_impl->public_key; }
std::string Certificate::subject() const { return m_impl->cert.subject_dn().to_string(); }
std::string Certificate::issuer() const { return m_impl->cert.issuer_dn().to_string(); }
std::span<const std::uint8_t> Certificate::subject_dn_der() const& noexcept {
    return m_impl->cert.raw_subject_dn();
}
std::span<const std::uint8_t> Certificate::issuer_dn_der() const& noexcept {
    return m_impl->cert.raw_issuer_dn();
}
std::vector<std::uint8_t> Certificate::serial() const { return m_impl->cert.serial_number(); }
TimePoint Certificate::not_before() const noexcept {
    return m_impl->cert.not_before().to_std_timepoint();
}
TimePoint Certificate::not_after() const noexcept {
    return m_impl->cert.not_after().to_std_timepoint();
}

bool Certificate::is_ca() const noexcept {
    const auto* bc = m_impl->cert.v3_extensions()
                         .get_extension_object_as<Botan::Cert_Extension::Basic_Constraints>();
    return bc != nullptr && bc->get_is_ca();
}

std::optional<std::size_t> Certificate::path_limit() const noexcept {
    const auto* bc = m_impl->cert.v3_extensions()
                         .get_extension_object_as<Botan::Cert_Extension::Basic_Constraints>();
    if (bc == nullptr || !bc->get_is_ca() ||
        bc->get_path_limit() == Botan::Cert_Extension::NO_CERT_PATH_LIMIT) {
        return std::nullopt;
    }
    return bc->get_path_limit();
}

bool Certificate::is_self_issued() const noexcept {
    return m_impl->cert.raw_subject_dn() == m_impl->cert.raw_issuer_dn();
}

bool Certificate::allows_digital_signature() const noexcept {
    const auto c = m_impl->cert.constraints();
    return c == kNone || (c & Botan::DIGITAL_SIGNATURE) != 0;
}
bool Certificate::allows_cert_sign() const noexcept {
    const auto c = m_impl->cert.constraints();
    return c == kNone || (c & Botan::KEY_CERT_SIGN) != 0;
}
bool Certificate::allows_crl_sign() const noexcept {
    const auto c = m_impl->cert.constraints();
    return c == kNone || (c & Botan::CRL_SIGN) != 0;
}

const SubjectAltNames& Certificate::alt_names() const noexcept { return m_impl->alt_names; }
const std::optional<IpAddrBlocks>& Certificate::ip_blocks() const noexcept {
    return m_impl->ip_blocks;
}
bool Certificate::has_unknown_critical_extension() const noexcept {
    return m_impl->unknown_critical;
}

std::array<std::uint8_t, 20> Certificate::spki_sha1() const {
    return digest<20>("SHA-1", m_impl->cert.subject_public_key_info());
}

std::array<std::uint8_t, 32> Certificate::spki_sha256() const {
    return digest<32>("SHA-256", m_impl->cert.subject_public_key_info());
}

std::array<std::uint8_t, 32> Certificate::fingerprint_sha256() const {
    return digest<32>("SHA-256", m_impl->der);
}

CertResult<void> Certificate::verify_signed_by(const PublicKey& issuer_key) const {
    try {
        std::vector<std::uint8_t> alg;
        Botan::DER_Encoder(alg).encode(m_impl->cert.signature_algorithm());
        const auto scheme = parse_algorithm_identifier(alg);
        if (!scheme) {
            return unexpected(scheme.error());
        }
        if (!scheme_fits(*scheme, issuer_key.type())) {
            return unexpected(CertError::SignatureMismatch);
        }
        if (m_impl->cert.check_signature(*issuer_key.impl().key)) {
            return {};
        }
    } catch (const std::exception&) {
    }
    return unexpected(CertError::SignatureMismatch);
}

}  // namespace ike::crypto
