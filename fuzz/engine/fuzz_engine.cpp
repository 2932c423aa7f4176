// libFuzzer target: two Endpoints (initiator and responder, or both at once) driven by a program
// of operations read from the input: which datagram to deliver, mutate, duplicate, drop or
// replay, raw datagrams to inject, time to advance, commands to issue. Invariants are checked
// after every operation and, at the end, that deleting everything leaves no state.
//
//   fuzz_engine [libFuzzer flags] CORPUS...      fuzz
//   fuzz_engine --generate=DIR                   write the seed corpus (valid conversations)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "pki.hpp"
#include "program.hpp"
#include "world.hpp"

namespace fuzz_engine {

void run_program(std::span<const std::uint8_t> input) {
    constexpr int max_ops = 400;
    Reader in{input};
    World world(in.u8());
    for (int n = 0; n < max_ops && !in.empty(); ++n)
        world.step(static_cast<Op>(in.u8() % static_cast<std::uint8_t>(Op::count_)), in);
    world.settle();
}

}  // namespace fuzz_engine

// Every execution runs two handshakes' worth of small allocations: ASan's default 4 KiB
// malloc fill, 256 MiB quarantine and 30-frame allocation stacks cost more than the engine
// itself (measured with perf). ASAN_OPTIONS from the environment still override these.
extern "C" const char* __asan_default_options() {
    return "quarantine_size_mb=16:malloc_context_size=6:max_malloc_fill_size=0";
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    (void)fuzz_engine::pki();  // the CA and the node certificates, once per process
    bool entropic_given = false;
    for (int i = 1; i < *argc; ++i) {
        const char* a = (*argv)[i];
        entropic_given |= std::strncmp(a, "-entropic=", 10) == 0;
        if (std::strncmp(a, "--generate=", 11) == 0) {
            const int n = fuzz_engine::generate_corpus(a + 11);
            std::printf("fuzz_engine: wrote %d seed programs to %s\n", n, a + 11);
            std::exit(n > 0 ? 0 : 1);
        }
    }
    // Each execution covers tens of thousands of features; libFuzzer's entropic schedule then
    // spends most of the time in its feature-frequency bookkeeping (perf: >60 %, six times the
    // target's own time). Off unless asked for; the flag is added before libFuzzer parses argv.
    if (!entropic_given) {
        static std::vector<char*> args;
        args.assign(*argv, *argv + *argc);
        static char flag[] = "-entropic=0";
        args.insert(args.begin() + 1, flag);
        args.push_back(nullptr);
        *argv = args.data();
        ++*argc;
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz_engine::run_program({data, size});
    return 0;
}
