// Key export for Wireshark (see ike/keylog.hpp).
#include "sa/tasks.hpp"

namespace ike::sa {

void export_ike_keys(Context& ctx, const IkeSa& sa) {
    if (!ctx.config.export_keys || !sa.keys) return;
    IkeKeysExported e;
    e.ike = sa.id;
    for (int i = 0; i < 8; ++i) {
        e.spi_i[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sa.spi_i >> (56 - 8 * i));
        e.spi_r[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sa.spi_r >> (56 - 8 * i));
    }
    e.suite = sa.suite;
    const auto copy = [](auto& secret) { return crypto::SecureBytes(secret.bytes().begin(), secret.bytes().end()); };
    e.sk_ei = copy(sa.keys->sk_ei);
    e.sk_er = copy(sa.keys->sk_er);
    e.sk_ai = copy(sa.keys->sk_ai);
    e.sk_ar = copy(sa.keys->sk_ar);
    ctx.emit(std::move(e));
}

}  // namespace ike::sa
