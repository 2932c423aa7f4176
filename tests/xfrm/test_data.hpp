// Helpers shared by the xfrm unit tests: reading the committed captures in tests/xfrm/data.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace meshd::xfrm::test {

// The bytes of a .hex capture written by tests/xfrm/data/capture.sh ("#" lines are comments).
inline std::vector<std::uint8_t> load_hex(const std::string& relative) {
    std::ifstream in(std::string(MESHD_SOURCE_DIR) + "/tests/xfrm/data/" + relative);
    std::vector<std::uint8_t> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::istringstream words(line);
        std::string byte;
        while (words >> byte) {
            out.push_back(static_cast<std::uint8_t>(std::stoul(byte, nullptr, 16)));
        }
    }
    return out;
}

inline std::vector<std::uint8_t> bytes_of(const std::string& hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

}  // namespace meshd::xfrm::test
