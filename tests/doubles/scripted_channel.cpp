// SPDX-License-Identifier: LGPL-2.1-or-later
// ScriptedChannel implementation.
#include "scripted_channel.hpp"

#include <exception>
#include <utility>

// Last: cmocka's fail() macro clashes with standard headers included after it.
#include "cmocka.hpp"

namespace tscns::test {

namespace {

    Bytes parseHex(std::string_view hex, const char* what)
    {
        try {
            return fromHex(hex);
        } catch (const Error& e) {
            throw Error(Errc::BadArgument,
                std::string("ScriptedChannel: bad ") + what + " hex \"" + std::string(hex)
                    + "\": " + e.message());
        }
    }

} // namespace

ScriptedChannel& ScriptedChannel::expect(std::string_view commandHex, std::string_view responseHex)
{
    const Bytes command = parseHex(commandHex, "command");
    const Bytes response = parseHex(responseHex, "response");
    return expect(command, response);
}

ScriptedChannel& ScriptedChannel::expect(ByteView command, ByteView response)
{
    if (response.size() < 2)
        throw Error(Errc::BadArgument,
            "ScriptedChannel: response \"" + toHexSpaced(response) + "\" has no status word");
    steps_.push_back(Step { Bytes(command.begin(), command.end()),
        Bytes(response.begin(), response.end()), std::nullopt });
    return *this;
}

ScriptedChannel& ScriptedChannel::expectThrow(std::string_view commandHex, const Error& error)
{
    const Bytes command = parseHex(commandHex, "command");
    return expectThrow(command, error);
}

ScriptedChannel& ScriptedChannel::expectThrow(ByteView command, const Error& error)
{
    steps_.push_back(Step { Bytes(command.begin(), command.end()), {}, error });
    return *this;
}

void ScriptedChannel::mismatch(std::string message)
{
    failures_.push_back(message);
    throw Error(Errc::Transport, std::move(message));
}

apdu::ResponseApdu ScriptedChannel::transmit(const apdu::CommandApdu& command)
{
    ++transmits_;
    Bytes actual;
    try {
        actual = command.encode();
    } catch (const Error& e) {
        failures_.push_back(
            "command #" + std::to_string(transmits_) + " cannot be encoded: " + e.message());
        throw;
    }
    if (next_ == steps_.size())
        mismatch("command #" + std::to_string(transmits_) + " after the end of the script ("
            + std::to_string(steps_.size()) + " steps)\n    actual:   " + toHexSpaced(actual));
    const Step& step = steps_[next_];
    if (actual != step.command)
        mismatch("command #" + std::to_string(transmits_) + " does not match step "
            + std::to_string(next_ + 1) + "\n    expected: " + toHexSpaced(step.command)
            + "\n    actual:   " + toHexSpaced(actual));
    ++next_;
    if (step.error) throw *step.error;
    return apdu::ResponseApdu::decode(step.response);
}

std::string ScriptedChannel::problems() const
{
    std::string out;
    for (const std::string& f : failures_)
        out += "  mismatch: " + f + "\n";
    for (std::size_t i = next_; i < steps_.size(); ++i) {
        const Step& s = steps_[i];
        out += "  step " + std::to_string(i + 1) + " not consumed: " + toHexSpaced(s.command)
            + " -> "
            + (s.error ? "throws Errc::" + std::string(errcName(s.error->code()))
                       : toHexSpaced(s.response))
            + "\n";
    }
    return out;
}

void ScriptedChannel::clear() noexcept
{
    steps_.clear();
    failures_.clear();
    next_ = 0;
    transmits_ = 0;
}

int teardownVerdict(const ScriptedChannel& script, const char* what) noexcept
{
    if (script.verifyConsumed()) return 0;
    try {
        const std::string text = script.problems();
        print_error("%s: %zu of %zu steps consumed, %zu commands sent\n%s", what, script.consumed(),
            script.stepCount(), script.transmitCount(), text.c_str());
    } catch (const std::exception&) {
        print_error("%s: the script was not fully consumed\n", what);
    }
    return -1;
}

} // namespace tscns::test
