// PKCS#10 requests: written by hand with Botan's DER encoder (so the SAN is ours and RSA keys sign
// with PSS), parsed and checked with Botan's PKCS10_Request.
#include "crypto/csr.hpp"

#include "crypto/auth_sig.hpp"
#include "crypto/privkey_impl.hpp"

#include <botan/asn1_obj.h>
#include <botan/der_enc.h>
#include <botan/data_src.h>
#include <botan/pem.h>
#include <botan/pkcs10.h>
#include <botan/pkix_types.h>
#include <botan/pubkey.h>
#include <botan/x509_obj.h>

namespace ike::crypto {

struct CertificateRequest::Impl {
    Botan::PKCS10_Request req;
    std::vector<std::uint8_t> der;
    PublicKey public_key;
    SubjectAltNames alt_names;
};

namespace {

constexpr std::string_view kExtensionRequestOid = "1.2.840.113549.1.9.14";  // RFC 2985 §5.4.2

// CertificationRequestInfo (RFC 2986 §4.1) with one attribute: extensionRequest { SAN }.
Botan::secure_vector<std::uint8_t> request_info(const PrivateKey& key, std::string_view name) {
    Botan::X509_DN dn;
    dn.add_attribute("X520.CommonName", std::string(name));
    SubjectAltNames san;
    san.dns = {std::string(name)};
    const auto spki = key.public_key().spki_der();
    Botan::secure_vector<std::uint8_t> out;
    Botan::DER_Encoder enc(out);
    enc.start_cons(Botan::SEQUENCE)
        .encode(std::size_t{0})
        .encode(dn)
        .raw_bytes(spki.data(), spki.size())
        .start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC)
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::OID(std::string(kExtensionRequestOid)))
        .start_cons(Botan::SET)
        .start_cons(Botan::SEQUENCE)
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::OID(std::string(kSubjectAltNameOid)))
        .encode(encode_subject_alt_names(san), Botan::OCTET_STRING)
        .end_cons()
        .end_cons()
        .end_cons()
        .end_cons()
        .end_cons()
        .end_cons();
    return out;
}

CertResult<CertificateRequest> wrap(Botan::PKCS10_Request req) {
    auto der = req.BER_encode();
    auto key = PublicKey::from_spki_der(req.raw_public_key());
    if (!key) {
        return unexpected(key.error());
    }
    SubjectAltNames san;
    const Botan::OID san_oid{std::string(kSubjectAltNameOid)};
    // get_extension_bits throws for an extension that is not there (a request without SAN)
    if (req.extensions().extension_set(san_oid)) {
        const auto bits = req.extensions().get_extension_bits(san_oid);
        auto decoded = decode_subject_alt_names(bits);
        if (!decoded) {
            return unexpected(decoded.error());
        }
        san = std::move(*decoded);
    }
    return CertificateRequest(std::make_shared<const CertificateRequest::Impl>(
        CertificateRequest::Impl{std::move(req), std::move(der), std::move(*key), std::move(san)}));
}

// Botan 2 checks a request's self-signature while decoding it and throws; that one failure is
// a SignatureMismatch (the request is well-formed but not genuine), every other is Malformed.
template <typename Parse>
CertResult<CertificateRequest> parse_guarded(Parse&& parse) {
    try {
        return wrap(parse());
    } catch (const std::exception& e) {
        const std::string_view what = e.what();
        if (what.find("ignature") != std::string_view::npos) {
            return unexpected(CertError::SignatureMismatch);
        }
        return unexpected(CertError::Malformed);
    }
}

}  // namespace

SignatureScheme default_signature_scheme(KeyType type) noexcept {
    switch (type) {
        case KeyType::Ed25519: return SignatureScheme::Ed25519;
        case KeyType::EcdsaP256: return SignatureScheme::EcdsaSha256;
        case KeyType::EcdsaP384: return SignatureScheme::EcdsaSha384;
        case KeyType::EcdsaP521: return SignatureScheme::EcdsaSha512;
        case KeyType::Rsa: break;
    }
    return SignatureScheme::RsaPssSha256;
}

CertResult<CertificateRequest> CertificateRequest::create(const PrivateKey& key,
                                                          std::string_view name, Rng& rng) {
    if (name.empty()) {
        return unexpected(CertError::InvalidArgument);
    }
    try {
        const auto scheme = default_signature_scheme(key.type());
        detail::BotanRngAdapter brng(rng);
        const auto signer = detail::make_botan_signer(key, scheme, brng);
        const auto der = Botan::X509_Object::make_signed(
            signer.get(), brng, detail::botan_algorithm_identifier(scheme), request_info(key, name));
        return from_der(der);
    } catch (const std::exception&) {
        return unexpected(CertError::InvalidArgument);
    }
}

CertResult<CertificateRequest> CertificateRequest::from_der(std::span<const std::uint8_t> der) {
    return parse_guarded(
        [&] { return Botan::PKCS10_Request(std::vector<std::uint8_t>(der.begin(), der.end())); });
}

CertResult<CertificateRequest> CertificateRequest::from_pem(std::string_view pem) {
    if (pem.find("-----BEGIN CERTIFICATE REQUEST-----") == std::string_view::npos) {
        return unexpected(CertError::Malformed);
    }
    return parse_guarded([&] {
        Botan::DataSource_Memory src(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size());
        return Botan::PKCS10_Request(src);
    });
}

std::span<const std::uint8_t> CertificateRequest::der() const noexcept { return m_impl->der; }

std::string CertificateRequest::to_pem() const {
    return Botan::PEM_Code::encode(m_impl->der.data(), m_impl->der.size(), "CERTIFICATE REQUEST");
}

std::string CertificateRequest::subject() const { return m_impl->req.subject_dn().to_string(); }

std::string CertificateRequest::common_name() const {
    return m_impl->req.subject_dn().get_first_attribute("X520.CommonName");
}

const SubjectAltNames& CertificateRequest::alt_names() const noexcept { return m_impl->alt_names; }
const PublicKey& CertificateRequest::public_key() const noexcept { return m_impl->public_key; }

std::string CertificateRequest::signature_algorithm() const {
    try {
        return m_impl->req.signature_algorithm().get_oid().to_formatted_string();
    } catch (const std::exception&) {
        return "unknown";
    }
}

CertResult<void> CertificateRequest::verify_signature() const {
    try {
        std::vector<std::uint8_t> alg;
        Botan::DER_Encoder(alg).encode(m_impl->req.signature_algorithm());
        const auto scheme = parse_algorithm_identifier(alg);
        if (!scheme) {
            return unexpected(scheme.error());
        }
        if (!scheme_fits(*scheme, m_impl->public_key.type())) {
            return unexpected(CertError::KeyMismatch);
        }
        if (m_impl->req.check_signature(*m_impl->public_key.impl().key)) {
            return {};
        }
    } catch (const std::exception&) {
    }
    return unexpected(CertError::SignatureMismatch);
}

}  // namespace ike::crypto
