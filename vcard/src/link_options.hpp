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

/// `--garbage-at K[:KIND]`: how the answer to APDU K is corrupted. The command runs first (the
/// card did the work; the answer is damaged on its way back), so a VERIFY counts its try.
enum class GarbageKind {
    Byte, ///< one byte (90): no status word at all
    Noise, ///< 8 pseudo-random bytes (from K) ending in an SW1 below 60, which no card sends
    Cut, ///< the real answer without its last byte (a bare 90 00 becomes 90)
};

struct GarbageAt {
    std::uint64_t nth = 0;
    GarbageKind kind = GarbageKind::Byte;

    friend bool operator==(const GarbageAt&, const GarbageAt&) = default;
};

/// Parses "K" or "K:KIND" (K >= 1, KIND byte|noise|cut).
GarbageAt parseGarbageAt(std::string_view text);

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
    /// APDU numbers below count C-APDUs from the start of the run, over all connections, like
    /// --remove-after (ATR polls and control bytes do not count; pcscd sends no APDU of its own).
    std::optional<GarbageAt> garbageAt;
    /// `--mute-at K`: APDU K is not run and gets no answer.
    std::optional<std::uint64_t> muteAt;
    /// `--mute-give-up-ms N`: with --mute-at, drop the connection (the card leaves the reader)
    /// N ms into the silence, as a real reader gives up; without it the card stays mute until
    /// stopped.
    std::optional<std::chrono::milliseconds> muteGiveUp;
    /// `--pull-at K`: the card is pulled when APDU K arrives (not run, not answered).
    std::optional<std::uint64_t> pullAt;
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
