// meshd: the mesh node daemon. Reads and checks the config (exit 2 on any problem, having
// installed nothing), then runs the adapters around meshd::Node until SIGTERM.
#include <CLI/CLI.hpp>

#include <iostream>

#include "daemon.hpp"

int main(int argc, char** argv) {
    CLI::App app{"meshd: on-demand IPsec tunnels to every site of the mesh"};
    meshd::RunOptions options;
    options.config_path = "/etc/meshd/meshd.toml";
    bool check_only = false;
    app.add_option("-c,--config", options.config_path, "the TOML config file");
    app.add_flag("--check-config", check_only, "check the config and every file it names, then exit (0 good, 2 not)");
    CLI11_PARSE(app, argc, argv);

    const auto report = [](const meshd::ConfigIssues& issues) {
        for (const auto& i : issues) std::cerr << i.to_string() << '\n';
        return 2;
    };
    const auto config = meshd::load_config(options.config_path);
    if (!config) return report(config.error());
    const auto persisted = meshd::read_state(config->state_dir);
    auto trust = meshd::load_trust(*config, persisted, std::chrono::system_clock::now());
    if (!trust) return report(trust.error());
    if (check_only) {
        std::cout << options.config_path << ": good (" << trust->peers.size() << " peers)\n";
        return 0;
    }
    options.min_level = meshd::parse_level(config->log_level);
    return meshd::run_daemon(options, *config, std::move(*trust), persisted);
}
