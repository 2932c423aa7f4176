// meshctl's human output: aligned tables and human units (1.2 MiB, 3m12s), from the control
// socket's JSON (docs/control.md). Pure functions: tests/meshctl checks them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace meshctl {

std::string bytes(std::uint64_t n);             // "0 B", "512 B", "1.2 KiB", "3.4 MiB"
std::string duration(std::int64_t seconds);     // "42s", "3m12s", "5h03m", "2d04h"
std::string duration_or_dash(const nlohmann::json& seconds);  // null: "-"

// Columns padded to their widest cell, two spaces apart; the last column unpadded.
std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

std::string status_text(const nlohmann::json& status);  // the status command
std::string peers_text(const nlohmann::json& result);
std::string sas_text(const nlohmann::json& result);

}  // namespace meshctl
