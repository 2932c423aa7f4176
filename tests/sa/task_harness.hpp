// What a test needs to drive lib/sa tasks and the SA table directly, without an Endpoint: one
// node's configuration, injected services, output queues and a Context over them.
#pragma once

#include <deque>
#include <memory>

#include "sa/sa_table.hpp"
#include "scenario.hpp"

namespace ike::test {

struct TaskHarness {
    sim::TestCa ca;
    Config config;
    std::unique_ptr<crypto::Rng> rng;
    std::unique_ptr<SpiAllocator> spis = sim::make_spi_allocator(std::make_shared<sim::SpiPool>());
    std::deque<Transmit> transmits;
    std::deque<Event> events;
    Counters counters;
    std::uint64_t last_child = 0;
    sa::SaTable table;

    TaskHarness(const std::string& ca_name, std::uint64_t ca_seed, std::uint64_t rng_seed)
        : ca(ca_name, ca_seed), config(sim::make_config(ca, sim::make_node(ca, "node1.mesh", wan(1), subnet(1), 1001))),
          rng(crypto::make_seeded_rng(rng_seed)), table(*rng, Duration{32000}) {}

    sa::Context ctx(Time now) {
        return sa::Context{config, *rng, *spis, *config.verifier, transmits, events, counters, last_child, now, &table};
    }
};

}  // namespace ike::test
