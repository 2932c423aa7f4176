// bench_xfrm: installs and removes N policies (default 10,000) with meshd_xfrm and with
// `ip -batch` doing the same work, in a private network namespace, and prints ops/s.
// SA pairs need a kernel with ESP: that half runs in the lab (tests/lab).
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>

#include "xfrm/client.hpp"

using namespace meshd::xfrm;
using Clock = std::chrono::steady_clock;

namespace {

// Policy i: 10.a.b.0/24 -> 172.16.0.0/16 out, tunnel to 192.0.2.2, reqid 0x4d450000 + i%65536.
Policy policy(int i) {
    Policy p;
    p.selector = Selector::between(Address::ipv4(10, static_cast<std::uint8_t>(i / 256),
                                                 static_cast<std::uint8_t>(i % 256), 0),
                                   24, Address::ipv4(172, 16, 0, 0), 16);
    p.dir = Direction::out;
    Template t;
    t.src = Address::ipv4(192, 0, 2, 1);
    t.dst = Address::ipv4(192, 0, 2, 2);
    t.reqid = 0x4d450000u + static_cast<std::uint32_t>(i % 65536);
    p.templates.push_back(t);
    return p;
}

std::string ip_line(const char* verb, int i) {
    const std::string sel = "src 10." + std::to_string(i / 256) + "." + std::to_string(i % 256) +
                            ".0/24 dst 172.16.0.0/16 dir out";
    if (std::string(verb) == "delete") {
        return "xfrm policy delete " + sel + "\n";
    }
    return "xfrm policy add " + sel + " tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid " +
           std::to_string(0x4d450000u + static_cast<unsigned>(i % 65536)) + " mode tunnel\n";
}

double seconds(const std::function<bool()>& work) {
    const auto start = Clock::now();
    if (!work()) {
        std::fprintf(stderr, "bench_xfrm: a step failed\n");
        std::exit(1);
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
}

bool ip_batch(const char* verb, int n) {
    const std::string file = "/tmp/bench_xfrm_" + std::to_string(getpid()) + ".batch";
    {
        std::ofstream out(file);
        for (int i = 0; i < n; ++i) {
            out << ip_line(verb, i);
        }
    }
    const int status = std::system(("ip -batch " + file).c_str());
    std::remove(file.c_str());
    return status == 0;
}

void row(const char* what, int n, double s) {
    std::printf("| %-36s | %6d | %8.3f | %10.0f |\n", what, n, s, n / s);
}

}  // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
    if (n <= 0 || n > 10 * 65536) {
        std::fprintf(stderr, "usage: bench_xfrm [N policies, default 10000]\n");
        return 2;
    }
    // A private namespace, gone when the process exits; `ip` children inherit it.
    if (unshare(CLONE_NEWNET) != 0) {
        std::perror("bench_xfrm: unshare(CLONE_NEWNET) (root needed)");
        return 1;
    }
    auto client = Client::open(Ownership{});
    if (!client) {
        std::fprintf(stderr, "bench_xfrm: %s\n", client.error().message().c_str());
        return 1;
    }
    // Build the requests first: the timing is the kernel round trips, as for ip -batch
    // (whose parsing is in its time).
    std::vector<Policy> policies;
    for (int i = 0; i < n; ++i) {
        policies.push_back(policy(i));
    }
    const double add = seconds([&] {
        for (const auto& p : policies) {
            if (!client->add_policy(p)) return false;
        }
        return true;
    });
    std::size_t dumped = 0;
    const double dump = seconds([&] {
        auto all = client->dump_policies();
        dumped = all ? all->size() : 0;
        return all.has_value() && dumped == static_cast<std::size_t>(n);
    });
    const double del = seconds([&] {
        for (const auto& p : policies) {
            if (!client->delete_policy(PolicyId::of(p))) return false;
        }
        return true;
    });
    const double re_add = seconds([&] {
        for (const auto& p : policies) {
            if (!client->add_policy(p)) return false;
        }
        return true;
    });
    (void)re_add;
    FlushReport report;
    const double flush = seconds([&] {
        auto r = client->flush_ours();
        if (r) report = *r;
        return r.has_value() && report.policies_deleted == static_cast<std::size_t>(n);
    });
    const double ip_add = seconds([&] { return ip_batch("add", n); });
    const double ip_del = seconds([&] { return ip_batch("delete", n); });

    std::printf("| %-36s | %6s | %8s | %10s |\n", "operation (policies, out, tunnel)", "count",
                "seconds", "ops/s");
    std::printf("|%s|%s|%s|%s|\n", std::string(38, '-').c_str(), std::string(8, '-').c_str(),
                std::string(10, '-').c_str(), std::string(12, '-').c_str());
    row("meshd_xfrm add", n, add);
    row("ip -batch add", n, ip_add);
    row("meshd_xfrm delete (by selector)", n, del);
    row("ip -batch delete", n, ip_del);
    row("meshd_xfrm dump (all)", n, dump);
    row("meshd_xfrm flush_ours (dump+delete)", n, flush);
    return 0;
}
