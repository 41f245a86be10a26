// SPDX-License-Identifier: LGPL-2.1-or-later
// PolicyCard: a CardBackend decorator applying the run options (fault status words, latency
// model, APDU log) in front of the real card, so that VpcdLink stays a framer.
#pragma once

#include "link_apdu_log.hpp"
#include "link_card_backend.hpp"
#include "link_options.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <vector>

namespace tscns::vcard {

struct CardPolicy {
    std::chrono::milliseconds latency { 0 };
    std::uint32_t baud = 0;
    std::vector<FaultSw> faults;
    std::optional<GarbageAt> garbageAt;
    std::optional<std::uint64_t> muteAt;
    std::optional<std::chrono::milliseconds> muteGiveUp;
    std::optional<std::uint64_t> pullAt;
};

/// The malformed answer of --garbage-at for APDU `nth` whose real answer was `real`.
Bytes garbageFor(const GarbageAt& garbage, ByteView real);

/// Time to move `bytes` over a line at `baud` with 10 bits per byte (start + 8 data + stop);
/// zero when baud is 0.
std::chrono::microseconds transferTime(std::size_t bytes, std::uint32_t baud) noexcept;

class PolicyCard final : public CardBackend {
public:
    /// `inner` must outlive this object. `log` and `diag` may be null. `stopFd` (or -1) cuts the
    /// latency wait short so that a signal is not delayed by it.
    PolicyCard(CardBackend& inner, CardPolicy policy, ApduLog* log, std::FILE* diag, int stopFd);

    ByteView atr() override { return inner_.atr(); }
    void powerOn() override;
    void powerOff() override;
    void reset() override;
    /// Logs the command, answers a matching --fault-sw status word instead of running it (or runs
    /// it; a card exception becomes 6F00 and a message on `diag`), waits latency + transfer time,
    /// logs and returns the response. --garbage-at replaces the answer of its APDU after running
    /// it; --pull-at and --mute-at (after its give-up time, or when stopped) throw NoAnswer
    /// without running the command.
    Bytes process(ByteView command) override;

private:
    void note(const std::string& text);
    template <typename Fn> void control(const char* what, Fn&& fn);

    CardBackend& inner_;
    CardPolicy policy_;
    ApduLog* log_;
    std::FILE* diag_;
    int stopFd_;
    /// Commands seen so far per INS, for --fault-sw INS=SW@N.
    std::array<std::uint64_t, 256> insSeen_ {};
    /// Commands seen so far, for --garbage-at, --mute-at and --pull-at.
    std::uint64_t seen_ = 0;
};

} // namespace tscns::vcard
