// format.hpp: meshctl's tables.
#include "format.hpp"

#include <algorithm>
#include <cstdio>

namespace meshctl {

using nlohmann::json;

std::string bytes(std::uint64_t n) {
    static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    if (n < 1024) return std::to_string(n) + " B";
    double v = static_cast<double>(n) / 1024;
    std::size_t u = 0;
    while (v >= 1024 && u + 1 < std::size(units)) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

std::string duration(std::int64_t s) {
    const char* sign = s < 0 ? "-" : "";
    if (s < 0) s = -s;
    char buf[48];
    const auto d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
    if (d > 0) std::snprintf(buf, sizeof buf, "%s%lldd%02lldh", sign, static_cast<long long>(d), static_cast<long long>(h));
    else if (h > 0) std::snprintf(buf, sizeof buf, "%s%lldh%02lldm", sign, static_cast<long long>(h), static_cast<long long>(m));
    else if (m > 0) std::snprintf(buf, sizeof buf, "%s%lldm%02llds", sign, static_cast<long long>(m), static_cast<long long>(sec));
    else std::snprintf(buf, sizeof buf, "%s%llds", sign, static_cast<long long>(sec));
    return buf;
}

std::string duration_or_dash(const json& s) { return s.is_number_integer() ? duration(s.get<std::int64_t>()) : "-"; }

std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(header.size());
    for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
    std::string out;
    const auto line = [&](const std::vector<std::string>& cells) {
        std::string l;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            l += cells[i];
            if (i + 1 < cells.size()) l += std::string(width[i] - cells[i].size() + 2, ' ');
        }
        while (!l.empty() && l.back() == ' ') l.pop_back();
        out += l + "\n";
    };
    line(header);
    for (const auto& r : rows) line(r);
    return out;
}

namespace {

std::string join(const json& a, const char* sep = ",") {
    std::string out;
    if (!a.is_array()) return "-";
    for (const auto& v : a) {
        if (!out.empty()) out += sep;
        out += v.is_string() ? v.get<std::string>() : v.dump();
    }
    return out.empty() ? "-" : out;
}

std::string str(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return "-";
    return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string dated(const json& when, const json& in) {
    if (!when.is_string()) return "-";
    const auto left = in.is_number_integer() ? in.get<std::int64_t>() : 0;
    return when.get<std::string>() + (left >= 0 ? " (in " + duration(left) + ")" : " (" + duration(-left) + " ago)");
}

std::string traffic(const json& sa) {
    if (!sa.value("in_kernel", false)) return "not in kernel";
    return bytes(sa.value("bytes", std::uint64_t{0})) + " " + std::to_string(sa.value("packets", std::uint64_t{0})) + " pkts";
}

std::string peers_table(const json& r) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : r.value("peers", json::array())) {
        std::string state = str(p, "state");
        if (p.value("failures", 0) > 0) state += " (" + std::to_string(p.value("failures", 0)) + " failures, retry in " +
                                                 duration_or_dash(p.value("retry_in", json())) + ")";
        rows.push_back({str(p, "name"), join(p.value("endpoints", json::array())), join(p.value("subnets", json::array())),
                        state});
    }
    return table({"PEER", "ENDPOINT", "SUBNETS", "STATE"}, rows);
}

std::string ike_table(const json& r) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& i : r.value("ike_sas", json::array()))
        rows.push_back({str(i, "peer"), str(i, "state"), str(i, "role"), str(i, "spi_i") + "/" + str(i, "spi_r"),
                        str(i, "remote"), duration_or_dash(i.value("age", json())),
                        duration_or_dash(i.value("next_rekey", json())), str(i, "algorithms")});
    return table({"PEER", "STATE", "ROLE", "SPI_I/SPI_R", "REMOTE", "AGE", "REKEY IN", "ALGORITHMS"}, rows);
}

std::string child_table(const json& r) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : r.value("child_sas", json::array())) {
        const auto in = c.value("in", json::object()), out = c.value("out", json::object());
        rows.push_back({str(c, "peer"), str(in, "spi") + "/" + str(out, "spi"),
                        join(c.value("local_ts", json::array())) + " <-> " + join(c.value("remote_ts", json::array())),
                        traffic(in), traffic(out), duration_or_dash(c.value("age", json())),
                        duration_or_dash(c.value("idle", json())), duration_or_dash(c.value("next_rekey", json())),
                        str(c, "algorithms")});
    }
    return table({"PEER", "SPI IN/OUT", "SELECTORS", "IN", "OUT", "AGE", "IDLE", "REKEY IN", "ALGORITHMS"}, rows);
}

}  // namespace

std::string peers_text(const json& r) { return peers_table(r); }

std::string sas_text(const json& r) {
    return "IKE SAs\n" + ike_table(r) + "\nchild SAs\n" + child_table(r);
}

std::string status_text(const json& s) {
    std::string out;
    const auto& cert = s.value("certificate", json::object());
    const auto& crl = s.value("crl", json::object());
    const auto& dir = s.value("directory", json::object());
    std::vector<std::vector<std::string>> head;
    head.push_back({"node", str(s, "name") + "  (meshd " + str(s, "version") + ", log level " + str(s, "log_level") + ")"});
    head.push_back({"certificate", "expires " + dated(cert.value("not_after", json()), cert.value("expires_in", json()))});
    head.push_back({"CRL", crl.value("next_update", json()).is_string()
                               ? "number " + str(crl, "crl_number") + ", next update " +
                                     dated(crl.value("next_update", json()), crl.value("expires_in", json()))
                               : (crl.value("crl_number", 0) > 0 ? "number " + str(crl, "crl_number") : "none")});
    head.push_back({"directory", "serial " + str(dir, "serial") + ", loaded " + duration_or_dash(dir.value("age", json())) +
                                     " ago, expires " + dated(dir.value("expires", json()), dir.value("expires_in", json()))});
    const auto& c = s.value("counters", json::object());
    const auto& st = s.value("state", json::object());
    head.push_back({"IKE", std::to_string(st.value("ike_sas", 0)) + " IKE SAs (" + std::to_string(st.value("half_open", 0)) +
                               " half-open), " + std::to_string(st.value("child_sas", 0)) + " child SAs; since start: " +
                               str(c, "ike_sas_up") + " IKE SAs and " + str(c, "child_sas_up") + " child SAs up, " +
                               str(c, "datagrams_in") + " datagrams in, " + str(c, "datagrams_out") + " out, " +
                               str(c, "retransmits") + " retransmits, " + str(c, "auth_failures") + " auth failures"});
    std::string t = table({"", ""}, head);
    out += t.substr(t.find('\n') + 1);  // no header line
    for (const auto& w : s.value("warnings", json::array())) out += "WARNING: " + w.get<std::string>() + "\n";
    out += "\n" + peers_table(s) + "\nIKE SAs\n" + ike_table(s) + "\nchild SAs\n" + child_table(s);
    return out;
}

}  // namespace meshctl
