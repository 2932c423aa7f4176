// xfrmctl: looks at what meshd (or anything in a reqid range / with a mark) installed in the
// kernel, flushes it, or prints XFRM events as they come.
#include <poll.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "xfrm/client.hpp"
#include "xfrm/format.hpp"
#include "xfrm/monitor.hpp"

using namespace meshd::xfrm;

namespace {

constexpr const char* usage = R"(usage: xfrmctl [options] COMMAND

Commands:
  list        our SAs and policies, with counters (bytes, packets, add and use time)
  flush       delete our SAs and policies; other software's stay
  monitor     print ACQUIRE, EXPIRE, POLEXPIRE and MAPPING events as they arrive

Options:
  --reqid MIN-MAX     reqids that are ours (default 0x4d450000-0x4d45ffff)
  --mark VALUE/MASK   a mark that is ours too (e.g. 0x4d450000/0xffff0000)
  --all               list: show every SA and policy, not only ours
  --count N           monitor: exit after N events
  --help              this text

Runs in the caller's network namespace (use `ip netns exec NS xfrmctl ...`). Needs CAP_NET_ADMIN.
)";

struct Options {
    Ownership ownership;
    bool all = false;
    long count = -1;
    std::string command;
};

std::optional<std::uint32_t> number(std::string_view text) {
    const std::string s(text);
    char* end = nullptr;
    const unsigned long v = std::strtoul(s.c_str(), &end, 0);
    if (s.empty() || *end != '\0' || v > 0xffffffffUL) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(v);
}

// "A<sep>B" -> two numbers.
std::optional<std::pair<std::uint32_t, std::uint32_t>> pair_of(std::string_view text, char sep) {
    const auto at = text.find(sep);
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    auto a = number(text.substr(0, at));
    auto b = number(text.substr(at + 1));
    if (!a || !b) {
        return std::nullopt;
    }
    return std::pair{*a, *b};
}

std::optional<Options> parse_args(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else if (arg == "--all") {
            o.all = true;
        } else if (arg == "--reqid" && has_value) {
            auto range = pair_of(argv[++i], '-');
            if (!range || range->first > range->second) {
                return std::nullopt;
            }
            o.ownership.reqid_min = range->first;
            o.ownership.reqid_max = range->second;
        } else if (arg == "--mark" && has_value) {
            auto mark = pair_of(argv[++i], '/');
            if (!mark) {
                return std::nullopt;
            }
            o.ownership.mark = Mark{mark->first, mark->second};
        } else if (arg == "--count" && has_value) {
            o.count = std::strtol(argv[++i], nullptr, 0);
        } else if (o.command.empty() && arg.substr(0, 1) != "-") {
            o.command = arg;
        } else {
            return std::nullopt;
        }
    }
    if (o.command != "list" && o.command != "flush" && o.command != "monitor") {
        return std::nullopt;
    }
    return o;
}

int fail(const XfrmError& e) {
    std::fprintf(stderr, "xfrmctl: %s\n", e.message().c_str());
    return 1;
}

int list(Client& client, bool all) {
    auto sas = all ? client.dump_sas() : client.dump_our_sas();
    if (!sas) {
        return fail(sas.error());
    }
    auto policies = all ? client.dump_policies() : client.dump_our_policies();
    if (!policies) {
        return fail(policies.error());
    }
    std::printf("%zu SAs\n", sas->size());
    for (const auto& sa : *sas) {
        std::printf("%s\n", to_string(sa).c_str());
    }
    std::printf("%zu policies\n", policies->size());
    for (const auto& p : *policies) {
        std::printf("%s\n", to_string(p).c_str());
    }
    return 0;
}

int flush(Client& client) {
    auto report = client.flush_ours();
    if (!report) {
        return fail(report.error());
    }
    std::printf("deleted %zu SAs and %zu policies; kept %zu SAs and %zu policies of others\n",
                report->sas_deleted, report->policies_deleted, report->sas_kept,
                report->policies_kept);
    return 0;
}

int monitor(long count) {
    auto m = Monitor::open();
    if (!m) {
        return fail(m.error());
    }
    for (long seen = 0; count < 0 || seen < count;) {
        pollfd pfd{m->fd(), POLLIN, 0};
        if (poll(&pfd, 1, -1) < 0) {
            return 1;
        }
        auto batch = m->read_events();
        if (!batch) {
            return fail(batch.error());
        }
        if (batch->overrun) {
            std::printf("(events lost: socket overrun)\n");
        }
        for (const auto& e : batch->events) {
            std::printf("%s\n", to_string(e).c_str());
            std::fflush(stdout);
            if (++seen == count) {
                break;
            }
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const auto options = parse_args(argc, argv);
    if (!options) {
        std::fputs(usage, stderr);
        return 2;
    }
    if (options->command == "monitor") {
        return monitor(options->count);
    }
    auto client = Client::open(options->ownership);
    if (!client) {
        return fail(client.error());
    }
    return options->command == "list" ? list(*client, options->all) : flush(*client);
}
