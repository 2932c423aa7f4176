// Fuzzes ike::wire::decode. Whatever decodes must re-encode to a datagram of the same size
// (only ignored reserved bits may differ), decode again to an equal message, and re-encode
// to the same bytes. The SK body is also fed to decode_inner, as if it were plaintext, so
// the inner-chain decoder gets the same treatment; the exchange checker and ikedump's
// printer run on everything that decodes, and the printer on every error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "printer.hpp"
#include "wire/exchange_table.hpp"
#include "wire/message.hpp"

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

void check_inner(const ike::wire::Header& header, const ike::wire::Encrypted& sk) {
    auto inner = ike::wire::decode_inner(sk.first_inner, sk.body);
    if (!inner) {
        require(inner.error().offset <= sk.body.size());
        return;
    }
    const auto enc = ike::wire::encode_inner(*inner);
    require(enc.bytes.size() == sk.body.size());
    auto again = ike::wire::decode_inner(enc.first, enc.bytes);
    require(again.has_value() && *again == *inner);
    require(ike::wire::encode_inner(*again).bytes == enc.bytes);
    require(!ikedump::render(ike::wire::Message{header, std::move(*inner)}).empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> in(data, size);
    auto m = ike::wire::decode(in);
    if (!m) {
        require(m.error().offset <= size);
        require(!ikedump::render_error(m.error()).empty());
        return 0;
    }
    const auto bytes = ike::wire::encode(*m);
    require(bytes.size() == size);
    auto again = ike::wire::decode(bytes);
    require(again.has_value());
    require(*again == *m);
    require(ike::wire::encode(*again) == bytes);

    if (!m->payloads.empty())
        if (const auto* sk = std::get_if<ike::wire::Encrypted>(&m->payloads.back())) check_inner(m->header, *sk);
    (void)ike::wire::check_exchange(m->header, m->payloads);
    require(!ikedump::render(*m).empty());
    return 0;
}
