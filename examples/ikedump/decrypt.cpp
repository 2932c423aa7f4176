// ikedump --keys: find the IKE SA's keys by SPIs, unprotect (lib/crypto), decode_inner, print.
#include "decrypt.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "crypto/sk_payload.hpp"
#include "printer.hpp"
#include "wire/format.hpp"

namespace ikedump {

using namespace ike::wire;

Decrypted render_decrypted(std::span<const std::uint8_t> datagram, const Message& m,
                           const std::vector<ike::IkeDecryptionKeys>& table) {
    const auto* fragment = std::get_if<EncryptedFragment>(&m.payloads.back());
    const std::string title = fragment ? fmt::format("Encrypted fragment {} of {}", fragment->number, fragment->total)
                                       : std::string("Encrypted payloads");
    const auto fail = [&](std::string why) {
        return Decrypted{fmt::format("{}: NOT decrypted: {}\n", title, why), true};
    };
    const auto keys = std::find_if(table.begin(), table.end(), [&](const ike::IkeDecryptionKeys& k) {
        return k.spi_i == m.header.spi_i && k.spi_r == m.header.spi_r;
    });
    if (keys == table.end())
        return {fmt::format("{}: not decrypted: IKE SA {:016x}/{:016x} is not in the key table\n", title,
                            m.header.spi_i, m.header.spi_r),
                false};
    const auto spans = encrypted_spans(datagram, m);
    if (!spans) return fail("the SK payload's bytes are not where decode put them");
    const bool initiator = m.header.initiator;
    auto unprotector = ike::crypto::SkUnprotector::create(keys->suite, initiator ? keys->sk_ei : keys->sk_er,
                                                          initiator ? keys->sk_ai : keys->sk_ar);
    if (!unprotector) return fail(fmt::format("the table's keys do not fit its algorithms ({})",
                                              ike::crypto::to_string(unprotector.error())));
    const auto plain = unprotector->unprotect(spans->aad, spans->body);
    if (!plain) {
        if (plain.error() == ike::crypto::CryptoError::IntegrityCheckFailed)
            return fail(fmt::format("ICV check failed with {}: wrong keys or a corrupted message",
                                    initiator ? "SK_ei/SK_ai" : "SK_er/SK_ar"));
        return fail(std::string(ike::crypto::to_string(plain.error())));
    }
    const Bytes plaintext(plain->begin(), plain->end());
    std::string text = fmt::format("{} (decrypted with --keys)\n", title);
    text += fmt::format("  Keys: {} ({})\n", initiator ? "SK_ei/SK_ai" : "SK_er/SK_ar",
                        initiator ? "Initiator flag set" : "Initiator flag clear");
    if (fragment) {
        if (fragment->number == 1) text += fmt::format("  First inner payload: {}\n", fragment->first_inner);
        return {text + render_hex("Decrypted fragment", plaintext, 1), false};
    }
    const auto inner = decode_inner(std::get<Encrypted>(m.payloads.back()).first_inner, plaintext);
    if (!inner) return {text + "  " + render_error(inner.error()) + "\n", true};
    return {text + render_payloads(*inner, 1) + render_rules(m, *inner), false};
}

}  // namespace ikedump
