// bench_scale: a mesh of N libike Endpoints on the simulated network (tests/sim), each node
// opening tunnels to k random peers, run for virtual hours with short lifetimes so that child
// and IKE SAs rekey many times. Prints, per N, the CPU, memory and datagrams per node and how
// they grow from one N to the next (per-node figures that stay flat: linear growth).
// Each N runs in a child process so that its RSS growth is its own.
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "network.hpp"
#include "test_pki.hpp"

namespace {

using namespace ike;

struct Options {
    std::vector<std::size_t> sizes{10, 100, 1000};
    std::size_t peers = 3;
    double hours = 2;
    long child_minutes = 20;  // soft lifetime (rekey); hard = soft + 10%
    long ike_minutes = 60;
    long liveness_seconds = 30;  // IKE silence before a liveness check (Config's default); 0: off
    std::uint64_t seed = 1;
    bool smoke = false;
};

struct Result {
    std::size_t nodes = 0;
    double cpu_s = 0;          // process CPU of the run (set-up of keys and certificates excluded)
    double setup_cpu_s = 0;    // keys, certificates, Endpoints
    double heap_bytes = 0;     // heap in use at the end minus before the nodes were made
    double rss_bytes = 0;      // RSS at the end minus before the nodes were made
    std::uint64_t datagrams = 0;
    std::uint64_t initiated = 0, tunnels_up = 0;  // initiate() calls; their first ChildSaUp
    std::uint64_t handshakes = 0, child_rekeys = 0, ike_rekeys = 0;  // counted on the initiator side
    std::uint64_t failures = 0;  // AuthFailed, RekeyFailed, IkeSaDown / ChildSaDown other than rekeyed
    std::uint64_t ike_down[16]{}, child_down[16]{};  // by DownReason
    std::uint64_t auth_failed = 0, rekey_failed = 0;
    std::uint64_t ike_sas_end = 0, child_sas_end = 0;
    double virtual_s = 0;
};

double process_cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double heap_bytes() {
    const auto m = mallinfo2();
    return static_cast<double>(m.uordblks + m.hblkhd);
}

double rss_bytes() {
    std::ifstream f("/proc/self/statm");
    long size = 0, resident = 0;
    f >> size >> resident;
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

IpAddress wan(std::size_t i) {  // 100.64.0.0/10: room for 64,000 nodes
    return IpAddress::v4(100, static_cast<std::uint8_t>(64 + i / 250 / 256), static_cast<std::uint8_t>(i / 250 % 256),
                         static_cast<std::uint8_t>(i % 250 + 1));
}

TrafficSelector subnet(std::size_t i) {
    return TrafficSelector::subnet(IpAddress::v4(10, static_cast<std::uint8_t>(i / 256), static_cast<std::uint8_t>(i % 256), 0), 24);
}

std::string name(std::size_t i) { return "node" + std::to_string(i) + ".mesh"; }

// Counts one node's events and forgets them, so the simulator's log does not grow with time.
void tally(sim::Network::Node& n, Result& r) {
    for (const auto& e : n.events) {
        if (const auto* u = std::get_if<IkeSaUp>(&e)) {
            if (!u->initiator) continue;
            ++(u->replaces ? r.ike_rekeys : r.handshakes);
        } else if (const auto* c = std::get_if<ChildSaUp>(&e)) {
            if (c->replaces) {
                r.child_rekeys += c->tag != 0 ? 1 : 0;  // the initiator's tag survives rekeys
            } else if (c->tag != 0) {
                ++r.tunnels_up;
            }
        } else if (const auto* d = std::get_if<IkeSaDown>(&e)) {
            r.failures += d->reason != DownReason::rekeyed ? 1 : 0;
            ++r.ike_down[static_cast<std::size_t>(d->reason) & 15];
        } else if (const auto* cd = std::get_if<ChildSaDown>(&e)) {
            r.failures += cd->reason != DownReason::rekeyed ? 1 : 0;
            ++r.child_down[static_cast<std::size_t>(cd->reason) & 15];
        } else if (std::holds_alternative<AuthFailed>(e)) {
            ++r.failures;
            ++r.auth_failed;
        } else if (const auto* rf = std::get_if<RekeyFailed>(&e)) {
            ++r.failures;
            if (++r.rekey_failed <= 5)  // the first few, with libike's reason (the child process prints)
                std::fprintf(stderr, "bench_scale: %s: RekeyFailed %s, reason %d, retrying %d: %s\n", n.name.c_str(),
                             rf->child ? "child" : "IKE", static_cast<int>(rf->reason), rf->retrying ? 1 : 0,
                             rf->detail.c_str());
        }
    }
    n.events.clear();
}

Result run_mesh(std::size_t count, const Options& o) {
    Result r;
    r.nodes = count;
    const double heap0 = heap_bytes(), rss0 = rss_bytes(), cpu0 = process_cpu_s();

    sim::TestCa ca("scale-ca", o.seed);
    sim::Network net(o.seed);
    for (std::size_t i = 0; i < count; ++i) {
        const auto id = sim::make_node(ca, name(i), wan(i), subnet(i), o.seed * 1000003 + i);
        auto config = sim::make_config(ca, id);
        config.lifetimes.child_soft = std::chrono::minutes{o.child_minutes};
        config.lifetimes.child_hard = std::chrono::seconds{o.child_minutes * 66};
        config.lifetimes.ike_rekey = std::chrono::minutes{o.ike_minutes};
        config.timers.liveness_after = Duration{o.liveness_seconds * 1000};
        auto pool = std::make_shared<sim::SpiPool>();
        pool->next = 0x10000u + static_cast<std::uint32_t>(i) * 0x10000u;
        auto ep = Endpoint::create(std::move(config), crypto::make_seeded_rng(o.seed * 7919 + i), sim::make_spi_allocator(pool));
        if (!ep) {
            std::fprintf(stderr, "bench_scale: Endpoint::create failed\n");
            std::exit(1);
        }
        net.add(name(i), wan(i), std::move(*ep), pool);
    }

    // Each node picks k distinct peers; the tunnels open over the first virtual minute, one
    // batch per second (each run_until() costs O(N)).
    std::mt19937_64 rng(o.seed);
    std::vector<std::vector<std::size_t>> batches(60);
    std::vector<std::pair<std::size_t, std::size_t>> links;
    for (std::size_t i = 0; i < count; ++i) {
        std::vector<std::size_t> mine;
        while (mine.size() < std::min(o.peers, count - 1)) {
            const auto j = std::uniform_int_distribution<std::size_t>(0, count - 1)(rng);
            if (j != i && std::find(mine.begin(), mine.end(), j) == mine.end()) mine.push_back(j);
        }
        for (const auto j : mine) {
            batches[std::uniform_int_distribution<std::size_t>(0, 59)(rng)].push_back(links.size());
            links.emplace_back(i, j);
        }
    }
    r.setup_cpu_s = process_cpu_s() - cpu0;
    const double cpu1 = process_cpu_s();

    const auto tally_all = [&] {
        for (auto& n : net.nodes()) tally(*n, r);
    };
    for (const auto& batch : batches) {
        for (const auto l : batch) {
            const auto [i, j] = links[l];
            InitiateRequest req;
            req.remote = SocketAddress{wan(j), 500};
            req.local = SocketAddress{wan(i), 500};
            req.peer_id = Identity::fqdn(name(j));
            req.local_ts = {subnet(i)};
            req.remote_ts = {subnet(j)};
            req.tag = l + 1;
            if (net.nodes()[i]->endpoint->initiate(req, net.now())) ++r.initiated;
        }
        net.run_until([] { return false; }, Duration{1000});
    }
    tally_all();
    const auto total = std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::ratio<3600>>(o.hours));
    const Duration minute{60000};
    for (Duration ran{60000}; ran < total; ran += minute) {
        net.run_until([] { return false; }, std::min(minute, total - ran));
        tally_all();
    }
    r.cpu_s = process_cpu_s() - cpu1;
    r.virtual_s = std::chrono::duration<double>(net.now() - sim::start_time()).count();
    r.heap_bytes = heap_bytes() - heap0;
    r.rss_bytes = rss_bytes() - rss0;
    r.datagrams = net.delivered;
    for (const auto& n : net.nodes()) {
        const auto s = n->endpoint->state_counts();
        r.ike_sas_end += s.ike_sas;
        r.child_sas_end += s.child_sas;
    }
    return r;
}

// Runs one N in a child process and reads its Result back through a pipe.
Result run_isolated(std::size_t count, const Options& o) {
    int fds[2];
    if (pipe(fds) != 0) std::exit(1);
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const Result r = run_mesh(count, o);
        const ssize_t w = write(fds[1], &r, sizeof r);
        _exit(w == static_cast<ssize_t>(sizeof r) ? 0 : 1);
    }
    close(fds[1]);
    Result r;
    const ssize_t got = read(fds[0], &r, sizeof r);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != static_cast<ssize_t>(sizeof r) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "bench_scale: the run with N=%zu failed\n", count);
        std::exit(1);
    }
    return r;
}

void print_header(const Options& o) {
    std::printf("mesh of N nodes, k=%zu peers each, %.2f virtual hours, child rekey every %ld min, IKE rekey every %ld min, "
                "liveness after %ld s of silence\n\n",
                o.peers, o.hours, o.child_minutes, o.ike_minutes, o.liveness_seconds);
    std::printf("|      N | tunnels up | handshakes | child rekeys | IKE rekeys | failures | CPU ms/node | heap KB/node | RSS KB/node | datagrams/node | growth CPU/node | growth heap/node | growth datagrams/node |\n");
    std::printf("|--------|------------|------------|--------------|------------|----------|-------------|--------------|-------------|----------------|-----------------|------------------|-----------------------|\n");
    std::fflush(stdout);
}

// One row as soon as its N is done (a large N takes long); growth against the previous row.
void print_row(const Result& r, const Result* prev) {
    const double n = static_cast<double>(r.nodes);
    const double cpu = r.cpu_s * 1e3 / n, heap = r.heap_bytes / 1024 / n, rss = r.rss_bytes / 1024 / n;
    const double dg = static_cast<double>(r.datagrams) / n;
    char growth[3][32] = {"-", "-", "-"};
    if (prev) {
        const double pn = static_cast<double>(prev->nodes);
        std::snprintf(growth[0], sizeof growth[0], "x%.2f", cpu / (prev->cpu_s * 1e3 / pn));
        std::snprintf(growth[1], sizeof growth[1], "x%.2f", heap / (prev->heap_bytes / 1024 / pn));
        std::snprintf(growth[2], sizeof growth[2], "x%.2f", dg / (static_cast<double>(prev->datagrams) / pn));
    }
    std::printf("| %6zu | %5llu/%-4llu | %10llu | %12llu | %10llu | %8llu | %11.1f | %12.1f | %11.1f | %14.1f | %15s | %16s | %21s |\n",
                r.nodes, static_cast<unsigned long long>(r.tunnels_up), static_cast<unsigned long long>(r.initiated),
                static_cast<unsigned long long>(r.handshakes), static_cast<unsigned long long>(r.child_rekeys),
                static_cast<unsigned long long>(r.ike_rekeys), static_cast<unsigned long long>(r.failures), cpu, heap, rss,
                dg, growth[0], growth[1], growth[2]);
    std::fflush(stdout);
}

void print_footer(const std::vector<Result>& rs) {
    std::printf("\ngrowth: the per-node figure at this N over the one at the previous N (x1.00: linear in N, below: better)\n");
    for (const auto& r : rs)
        std::printf("N=%zu: run CPU %.2f s (set-up %.2f s), %.0f virtual s, %llu IKE SAs and %llu child SAs held at the end\n",
                    r.nodes, r.cpu_s, r.setup_cpu_s, r.virtual_s, static_cast<unsigned long long>(r.ike_sas_end),
                    static_cast<unsigned long long>(r.child_sas_end));
}

void print_failures(const Result& r) {
    std::fprintf(stderr, "AuthFailed %llu, RekeyFailed %llu; IKE / child SAs down by DownReason:",
                 static_cast<unsigned long long>(r.auth_failed), static_cast<unsigned long long>(r.rekey_failed));
    for (std::size_t i = 0; i < 16; ++i)
        if (r.ike_down[i] != 0 || r.child_down[i] != 0)
            std::fprintf(stderr, " [%zu] %llu / %llu", i, static_cast<unsigned long long>(r.ike_down[i]),
                         static_cast<unsigned long long>(r.child_down[i]));
    std::fprintf(stderr, "\n");
}

// The smoke run's checks: every tunnel came up, child and IKE SAs rekeyed, nothing failed, and
// the SAs are still there at the end.
int check_smoke(const Result& r) {
    std::vector<std::string> why;
    if (r.tunnels_up != r.initiated || r.initiated == 0) why.push_back("not every tunnel came up");
    if (r.child_rekeys < r.initiated) why.push_back("fewer child rekeys than tunnels");
    if (r.ike_rekeys == 0) why.push_back("no IKE rekey");
    if (r.failures != 0) why.push_back("failures");
    if (r.child_sas_end < 2 * r.initiated) why.push_back("child SAs missing at the end");
    for (const auto& w : why) std::fprintf(stderr, "bench_scale smoke: %s\n", w.c_str());
    if (!why.empty()) print_failures(r);
    return why.empty() ? 0 : 1;
}

std::vector<std::size_t> parse_sizes(const char* s) {
    std::vector<std::size_t> out;
    for (const char* p = s; *p;) {
        char* end = nullptr;
        out.push_back(std::strtoul(p, &end, 10));
        p = *end == ',' ? end + 1 : end;
        if (end == p && *p) break;
    }
    return out;
}

constexpr const char* kUsage =
    "usage: bench_scale [--nodes N,N,...] [--peers K] [--hours H] [--child-minutes M] [--ike-minutes M]\n"
    "                   [--liveness SECONDS] [--seed S] [--smoke]\n"
    "defaults: --nodes 10,100,1000 --peers 3 --hours 2 --child-minutes 20 --ike-minutes 60 --liveness 30\n"
    "--smoke: N=10, 5 virtual minutes, rekeys every 1 and 2 minutes; checks the run, exit 1 if it is wrong\n";

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fputs(kUsage, stderr);
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--nodes") o.sizes = parse_sizes(value());
        else if (a == "--peers") o.peers = std::strtoul(value(), nullptr, 10);
        else if (a == "--hours") o.hours = std::strtod(value(), nullptr);
        else if (a == "--child-minutes") o.child_minutes = std::strtol(value(), nullptr, 10);
        else if (a == "--ike-minutes") o.ike_minutes = std::strtol(value(), nullptr, 10);
        else if (a == "--liveness") o.liveness_seconds = std::strtol(value(), nullptr, 10);
        else if (a == "--seed") o.seed = std::strtoull(value(), nullptr, 10);
        else if (a == "--smoke") o.smoke = true;
        else {
            std::fputs(kUsage, stderr);
            return 2;
        }
    }
    if (o.smoke) {
        o.sizes = {10};
        o.hours = 5.0 / 60;
        o.child_minutes = 1;
        o.ike_minutes = 2;
    }
    if (std::any_of(o.sizes.begin(), o.sizes.end(), [](std::size_t n) { return n < 2 || n > 64000; })) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    print_header(o);
    std::vector<Result> results;
    results.reserve(o.sizes.size());
    for (const auto n : o.sizes) {
        results.push_back(run_isolated(n, o));
        print_row(results.back(), results.size() > 1 ? &results[results.size() - 2] : nullptr);
        if (results.back().failures != 0) print_failures(results.back());
    }
    print_footer(results);
    return o.smoke ? check_smoke(results.front()) : 0;
}
