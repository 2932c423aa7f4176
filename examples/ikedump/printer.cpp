// The text rendering of every payload for ikedump. Enum values print as "NAME (number)";
// binary fields print as wrapped hex; addresses as dotted quads / RFC 5952-ish IPv6.
#include "printer.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "wire/exchange_table.hpp"
#include "wire/format.hpp"

namespace ikedump {
namespace {

using namespace ike::wire;

// "NAME (number)", or "unknown (number)" for a value no RFC we know of names.
template <typename E>
std::string named(E e) {
    const auto n = static_cast<unsigned>(raw(e));
    if (to_string(e).empty()) return fmt::format("unknown ({})", n);
    return fmt::format("{} ({})", e, n);
}

std::string address(const Bytes& a) {
    if (a.size() == 4) return fmt::format("{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
    if (a.size() != 16) return fmt::format("<{} bytes>", a.size());
    std::string out;
    for (std::size_t i = 0; i < 16; i += 2) {
        if (i) out += ':';
        out += fmt::format("{:x}", (a[i] << 8) | a[i + 1]);
    }
    return out;
}

bool printable(const Bytes& b) {
    if (b.empty()) return false;
    for (const auto c : b)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

class Printer {
public:
    // indent: levels added to every line (for the inner payloads of a decrypted SK payload).
    explicit Printer(int indent = 0) : m_indent(indent) {}

    std::string take() { return std::move(m_out); }

    template <typename... A>
    void line(int depth, fmt::format_string<A...> f, A&&... args) {
        m_out.append(static_cast<std::size_t>(m_indent + depth) * 2, ' ');
        m_out += fmt::format(f, std::forward<A>(args)...);
        m_out += '\n';
    }

    // "Label (N bytes):" then 16 bytes per line, in 4-byte groups.
    void hex(int depth, std::string_view label, const Bytes& b) {
        if (b.empty()) {
            line(depth, "{}: (empty)", label);
            return;
        }
        line(depth, "{} ({} bytes):", label, b.size());
        for (std::size_t i = 0; i < b.size(); i += 16) {
            std::string row;
            for (std::size_t j = i; j < b.size() && j < i + 16; ++j) {
                if (j != i && j % 4 == 0) row += ' ';
                row += fmt::format("{:02x}", b[j]);
            }
            line(depth + 1, "{}", row);
        }
    }

    void header(const Header& h, PayloadType first, std::size_t length) {
        line(0, "IKE header");
        line(1, "Initiator SPI: {:016x}", h.spi_i);
        line(1, "Responder SPI: {:016x}", h.spi_r);
        line(1, "Next Payload: {}", named(first));
        line(1, "Version: {}.{}", h.major_version, h.minor_version);
        line(1, "Exchange Type: {}", named(h.exchange));
        std::string flags;
        if (h.initiator) flags += " Initiator";
        if (h.version) flags += " Version";
        if (h.response) flags += " Response";
        line(1, "Flags:{}", flags.empty() ? " (none)" : flags);
        line(1, "Message ID: {}", h.message_id);
        line(1, "Length: {}", length);
    }

    void payload(std::size_t index, const Payload& p) {
        line(0, "Payload {}: {}{}", index, named(payload_type(p)), is_critical(p) ? " [critical]" : "");
        std::visit([this](const auto& x) { body(x); }, p);
    }

private:
    void body(const SecurityAssociation& sa) {
        for (const auto& p : sa.proposals) {
            line(1, "Proposal {}: Protocol {}, {} transform(s)", p.number, named(p.protocol),
                 p.transforms.size());
            if (!p.spi.empty()) line(2, "SPI: {:02x}", fmt::join(p.spi, ""));
            for (const auto& t : p.transforms) transform(t);
        }
    }

    void transform(const Transform& t) {
        std::string text = fmt::format("Transform {}: ", t.type);
        const auto name = transform_id_name(t.type, t.id);
        text += fmt::format("{} ({})", name.empty() ? "unknown" : name, t.id);
        for (const auto& a : t.attributes) {
            if (const auto* v = std::get_if<std::uint16_t>(&a.value))
                text += fmt::format(", {} {}", a.type, *v);
            else
                text += fmt::format(", attribute {} ({:02x})", a.type, fmt::join(std::get<Bytes>(a.value), ""));
        }
        line(2, "{}", text);
    }

    void body(const KeyExchange& ke) {
        line(1, "Key Exchange Method: {}", named(ke.group));
        hex(1, "Key Exchange Data", ke.data);
    }

    void body(const Identification& id) {
        line(1, "ID Type: {}", named(id.type));
        switch (id.type) {
            case IdType::ipv4_addr:
            case IdType::ipv6_addr: line(1, "Identification: {}", address(id.data)); return;
            case IdType::fqdn:
            case IdType::rfc822_addr:
                if (printable(id.data)) {
                    line(1, "Identification: {}", std::string(id.data.begin(), id.data.end()));
                    return;
                }
                break;
            case IdType::der_asn1_dn:
            case IdType::der_asn1_gn:
            case IdType::key_id:
            case IdType::null: break;
        }
        hex(1, "Identification Data", id.data);
    }

    void body(const Certificate& c) {
        line(1, "Cert Encoding: {}", named(c.encoding));
        hex(1, "Certificate Data", c.data);
    }

    void body(const CertificateRequest& c) {
        line(1, "Cert Encoding: {}", named(c.encoding));
        if (c.authorities.empty()) line(1, "Certification Authority: (none)");
        for (const auto& h : c.authorities) line(1, "CA key hash: {:02x}", fmt::join(h, ""));
    }

    void body(const Authentication& a) {
        line(1, "Auth Method: {}", named(a.method));
        hex(1, "Authentication Data", a.data);
    }

    void body(const NoncePayload& n) { hex(1, "Nonce Data", n.nonce.bytes()); }

    void body(const Notify& n) {
        line(1, "Notify Message Type: {}{}", named(n.type), is_error(n.type) ? " [error]" : "");
        if (n.protocol != ProtocolId::none || !n.spi.empty())
            line(1, "Protocol ID: {}", named(n.protocol));
        if (!n.spi.empty()) line(1, "SPI: {:02x}", fmt::join(n.spi, ""));
        if (n.type == NotifyType::invalid_ke_payload && n.data.size() == 2) {
            line(1, "Accepted group: {}", named(static_cast<KeGroup>(n.data[0] << 8 | n.data[1])));
        } else if (n.type == NotifyType::signature_hash_algorithms) {
            for (std::size_t i = 0; i + 1 < n.data.size(); i += 2)
                line(1, "Hash Algorithm: {}", named(static_cast<HashAlgorithm>(n.data[i] << 8 | n.data[i + 1])));
        } else if (n.type == NotifyType::unsupported_critical_payload && n.data.size() == 1) {
            line(1, "Payload type: {}", named(static_cast<PayloadType>(n.data[0])));
        } else if (!n.data.empty()) {
            hex(1, "Notification Data", n.data);
        }
    }

    void body(const Delete& d) {
        line(1, "Protocol ID: {}", named(d.protocol));
        line(1, "# of SPIs: {}", d.spis.size());
        for (const auto spi : d.spis) line(2, "SPI: {:08x}", spi);
    }

    void body(const VendorId& v) {
        if (printable(v.id)) line(1, "Vendor ID: \"{}\"", std::string(v.id.begin(), v.id.end()));
        hex(1, "Vendor ID Data", v.id);
    }

    void body(const TrafficSelectors& ts) {
        line(1, "Number of TSs: {}", ts.selectors.size());
        for (const auto& s : ts.selectors) {
            line(2, "{}: {} - {}, IP Protocol {}, ports {}-{}", s.type, address(s.start_address),
                 address(s.end_address), s.ip_protocol, s.start_port, s.end_port);
        }
    }

    void body(const Encrypted& sk) {
        line(1, "First inner payload: {}", named(sk.first_inner));
        hex(1, "IV, encrypted payloads, ICV", sk.body);
    }

    void body(const EncryptedFragment& f) {
        line(1, "Fragment {} of {}", f.number, f.total);
        if (f.number == 1) line(1, "First inner payload: {}", named(f.first_inner));
        hex(1, "IV, encrypted fragment, ICV", f.body);
    }

    void body(const Configuration& cp) {
        line(1, "CFG Type: {}", named(cp.type));
        for (const auto& a : cp.attributes) {
            if (a.value.empty()) {
                line(2, "{} (empty)", named(a.type));
            } else if (a.value.size() == 4 || a.value.size() == 16) {
                line(2, "{}: {}", named(a.type), address(a.value));
            } else if (a.value.size() == 8 || a.value.size() == 17) {
                const std::size_t n = a.value.size() == 8 ? 4 : 16;
                const Bytes addr(a.value.begin(), a.value.begin() + static_cast<std::ptrdiff_t>(n));
                const Bytes rest(a.value.begin() + static_cast<std::ptrdiff_t>(n), a.value.end());
                line(2, "{}: {} / {}", named(a.type), address(addr),
                     rest.size() == 1 ? fmt::format("{}", rest[0]) : address(rest));
            } else {
                hex(2, fmt::format("{}", named(a.type)), a.value);
            }
        }
    }

    void body(const Eap& e) {
        line(1, "EAP Code: {}, Identifier: {}, Length: {}", e.message[0], e.message[1], e.message.size());
        if (e.message.size() > 4) line(1, "EAP Type: {}", e.message[4]);
        hex(1, "EAP Message", e.message);
    }

    void body(const UnknownPayload& u) { hex(1, "Payload Data (not interpreted)", u.body); }

    int m_indent = 0;
    std::string m_out;
};

}  // namespace

std::string render_outer(const Message& m) {
    Printer p;
    p.header(m.header, m.payloads.empty() ? PayloadType::none : payload_type(m.payloads[0]),
             encode(m).size());
    for (std::size_t i = 0; i < m.payloads.size(); ++i) p.payload(i + 1, m.payloads[i]);
    return p.take();
}

std::string render_payloads(const std::vector<Payload>& payloads, int indent) {
    Printer p(indent);
    for (std::size_t i = 0; i < payloads.size(); ++i) p.payload(i + 1, payloads[i]);
    return p.take();
}

std::string render_rules(const Message& m, const std::vector<Payload>& inner) {
    Printer p;
    if (auto ok = check_exchange(m.header, m.payloads, inner); ok) {
        p.line(0, "Exchange rules (RFC 7296 1.2-1.4): ok");
    } else {
        p.line(0, "Exchange rules (RFC 7296 1.2-1.4): {}: {} ({})", describe(ok.error().rule),
               named(ok.error().payload), ok.error().form);
    }
    return p.take();
}

std::string render_hex(std::string_view label, const Bytes& bytes, int indent) {
    Printer p(indent);
    p.hex(0, label, bytes);
    return p.take();
}

bool is_encrypted(const Message& m) {
    return !m.payloads.empty() && (std::holds_alternative<Encrypted>(m.payloads.back()) ||
                                   std::holds_alternative<EncryptedFragment>(m.payloads.back()));
}

std::string render(const Message& m) {
    if (is_encrypted(m)) return render_outer(m) + "(SK contents not shown: decrypting needs the keys)\n";
    return render_outer(m) + render_rules(m, {});
}

std::string render_error(const DecodeError& e) {
    std::string s = fmt::format("decode error at offset {}: {}", e.offset, e.what());
    if (e.payload != PayloadType::none) s += fmt::format(" (in {})", named(e.payload));
    if (e.reaction == Reaction::drop) {
        s += "; the message is dropped";
    } else {
        s += fmt::format("; the answer is notify {}", named(e.notify));
        if (e.notify == NotifyType::unsupported_critical_payload) s += fmt::format(" with data {}", e.notify_data);
    }
    return s;
}

}  // namespace ikedump
