// status.hpp: the control socket's JSON, built from plain values (no I/O, `now` passed in).
#include "status.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "convert.hpp"
#include "xfrm/format.hpp"

namespace meshd {

using nlohmann::json;

std::string iso8601(ike::Time t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string hex_spi(std::uint32_t spi) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", spi);
    return buf;
}

namespace {

std::string hex64(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

std::int64_t seconds(ike::Time from, ike::Time to) {
    return std::chrono::duration_cast<std::chrono::seconds>(to - from).count();
}

// "3d4h", "5h12m", "7m3s", "42s": the warning lines' durations.
std::string span(std::int64_t s) {
    if (s < 0) s = -s;
    const auto d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
    if (d > 0) return std::to_string(d) + "d" + std::to_string(h) + "h";
    if (h > 0) return std::to_string(h) + "h" + std::to_string(m) + "m";
    if (m > 0) return std::to_string(m) + "m" + std::to_string(sec) + "s";
    return std::to_string(sec) + "s";
}

json time_or_null(const std::optional<ike::Time>& t) { return t ? json(iso8601(*t)) : json(nullptr); }
json in_or_null(const std::optional<ike::Time>& t, ike::Time now) { return t ? json(seconds(now, *t)) : json(nullptr); }

json selectors_json(const ike::TrafficSelectors& ts) {
    json a = json::array();
    for (const auto& t : ts) a.push_back(subnet_text(t));
    return a;
}

json counters_json(const ike::Counters& c) {
    return json{{"datagrams_in", c.datagrams_in}, {"datagrams_out", c.datagrams_out}, {"retransmits", c.retransmits},
                {"decode_errors", c.decode_errors}, {"integrity_failures", c.integrity_failures},
                {"invalid_spi", c.invalid_spi}, {"protected_decode_errors", c.protected_decode_errors},
                {"half_open_dropped", c.half_open_dropped}, {"cookies_sent", c.cookies_sent},
                {"auth_failures", c.auth_failures}, {"ike_sas_up", c.ike_sas_up}, {"child_sas_up", c.child_sas_up},
                {"invalid_spi_notifies", c.invalid_spi_notifies}, {"dropped_out_of_window", c.dropped_out_of_window},
                {"duplicate_requests", c.duplicate_requests},
                {"half_open_dropped_per_source", c.half_open_dropped_per_source},
                {"cookies_rejected", c.cookies_rejected}, {"key_exchanges", c.key_exchanges},
                {"fragments_sent", c.fragments_sent}, {"fragments_received", c.fragments_received},
                {"fragments_dropped", c.fragments_dropped}, {"messages_reassembled", c.messages_reassembled},
                {"crls_expired", c.crls_expired}, {"fragment_fallbacks", c.fragment_fallbacks},
                {"reassembly_timeouts", c.reassembly_timeouts}, {"reassembly_evictions", c.reassembly_evictions}};
}

json peers_array(const StatusInput& in) {
    json a = json::array();
    for (const auto& p : in.snapshot.peers) {
        json endpoints = json::array();
        for (const auto& e : p.peer.endpoints) endpoints.push_back(e.to_string());
        a.push_back({{"name", p.peer.name}, {"endpoints", endpoints}, {"subnets", selectors_json(p.peer.subnets)},
                     {"state", peer_state(in.snapshot, p)}, {"listed", p.listed}, {"held", p.held},
                     {"reqid", p.reqid}, {"traps", p.traps}, {"failures", p.failures},
                     {"retry_in", p.retry_at && *p.retry_at > in.now ? json(seconds(in.now, *p.retry_at)) : json(nullptr)}});
    }
    return a;
}

std::string kernel_algorithm(const xfrm::Transform& t) {
    if (const auto* a = std::get_if<xfrm::Aead>(&t)) return a->name;
    if (const auto* c = std::get_if<xfrm::CryptAuth>(&t)) return c->crypt_name + " " + c->auth_name;
    return "?";
}

json sa_json(const xfrm::Sa& sa, const StatusInput& in) {
    json j{{"spi", hex_spi(sa.spi)}, {"src", sa.src.to_string()}, {"dst", sa.dst.to_string()},
           {"kernel_algorithm", kernel_algorithm(sa.transform)}, {"encap", sa.encap.has_value()}};
    const auto it = in.kernel.find({sa.dst.to_string(), sa.spi});
    if (it == in.kernel.end()) {
        j["in_kernel"] = false;
        j["bytes"] = j["packets"] = nullptr;
        j["idle"] = nullptr;
        return j;
    }
    const auto& c = it->second;
    j["in_kernel"] = true;
    j["bytes"] = c.bytes;
    j["packets"] = c.packets;
    // The kernel's add_time and use_time are UNIX seconds; use_time is the first use only (the
    // kernel never updates it), so idle time comes from Node's checks (child "idle").
    j["add_time"] = c.add_time;
    j["use_time"] = c.use_time;
    j["unused"] = c.use_time == 0;
    return j;
}

json ike_array(const StatusInput& in) {
    json a = json::array();
    for (const auto& i : in.snapshot.ikes) {
        const auto& s = i.sa;
        json children = json::array();
        for (const auto& c : s.children) children.push_back(c.id.value);
        a.push_back({{"id", s.id.value}, {"peer", i.peer}, {"state", s.state},
                     {"role", s.initiator ? "initiator" : "responder"}, {"spi_i", hex64(s.spi_i)},
                     {"spi_r", hex64(s.spi_r)}, {"local", s.local.to_string()}, {"remote", s.remote.to_string()},
                     {"algorithms", ike::ike_suite_name(s.suite)},
                     {"nat", {{"local_behind_nat", s.nat_local}, {"peer_behind_nat", s.nat_peer}}},
                     {"established", time_or_null(i.up_since)},
                     {"age", i.up_since ? json(seconds(*i.up_since, in.now)) : json(nullptr)},
                     {"next_rekey", in_or_null(s.rekey_at, in.now)}, {"children", children}});
    }
    return a;
}

json child_array(const StatusInput& in) {
    json a = json::array();
    for (const auto& c : in.snapshot.children) {
        json policies = json::array();
        for (const auto& p : c.policies) {
            const auto& sel = p.selector;
            policies.push_back({{"dir", xfrm::to_string(p.dir)},
                                {"src", sel.src.to_string() + "/" + std::to_string(sel.src_prefix)},
                                {"dst", sel.dst.to_string() + "/" + std::to_string(sel.dst_prefix)},
                                {"priority", p.priority}});
        }
        const auto idle = std::max<std::int64_t>(0, seconds(c.last_active, in.now));
        a.push_back({{"id", c.id.value}, {"ike", c.ike.value}, {"peer", c.peer}, {"reqid", c.reqid},
                     {"algorithms", c.algorithms}, {"local_ts", selectors_json(c.local_ts)},
                     {"remote_ts", selectors_json(c.remote_ts)}, {"in", sa_json(c.in, in)},
                     {"out", sa_json(c.out, in)}, {"policies", policies},
                     {"installed", iso8601(c.installed_at)}, {"age", seconds(c.installed_at, in.now)},
                     {"idle", idle}, {"next_rekey", in_or_null(c.next_rekey, in.now)},
                     {"deleting", c.deleting}});
    }
    return a;
}

}  // namespace

std::vector<std::string> expiry_warnings(const TrustDates& d, ike::Time now, std::chrono::seconds window) {
    std::vector<std::string> out;
    const auto check = [&](const char* what, const char* verb, const std::optional<ike::Time>& t) {
        if (!t) return;
        const auto left = seconds(now, *t);
        if (left <= 0)
            out.push_back(std::string(what) + " expired " + span(left) + " ago (" + iso8601(*t) + ")");
        else if (left <= window.count())
            out.push_back(std::string(what) + " " + verb + " in " + span(left) + " (" + iso8601(*t) + ")");
    };
    check("certificate", "expires", d.certificate_not_after);
    check("CRL", "expires (nextUpdate)", d.crl_next_update);
    check("directory", "expires", d.directory_expires);
    return out;
}

nlohmann::json peers_json(const StatusInput& in) {
    return {{"name", in.snapshot.name}, {"peers", peers_array(in)}};
}

nlohmann::json sas_json(const StatusInput& in) {
    return {{"name", in.snapshot.name}, {"ike_sas", ike_array(in)}, {"child_sas", child_array(in)}};
}

nlohmann::json status_json(const StatusInput& in) {
    const auto& d = in.dates;
    json j{{"name", in.snapshot.name}, {"version", in.version}, {"time", iso8601(in.now)},
           {"log_level", in.log_level}, {"stopping", in.snapshot.stopping}};
    j["certificate"] = {{"not_after", time_or_null(d.certificate_not_after)},
                        {"expires_in", in_or_null(d.certificate_not_after, in.now)}};
    j["crl"] = {{"crl_number", d.crl_number}, {"next_update", time_or_null(d.crl_next_update)},
                {"expires_in", in_or_null(d.crl_next_update, in.now)}};
    j["directory"] = {{"serial", d.directory_serial}, {"expires", time_or_null(d.directory_expires)},
                      {"expires_in", in_or_null(d.directory_expires, in.now)},
                      {"loaded", time_or_null(d.directory_loaded)},
                      {"age", d.directory_loaded ? json(seconds(*d.directory_loaded, in.now)) : json(nullptr)}};
    j["warnings"] = expiry_warnings(d, in.now);
    j["counters"] = counters_json(in.snapshot.counters);
    j["state"] = {{"ike_sas", in.snapshot.state.ike_sas}, {"half_open", in.snapshot.state.half_open},
                  {"child_sas", in.snapshot.state.child_sas}};
    j["peers"] = peers_array(in);
    j["ike_sas"] = ike_array(in);
    j["child_sas"] = child_array(in);
    return j;
}

ike::Expected<Request, RequestError> parse_request(std::string_view line) {
    const auto fail = [](std::string e, std::string m) { return ike::unexpected(RequestError{std::move(e), std::move(m)}); };
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return fail("malformed", "not a JSON object");
    if (!j.is_object()) return fail("malformed", "not a JSON object");
    Request r;
    if (j.contains("id")) r.id = j["id"];
    const auto cmd = j.find("command");
    if (cmd == j.end() || !cmd->is_string()) return fail("malformed", "\"command\" (a string) is missing");
    const auto& c = cmd->get_ref<const std::string&>();
    const auto string_field = [&](const char* name, std::string& out) -> bool {
        const auto f = j.find(name);
        if (f == j.end() || !f->is_string() || f->get_ref<const std::string&>().empty()) return false;
        out = f->get<std::string>();
        return true;
    };
    if (c == "status") r.command = Command::status;
    else if (c == "peers") r.command = Command::peers;
    else if (c == "sas") r.command = Command::sas;
    else if (c == "reload") r.command = Command::reload;
    else if (c == "version") r.command = Command::version;
    else if (c == "up" || c == "down") {
        r.command = c == "up" ? Command::up : Command::down;
        if (!string_field("peer", r.peer)) return fail("malformed", "\"" + c + "\" needs \"peer\" (a node name)");
        if (const auto h = j.find("hold"); h != j.end()) {
            if (!h->is_boolean() || r.command != Command::down) return fail("malformed", "\"hold\" is a boolean of \"down\"");
            r.hold = h->get<bool>();
        }
    } else if (c == "log-level") {
        r.command = Command::log_level;
        if (!string_field("level", r.level)) return fail("malformed", "\"log-level\" needs \"level\"");
        static constexpr const char* levels[] = {"debug", "info", "notice", "warning", "error"};
        if (std::none_of(std::begin(levels), std::end(levels), [&](const char* l) { return r.level == l; }))
            return fail("malformed", "level must be debug, info, notice, warning or error");
    } else {
        return fail("unknown-command", "unknown command \"" + c.substr(0, 64) + "\"");
    }
    return r;
}

std::string reply_ok(const nlohmann::json& result, const nlohmann::json& id) {
    json j{{"ok", true}, {"result", result}};
    if (!id.is_null()) j["id"] = id;
    return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string reply_error(const std::string& error, const std::string& message, const nlohmann::json& id) {
    json j{{"ok", false}, {"error", error}, {"message", message}};
    if (!id.is_null()) j["id"] = id;
    return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace meshd
