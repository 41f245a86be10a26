// SPDX-License-Identifier: LGPL-2.1-or-later
// ScriptedChannel: a CardChannel that plays an exact script of APDU exchanges
// (docs/development.md §6).
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/card_channel.hpp"
#include "tscns/apdu/error.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tscns::test {

/// A script of (expected command, answer) steps, one instance per test (no globals).
///
/// transmit() encodes the command and compares it with the next step. On a match it returns the
/// step's answer, or throws the step's error (a removed card, a reset...). On a mismatch, or
/// when the script is exhausted, it records a message with both hex strings and throws
/// Error(Transport), so the code under test stops. A mismatch never consumes the step.
///
/// Unlike libpcsc-cpp's pcsc-mock, an exhausted script never restarts, and a script that was not
/// fully consumed is reported: call teardownVerdict() (or problems()) from the cmocka teardown.
class ScriptedChannel final : public apdu::CardChannel {
public:
    ScriptedChannel() = default;

    /// Appends a step: the command must encode to exactly `commandHex`, the answer is
    /// `responseHex` (data ‖ SW1 SW2). Hex as fromHex() reads it (spaces allowed). Throws
    /// Error(BadArgument) for bad hex or an answer shorter than the two status bytes.
    ScriptedChannel& expect(std::string_view commandHex, std::string_view responseHex);
    ScriptedChannel& expect(ByteView command, ByteView response);
    /// Appends a step whose command must match, answered by throwing `error` instead.
    ScriptedChannel& expectThrow(std::string_view commandHex, const Error& error);
    ScriptedChannel& expectThrow(ByteView command, const Error& error);

    apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override;

    /// Steps in the script.
    [[nodiscard]] std::size_t stepCount() const noexcept { return steps_.size(); }
    /// Steps matched so far.
    [[nodiscard]] std::size_t consumed() const noexcept { return next_; }
    /// transmit() calls so far, matched or not.
    [[nodiscard]] std::size_t transmitCount() const noexcept { return transmits_; }
    /// True when a command did not match (or came after the end of the script).
    [[nodiscard]] bool mismatched() const noexcept { return !failures_.empty(); }
    /// True when every step was consumed and nothing mismatched.
    [[nodiscard]] bool verifyConsumed() const noexcept
    {
        return !mismatched() && next_ == steps_.size();
    }
    /// "" when verifyConsumed(); otherwise the mismatches and the unconsumed steps, in hex.
    [[nodiscard]] std::string problems() const;
    /// Forgets steps, position and failures (for tests of the double itself).
    void clear() noexcept;

private:
    struct Step {
        Bytes command;
        Bytes response;
        std::optional<Error> error;
    };
    [[noreturn]] void mismatch(std::string message);

    std::vector<Step> steps_;
    std::size_t next_ = 0;
    std::size_t transmits_ = 0;
    std::vector<std::string> failures_;
};

/// For a cmocka teardown: 0 when script.verifyConsumed(), otherwise prints script.problems()
/// (prefixed by `what`) through cmocka's print_error and returns -1, which marks the test failed.
[[nodiscard]] int teardownVerdict(
    const ScriptedChannel& script, const char* what = "script") noexcept;

} // namespace tscns::test
