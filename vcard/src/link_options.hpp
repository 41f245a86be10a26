// SPDX-License-Identifier: LGPL-2.1-or-later
// Options of `tscns-vcard run` and their parser.
#pragma once

#include "vpcd_link.hpp"

#include "tscns/apdu/status_word.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tscns::vcard {

/// `--fault-sw INS=SW[@N]`: answer SW instead of running a command with that INS; with @N only
/// the N-th command with that INS (counted from 1 over the whole run) is answered that way.
struct FaultSw {
    std::uint8_t ins = 0;
    apdu::StatusWord sw;
    std::optional<std::uint64_t> nth;

    friend bool operator==(const FaultSw&, const FaultSw&) = default;
};

struct RunOptions {
    std::filesystem::path cardDir;
    Endpoint vpcd;
    /// `--apdu-log FILE`; "-" is stderr.
    std::optional<std::string> apduLog;
    std::chrono::milliseconds latency { 0 };
    /// Simulated line speed in baud (10 bits per byte); 0 = infinitely fast.
    std::uint32_t baud = 0;
    bool reconnect = false;
    /// Pull the card after answering this many APDUs (once per run).
    std::optional<std::uint64_t> removeAfter;
    /// Insert the card again this long after a --remove-after removal.
    std::optional<std::chrono::milliseconds> reinsertAfter;
    std::vector<FaultSw> faults;
    bool exitAfterRemoval = false;
    std::optional<std::filesystem::path> pidFile;
    /// How long the first connection is retried while vpcd is not listening yet.
    std::chrono::milliseconds connectTimeout { 5000 };
    bool help = false;
};

/// Parses the words after "run". Accepts "--opt VALUE" and "--opt=VALUE". Throws
/// Error(BadArgument) with a message naming the offending word.
RunOptions parseRunOptions(const std::vector<std::string>& args);

/// Parses "INS=SW" or "INS=SW@N" (hex INS, hex SW, decimal N >= 1).
FaultSw parseFaultSw(std::string_view text);

/// The text printed by `tscns-vcard run --help`.
std::string runUsage();

} // namespace tscns::vcard
