// SPDX-License-Identifier: LGPL-2.1-or-later
// PolicyCard: fault status words, latency model and APDU log around a CardBackend.
#include "link_policy_card.hpp"

#include "link_frame.hpp"
#include "link_io.hpp"

#include <exception>
#include <string>
#include <utility>

namespace tscns::vcard {

namespace {

    std::string hexByte(std::uint8_t b)
    {
        return toHexSpaced(ByteView(&b, 1));
    }

} // namespace

std::chrono::microseconds transferTime(std::size_t bytes, std::uint32_t baud) noexcept
{
    if (baud == 0) return std::chrono::microseconds(0);
    // bytes <= 0x20000 and 10'000'000 fit in 64 bits with room to spare.
    const auto micros = static_cast<std::uint64_t>(bytes) * 10U * 1'000'000U / baud;
    return std::chrono::microseconds(static_cast<std::int64_t>(micros));
}

Bytes garbageFor(const GarbageAt& garbage, ByteView real)
{
    switch (garbage.kind) {
    case GarbageKind::Byte:
        return { 0x90 };
    case GarbageKind::Noise: {
        // A small LCG seeded by the APDU number: reproducible noise. The last two bytes read as
        // a status word with SW1 below 0x60, which ISO 7816-4 §5.6 leaves to no card.
        Bytes out(8);
        std::uint64_t x = garbage.nth * 6364136223846793005ULL + 1442695040888963407ULL;
        for (auto& b : out) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            b = static_cast<std::uint8_t>(x >> 56);
        }
        out[6] = static_cast<std::uint8_t>(out[6] % 0x60);
        return out;
    }
    case GarbageKind::Cut:
        if (real.empty()) return { 0x90 };
        return Bytes(real.begin(), real.end() - 1);
    }
    return { 0x90 };
}

PolicyCard::PolicyCard(
    CardBackend& inner, CardPolicy policy, ApduLog* log, std::FILE* diag, int stopFd)
    : inner_(inner)
    , policy_(std::move(policy))
    , log_(log)
    , diag_(diag)
    , stopFd_(stopFd)
{
}

void PolicyCard::note(const std::string& text)
{
    if (log_ != nullptr) log_->event(text);
}

template <typename Fn> void PolicyCard::control(const char* what, Fn&& fn)
{
    note(what);
    try {
        std::forward<Fn>(fn)();
    } catch (const std::exception& e) {
        // The reader cannot be told about a failed power change; report it and carry on.
        note(std::string("card error during ") + what + ": " + e.what());
        if (diag_ != nullptr) std::fprintf(diag_, "tscns-vcard: %s failed: %s\n", what, e.what());
    }
}

void PolicyCard::powerOn()
{
    control("power on", [this] { inner_.powerOn(); });
}
void PolicyCard::powerOff()
{
    control("power off", [this] { inner_.powerOff(); });
}
void PolicyCard::reset()
{
    control("reset", [this] { inner_.reset(); });
}

Bytes PolicyCard::process(ByteView command)
{
    if (log_ != nullptr) log_->command(command);
    const std::uint64_t n = ++seen_;
    if (policy_.pullAt && n == *policy_.pullAt) {
        note("pull-at: card pulled at APDU " + std::to_string(n) + " (not run, no answer)");
        throw NoAnswer {};
    }
    if (policy_.muteAt && n == *policy_.muteAt) {
        note("mute-at: APDU " + std::to_string(n) + " not run, no answer");
        if (policy_.muteGiveUp) {
            if (sleepUnlessStopped(*policy_.muteGiveUp, stopFd_))
                note("mute-at: the reader gives up after "
                    + std::to_string(policy_.muteGiveUp->count()) + " ms; card removed");
        } else {
            // A hung card: silent until the run is stopped.
            while (sleepUnlessStopped(std::chrono::hours(1), stopFd_)) { }
        }
        throw NoAnswer {};
    }

    Bytes response;
    bool faulted = false;
    if (command.size() >= 4) {
        const std::uint8_t ins = command[1];
        const std::uint64_t seen = ++insSeen_[ins];
        for (const FaultSw& fault : policy_.faults) {
            if (fault.ins != ins || (fault.nth && *fault.nth != seen)) continue;
            response = { fault.sw.sw1(), fault.sw.sw2() };
            faulted = true;
            note("fault-sw: command " + std::to_string(seen) + " with INS " + hexByte(ins)
                + " not run, answering " + fault.sw.toString());
            break;
        }
    }
    if (!faulted) {
        try {
            response = inner_.process(command);
        } catch (const std::exception& e) {
            // process() should never throw for card input; if it does, answer like a card with
            // an internal fault (ISO 7816-4 §5.6: 6F00 no precise diagnosis) and keep serving.
            response = { apdu::sw::kNoPreciseDiagnosis.sw1(), apdu::sw::kNoPreciseDiagnosis.sw2() };
            note(std::string("card error: ") + e.what());
            if (diag_ != nullptr) std::fprintf(diag_, "tscns-vcard: card error: %s\n", e.what());
        }
    }

    if (response.size() > kMaxVpcdMessage) {
        // A frame cannot carry it (e.g. 65536 data bytes + SW); a real reader would fail the
        // transfer. Answer 6F00 rather than ending the card.
        note("card error: a response of " + std::to_string(response.size())
            + " bytes does not fit a vpcd frame");
        response = { apdu::sw::kNoPreciseDiagnosis.sw1(), apdu::sw::kNoPreciseDiagnosis.sw2() };
    }

    if (policy_.garbageAt && n == policy_.garbageAt->nth) {
        response = garbageFor(*policy_.garbageAt, response);
        note("garbage-at: APDU " + std::to_string(n) + " was run, answering malformed bytes");
    }

    const auto delay = std::chrono::duration_cast<std::chrono::microseconds>(policy_.latency)
        + transferTime(command.size() + response.size(), policy_.baud);
    if (delay.count() > 0) sleepUnlessStopped(delay, stopFd_);

    if (log_ != nullptr) log_->response(response);
    return response;
}

} // namespace tscns::vcard
