// bench_xfrm: installs and removes N policies (default 10,000) with meshd_xfrm and with
// `ip -batch` doing the same work, in a private network namespace, and prints ops/s.
// `bench_xfrm --sas [N]` does the same with N SA pairs (AES-GCM tunnel SAs both ways): that
// needs a kernel with ESP, i.e. the lab guest (tests/lab/uml-run -- bench_xfrm --sas).
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

// SA pair i: 192.0.2.1 <-> 192.0.2.2, SPIs 0x10000+i (out) and 0x20000+i (in).
Sa sa(int i, bool out) {
    Sa s;
    s.src = Address::ipv4(192, 0, 2, out ? 1 : 2);
    s.dst = Address::ipv4(192, 0, 2, out ? 2 : 1);
    s.spi = static_cast<std::uint32_t>((out ? 0x10000 : 0x20000) + i);
    s.reqid = 0x4d450000u + static_cast<std::uint32_t>(i % 65536);
    s.transform = *aes_gcm(std::vector<std::uint8_t>(20, static_cast<std::uint8_t>(i)));
    return s;
}

std::string ip_sa_line(const char* verb, int i, bool out) {
    char spi[16];
    std::snprintf(spi, sizeof spi, "0x%x", (out ? 0x10000 : 0x20000) + i);
    const std::string id = std::string(out ? "src 192.0.2.1 dst 192.0.2.2" : "src 192.0.2.2 dst 192.0.2.1") +
                           " proto esp spi " + spi;
    if (std::string(verb) == "delete") {
        return "xfrm state delete " + id + "\n";
    }
    char key[48];
    std::snprintf(key, sizeof key, "0x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x",
                  i & 0xff, i & 0xff, i & 0xff, i & 0xff, i & 0xff, i & 0xff, i & 0xff, i & 0xff, i & 0xff, i & 0xff,
                  i & 0xff, i & 0xff, i & 0xff, i & 0xff, i & 0xff, i & 0xff, i & 0xff, i & 0xff, i & 0xff, i & 0xff);
    return "xfrm state add " + id + " reqid " + std::to_string(0x4d450000u + static_cast<unsigned>(i % 65536)) +
           " mode tunnel aead rfc4106(gcm(aes)) " + key + " 128\n";
}

double seconds(const std::function<bool()>& work) {
    const auto start = Clock::now();
    if (!work()) {
        std::fprintf(stderr, "bench_xfrm: a step failed\n");
        std::exit(1);
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
}

bool ip_batch(const char* verb, int n, bool sas = false) {
    const std::string file = "/tmp/bench_xfrm_" + std::to_string(getpid()) + ".batch";
    {
        std::ofstream out(file);
        for (int i = 0; i < n; ++i) {
            if (sas) {
                out << ip_sa_line(verb, i, true) << ip_sa_line(verb, i, false);
            } else {
                out << ip_line(verb, i);
            }
        }
    }
    const int status = std::system(("ip -batch " + file).c_str());
    std::remove(file.c_str());
    return status == 0;
}

void row(const char* what, int n, double s) {
    std::printf("| %-36s | %6d | %8.3f | %10.0f |\n", what, n, s, n / s);
}

void header(const char* what) {
    std::printf("| %-36s | %6s | %8s | %10s |\n", what, "count", "seconds", "ops/s");
    std::printf("|%s|%s|%s|%s|\n", std::string(38, '-').c_str(), std::string(8, '-').c_str(),
                std::string(10, '-').c_str(), std::string(12, '-').c_str());
}

// N SA pairs: 2N SAs added, then deleted, by meshd_xfrm and by ip -batch.
int bench_sas(Client& client, int n) {
    std::vector<Sa> sas;
    for (int i = 0; i < n; ++i) {
        sas.push_back(sa(i, true));
        sas.push_back(sa(i, false));
    }
    const double add = seconds([&] {
        for (const auto& s : sas) {
            if (auto r = client.add_sa(s); !r) {
                std::fprintf(stderr, "%s\n", r.error().message().c_str());
                return false;
            }
        }
        return true;
    });
    const double del = seconds([&] {
        for (const auto& s : sas) {
            if (!client.delete_sa(SaId::of(s))) return false;
        }
        return true;
    });
    const double ip_add = seconds([&] { return ip_batch("add", n, true); });
    const double ip_del = seconds([&] { return ip_batch("delete", n, true); });
    header("operation (SAs, AES-GCM tunnel)");
    row("meshd_xfrm add (SAs)", 2 * n, add);
    row("ip -batch add (SAs)", 2 * n, ip_add);
    row("meshd_xfrm delete (SAs)", 2 * n, del);
    row("ip -batch delete (SAs)", 2 * n, ip_del);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const bool sa_mode = argc > 1 && std::string(argv[1]) == "--sas";
    const int first = sa_mode ? 2 : 1;
    const int n = argc > first ? std::atoi(argv[first]) : 10000;
    if (n <= 0 || n > 10 * 65536) {
        std::fprintf(stderr, "usage: bench_xfrm [--sas] [N policies or SA pairs, default 10000]\n");
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
    if (sa_mode) {
        return bench_sas(*client, n);
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

    header("operation (policies, out, tunnel)");
    row("meshd_xfrm add", n, add);
    row("ip -batch add", n, ip_add);
    row("meshd_xfrm delete (by selector)", n, del);
    row("ip -batch delete", n, ip_del);
    row("meshd_xfrm dump (all)", n, dump);
    row("meshd_xfrm flush_ours (dump+delete)", n, flush);
    return 0;
}
