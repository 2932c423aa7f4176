// meshctl's answers without a socket (docs/control.md): request parsing and refusals, the
// status JSON against the Node's and the fake kernel's state, up / down / down --hold, expiry
// warnings, and libike's read-only SA view (ike/sa_info.hpp).
#include <catch2/catch.hpp>

#include "mesh.hpp"
#include "status.hpp"

using namespace meshd;
using namespace meshd::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json status_of(Mesh& m, int n, const KernelCounters& kernel = {}, const TrustDates& dates = {}) {
    const auto snap = m.site(n).node->snapshot();
    return status_json(StatusInput{snap, kernel, dates, "0.1.0", "info", m.now});
}

const json* peer_in(const json& s, int n) {
    for (const auto& p : s["peers"])
        if (p["name"] == name(n)) return &p;
    return nullptr;
}

KernelCounters counters_of(const FakeKernel& k, std::uint64_t bytes) {
    KernelCounters out;
    for (const auto& s : k.sas) out[{s.sa.dst.to_string(), s.sa.spi}] = xfrm::Counters{bytes, bytes / 100, 1, 2};
    return out;
}

}  // namespace

TEST_CASE("control requests: every command parses - malformed, unknown and oversized ones are refused with a reason", "[meshd][unit][control]") {
    CHECK(parse_request(R"({"command":"status"})")->command == Command::status);
    CHECK(parse_request(R"({"command":"peers"})")->command == Command::peers);
    CHECK(parse_request(R"({"command":"sas","id":7})")->id == 7);
    const auto down = parse_request(R"({"command":"down","peer":"fl.mesh.example","hold":true})");
    REQUIRE(down);
    CHECK((down->command == Command::down && down->peer == "fl.mesh.example" && down->hold && down->changes()));
    CHECK(parse_request(R"({"command":"up","peer":"x"})")->changes());
    CHECK(parse_request(R"({"command":"reload"})")->changes());
    CHECK(parse_request(R"({"command":"log-level","level":"debug"})")->level == "debug");
    CHECK(!parse_request(R"({"command":"version"})")->changes());
    CHECK(!parse_request(R"({"command":"status"})")->changes());
    for (const char* bad : {"", "garbage", "[1,2]", "{\"command\":3}", "{\"command\":\"up\"}", "{\"command\":\"up\",\"peer\":\"\"}",
                            "{\"command\":\"up\",\"peer\":\"x\",\"hold\":true}", "{\"command\":\"down\",\"peer\":\"x\",\"hold\":1}",
                            "{\"command\":\"log-level\",\"level\":\"loud\"}", "{\"command\":\"status\"", "\xff\xfe{}"}) {
        INFO(bad);
        const auto r = parse_request(bad);
        REQUIRE(!r);
        CHECK(r.error().error == "malformed");
    }
    CHECK(parse_request(R"({"command":"rm -rf"})").error().error == "unknown-command");
    const auto e = json::parse(reply_error("refused", "unknown peer x", 3));
    CHECK((e["ok"] == false && e["error"] == "refused" && e["id"] == 3));
    const std::string ok = reply_ok({{"a", 1}});
    CHECK(ok.back() == '\n');
    CHECK(ok.find('\n') == ok.size() - 1);  // one line
}

TEST_CASE("status JSON: peers, IKE SA (SPIs, algorithms, rekey) and child SAs match the Node and the kernel", "[meshd][unit][control]") {
    Mesh m;
    m.full(3);
    {
        const auto s = status_of(m, 1);
        CHECK(s["name"] == name(1));
        REQUIRE(s["peers"].size() == 2);
        CHECK((*peer_in(s, 2))["state"] == "trap");
        CHECK((*peer_in(s, 2))["endpoints"] == json::array({"192.0.2.2"}));
        CHECK((*peer_in(s, 2))["subnets"] == json::array({"10.0.2.0/24"}));
        CHECK(s["ike_sas"].empty());
        CHECK(s["child_sas"].empty());
    }
    m.acquire(1, 2);
    CHECK((*peer_in(status_of(m, 1), 2))["state"] == "negotiating");
    REQUIRE(m.run_until([&] { return m.tunnel_up(1, 2); }, 10s));
    m.run_for(3s);
    const auto& k = *m.site(1).kernel;
    const auto s = status_of(m, 1, counters_of(k, 123456));
    CHECK((*peer_in(s, 2))["state"] == "up");
    CHECK((*peer_in(s, 3))["state"] == "trap");
    REQUIRE(s["ike_sas"].size() == 1);
    const auto& ike = s["ike_sas"][0];
    CHECK(ike["peer"] == name(2));
    CHECK(ike["state"] == "established");
    CHECK(ike["role"] == "initiator");
    CHECK(ike["spi_i"].get<std::string>().size() == 16);
    CHECK(ike["spi_i"] != "0000000000000000");
    CHECK(ike["spi_r"] != "0000000000000000");
    CHECK(ike["age"] == 3);
    CHECK(ike["next_rekey"].get<std::int64_t>() > 0);
    CHECK(ike["algorithms"].get<std::string>().find("AES-GCM") != std::string::npos);
    // The responder's view of the same IKE SA: the same SPIs.
    const auto s2 = status_of(m, 2);
    REQUIRE(s2["ike_sas"].size() == 1);
    CHECK(s2["ike_sas"][0]["spi_i"] == ike["spi_i"]);
    CHECK(s2["ike_sas"][0]["spi_r"] == ike["spi_r"]);
    CHECK(s2["ike_sas"][0]["role"] == "responder");
    REQUIRE(s["child_sas"].size() == 1);
    const auto& c = s["child_sas"][0];
    const auto tunnels = m.site(1).node->tunnels();
    REQUIRE(tunnels.size() == 1);
    CHECK(c["in"]["spi"] == hex_spi(tunnels[0].inbound_spi));
    CHECK(c["out"]["spi"] == hex_spi(tunnels[0].outbound_spi));
    CHECK(c["in"]["src"] == "192.0.2.2");
    CHECK(c["in"]["dst"] == "192.0.2.1");
    CHECK(c["in"]["kernel_algorithm"] == "rfc4106(gcm(aes))");
    CHECK(c["in"]["bytes"] == 123456);
    CHECK(c["out"]["packets"] == 1234);
    CHECK(c["local_ts"] == json::array({"10.0.1.0/24"}));
    CHECK(c["remote_ts"] == json::array({"10.0.2.0/24"}));
    CHECK(c["algorithms"] == "ESP AES-GCM-256 ESN");
    CHECK(c["ike"] == ike["id"]);
    CHECK(ike["children"] == json::array({c["id"]}));
    CHECK(c["age"] == 3);
    CHECK(c["next_rekey"].get<std::int64_t>() > 0);
    CHECK(c["next_rekey"].get<std::int64_t>() <= 3600);
    CHECK(c["policies"].size() == 3);  // in, fwd, out
    CHECK(c["reqid"] == (*peer_in(s, 2))["reqid"]);
    // The other side sees the peer's SPIs crosswise.
    CHECK(s2["child_sas"][0]["in"]["spi"] == c["out"]["spi"]);
    // Without kernel counters, the SA is reported as missing rather than as zero traffic.
    CHECK(status_of(m, 1)["child_sas"][0]["in"]["in_kernel"] == false);
    CHECK(s["counters"]["ike_sas_up"] == 1);
    CHECK(s["state"]["child_sas"] == 1);
}

TEST_CASE("down deletes the peer's SAs and keeps the trap - --hold ignores ACQUIREs until up - up needs no packet", "[meshd][unit][control]") {
    Mesh m;
    m.full(2);
    auto& a = *m.site(1).node;
    CHECK(a.down("nobody.mesh", false, m.now).error().kind == CommandRefusal::Kind::unknown_peer);
    CHECK(a.up("nobody.mesh", m.now).error().kind == CommandRefusal::Kind::unknown_peer);
    m.acquire(1, 2);
    REQUIRE(m.run_until([&] { return m.tunnel_up(1, 2); }, 10s));
    const auto traps = m.site(1).kernel->policies_of(xfrm::Direction::out).size();
    REQUIRE(a.down(name(2), false, m.now));
    REQUIRE(m.run_until([&] { return a.tunnels().empty() && m.site(2).node->tunnels().empty(); }, 10s));
    CHECK(m.site(1).kernel->sas_between(xwan(1), xwan(2)).empty());
    CHECK(m.site(1).kernel->policies_of(xfrm::Direction::out).size() == traps);
    CHECK((*peer_in(status_of(m, 1), 2))["state"] == "trap");
    m.acquire(1, 2);  // traffic brings it back
    REQUIRE(m.run_until([&] { return m.tunnel_up(1, 2); }, 10s));

    REQUIRE(a.down(name(2), true, m.now));
    REQUIRE(m.run_until([&] { return a.tunnels().empty(); }, 10s));
    CHECK((*peer_in(status_of(m, 1), 2))["state"] == "held");
    CHECK((*peer_in(status_of(m, 1), 2))["held"] == true);
    const auto sent = m.site(1).sent;
    m.acquire(1, 2);
    m.run_for(5s);
    CHECK(a.tunnels().empty());
    CHECK(m.site(1).sent == sent);
    const auto up = a.up(name(2), m.now);
    REQUIRE(up);
    CHECK(*up == "initiated");
    m.drain_all();
    REQUIRE(m.run_until([&] { return m.tunnel_up(1, 2); }, 10s));
    const auto s = status_of(m, 1);
    CHECK((*peer_in(s, 2))["state"] == "up");
    // up's child covers the whole subnets (no packet selector)
    CHECK(s["child_sas"][0]["local_ts"] == json::array({"10.0.1.0/24"}));
    CHECK(*a.up(name(2), m.now) == "already up");
}

TEST_CASE("expiry warnings: certificate within 7 days, CRL and directory within 2 days, or past - none otherwise", "[meshd][unit][control]") {
    const auto now = ike::sim::start_time();
    TrustDates d;
    d.certificate_not_after = now + 30 * 24h;
    d.crl_next_update = now + 24h + 2h;
    d.directory_expires = now - 90min;
    const auto w = expiry_warnings(d, now);
    REQUIRE(w.size() == 2);
    CHECK(w[0].rfind("CRL expires (nextUpdate) in 1d2h (", 0) == 0);
    CHECK(w[1].rfind("directory expired 1h30m ago (", 0) == 0);
    d.crl_next_update = now + 6 * 24h;  // meshca's fresh 7-day CRL: no warning
    CHECK(expiry_warnings(d, now).size() == 1);
    d.crl_next_update = now + 24h + 2h;
    d.certificate_not_after = now + 6 * 24h;
    CHECK(expiry_warnings(d, now).size() == 3);
    CHECK(expiry_warnings(TrustDates{}, now).empty());
    Mesh m;
    m.full(2);
    const auto snap = m.site(1).node->snapshot();
    const auto s = status_json(StatusInput{snap, {}, d, "0.1.0", "info", now});
    CHECK(s["warnings"].size() == 3);
    CHECK(s["directory"]["expires_in"] == -5400);
    CHECK(iso8601(std::chrono::system_clock::from_time_t(0)) == "1970-01-01T00:00:00Z");
}
