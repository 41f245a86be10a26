// SPDX-License-Identifier: LGPL-2.1-or-later
// Status word table. Meanings follow ISO 7816-4 §5.6 (status bytes); the Errc column is ours.
#include "tscns/apdu/status_table.hpp"

#include <bit>
#include <cstdint>

namespace tscns::apdu {

namespace {

    struct Entry {
        std::uint16_t value;
        std::uint16_t mask; ///< FFFF exact, FFF0 for 63Cx, FF00 for a whole SW1 class
        Errc code;
        std::string_view text;
    };

    constexpr std::uint16_t kExact = 0xFFFF;
    constexpr std::uint16_t kLowNibble = 0xFFF0;
    constexpr std::uint16_t kClass = 0xFF00;

    constexpr Entry kTable[] = {
        { 0x9000, kExact, Errc::Internal, "Normal processing" },
        // 61xx and 6Cxx are transport handshakes (GET RESPONSE, resend with Le = SW2); reaching the
        // table means the transport did not handle them.
        { 0x6100, kClass, Errc::Transport, "More response bytes available, SW2 gives how many" },
        { 0x6C00, kClass, Errc::Transport, "Wrong Le field, SW2 gives the available length" },
        // Warnings, non-volatile memory unchanged.
        { 0x6200, kExact, Errc::CardRejected, "Warning, no information given" },
        { 0x6281, kExact, Errc::CardRejected, "Part of returned data may be corrupted" },
        { 0x6282, kExact, Errc::CardRejected,
            "End of file or record reached before reading Le bytes" },
        { 0x6283, kExact, Errc::CardRejected, "Selected file deactivated" },
        { 0x6284, kExact, Errc::CardRejected,
            "File control information not formatted per ISO 7816-4" },
        { 0x6285, kExact, Errc::CardRejected, "Selected file in termination state" },
        { 0x6286, kExact, Errc::CardRejected, "No input data available from a sensor on the card" },
        { 0x6200, kClass, Errc::CardRejected, "Warning, non-volatile memory unchanged" },
        // Warnings, non-volatile memory changed. 6300 and 63Cx answer a failed verification.
        { 0x6300, kExact, Errc::PinIncorrect, "Verification failed" },
        { 0x63C0, kLowNibble, Errc::PinIncorrect, "Verification failed" },
        { 0x6381, kExact, Errc::CardRejected, "File filled up by the last write" },
        { 0x6300, kClass, Errc::CardRejected, "Warning, non-volatile memory changed" },
        // Execution errors.
        { 0x6400, kExact, Errc::CardRejected, "Execution error, non-volatile memory unchanged" },
        { 0x6401, kExact, Errc::CardRejected, "Immediate response required by the card" },
        { 0x6400, kClass, Errc::CardRejected, "Execution error, non-volatile memory unchanged" },
        { 0x6581, kExact, Errc::CardRejected, "Memory failure" },
        { 0x6500, kClass, Errc::CardRejected, "Execution error, non-volatile memory changed" },
        { 0x6600, kClass, Errc::CardRejected, "Security-related issue" },
        // Checking errors.
        { 0x6700, kClass, Errc::CardRejected, "Wrong length" },
        { 0x6800, kExact, Errc::Unsupported, "Function in CLA not supported" },
        { 0x6881, kExact, Errc::Unsupported, "Logical channel not supported" },
        { 0x6882, kExact, Errc::Unsupported, "Secure messaging not supported" },
        { 0x6883, kExact, Errc::CardRejected, "Last command of the chain expected" },
        { 0x6884, kExact, Errc::Unsupported, "Command chaining not supported" },
        { 0x6800, kClass, Errc::Unsupported, "Function in CLA not supported" },
        { 0x6900, kExact, Errc::CardRejected, "Command not allowed" },
        { 0x6981, kExact, Errc::CardRejected, "Command incompatible with file structure" },
        { 0x6982, kExact, Errc::NotLoggedIn, "Security status not satisfied" },
        { 0x6983, kExact, Errc::PinLocked, "Authentication method blocked" },
        // 6984: IDEMIA 2021 answers it when the key DF was not selected (cns-card.md §6).
        { 0x6984, kExact, Errc::CardRejected, "Reference data not usable" },
        { 0x6985, kExact, Errc::CardRejected, "Conditions of use not satisfied" },
        { 0x6986, kExact, Errc::CardRejected, "Command not allowed (no current EF)" },
        { 0x6987, kExact, Errc::CardRejected, "Expected secure messaging data objects missing" },
        { 0x6988, kExact, Errc::CardRejected, "Incorrect secure messaging data objects" },
        { 0x6900, kClass, Errc::CardRejected, "Command not allowed" },
        { 0x6A00, kExact, Errc::CardRejected, "Wrong parameters P1-P2" },
        { 0x6A80, kExact, Errc::CardRejected, "Incorrect parameters in the command data field" },
        { 0x6A81, kExact, Errc::Unsupported, "Function not supported" },
        { 0x6A82, kExact, Errc::CardRejected, "File or application not found" },
        { 0x6A83, kExact, Errc::CardRejected, "Record not found" },
        { 0x6A84, kExact, Errc::CardRejected, "Not enough memory space in the file" },
        { 0x6A85, kExact, Errc::CardRejected, "Nc inconsistent with TLV structure" },
        { 0x6A86, kExact, Errc::CardRejected, "Incorrect parameters P1-P2" },
        { 0x6A87, kExact, Errc::CardRejected, "Nc inconsistent with parameters P1-P2" },
        { 0x6A88, kExact, Errc::CardRejected, "Referenced data or reference data not found" },
        { 0x6A89, kExact, Errc::CardRejected, "File already exists" },
        { 0x6A8A, kExact, Errc::CardRejected, "DF name already exists" },
        { 0x6A00, kClass, Errc::CardRejected, "Wrong parameters P1-P2" },
        // 6B00: also "offset beyond the end of the EF" on READ BINARY (cns-card.md §8).
        { 0x6B00, kExact, Errc::CardRejected, "Wrong parameters P1-P2 (offset outside the EF)" },
        { 0x6D00, kExact, Errc::Unsupported, "Instruction code not supported or invalid" },
        { 0x6E00, kExact, Errc::Unsupported, "Class not supported" },
        { 0x6F00, kExact, Errc::CardRejected, "No precise diagnosis" },
    };

    constexpr StatusInfo kUnknown { Errc::CardRejected, "Unknown status word" };
    constexpr StatusInfo kInvalid { Errc::Transport, "Invalid status word (SW1 not 6x or 9x)" };

} // namespace

StatusInfo lookupStatus(StatusWord sw) noexcept
{
    const Entry* best = nullptr;
    for (const auto& e : kTable) {
        if ((sw.value() & e.mask) != e.value) continue;
        if (best == nullptr || std::popcount(e.mask) > std::popcount(best->mask)) best = &e;
    }
    if (best != nullptr) return { best->code, best->text };
    const auto high = sw.sw1() & 0xF0;
    // ISO 7816-4 §5.6: SW1 is 6x (but not 60) or 9x.
    if ((high == 0x60 && sw.sw1() != 0x60) || high == 0x90) return kUnknown;
    return kInvalid;
}

Errc errcForStatus(StatusWord sw) noexcept
{
    return lookupStatus(sw).code;
}

std::string_view describeStatus(StatusWord sw) noexcept
{
    return lookupStatus(sw).description;
}

std::string statusMessage(StatusWord sw, std::string_view context)
{
    std::string out;
    out.reserve(context.size() + 80);
    out.append(context);
    out.append(": ");
    out.append(describeStatus(sw));
    if (const auto tries = sw.pinRetries()) {
        out.append(", ");
        out.append(std::to_string(*tries));
        out.append(*tries == 1 ? " try left" : " tries left");
    }
    out.append(" (SW ");
    out.append(sw.toString());
    out.append(")");
    return out;
}

void throwForStatus(StatusWord sw, std::string_view context, std::source_location where)
{
    throw Error(errcForStatus(sw), statusMessage(sw, context), sw, sw.pinRetries(), where);
}

} // namespace tscns::apdu
