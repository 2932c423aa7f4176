# Every dependency comes from Debian 12's packages (scripts/packages.txt) and is found the
# idiomatic way for that package.
find_package(PkgConfig REQUIRED)
pkg_check_modules(BOTAN REQUIRED IMPORTED_TARGET botan-2)
pkg_check_modules(MNL REQUIRED IMPORTED_TARGET libmnl)
find_package(fmt REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(Threads REQUIRED)
find_package(Catch2 2 REQUIRED)
include(Catch)
# The daemon and its tools (daemon/): config, command lines, JSON, sd_notify.
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
