// SPDX-License-Identifier: LGPL-2.1-or-later
// PC/SC return code → Errc, in one table.
#include "check.hpp"

#include "tscns/apdu/error.hpp"

#include <PCSC/pcsclite.h>

#include <cstdio>
#include <string>

namespace tscns::reader::detail {

namespace {
    struct Entry {
        LONG rv;
        Errc code;
        std::string_view name;
        std::string_view text;
    };
    // What each code means for a user, and which error kind it is.
    constexpr Entry kTable[] = {
        { SCARD_E_NO_SERVICE, Errc::NoService, "SCARD_E_NO_SERVICE",
            "the PC/SC service (pcscd) is not running" },
        { SCARD_E_SERVICE_STOPPED, Errc::NoService, "SCARD_E_SERVICE_STOPPED",
            "the PC/SC service (pcscd) stopped" },
        { SCARD_E_NO_READERS_AVAILABLE, Errc::NoReader, "SCARD_E_NO_READERS_AVAILABLE",
            "no smart card reader found" },
        { SCARD_E_UNKNOWN_READER, Errc::NoReader, "SCARD_E_UNKNOWN_READER", "no such reader" },
        { SCARD_E_READER_UNAVAILABLE, Errc::NoReader, "SCARD_E_READER_UNAVAILABLE",
            "the reader is unavailable (unplugged?)" },
        { SCARD_E_NO_SMARTCARD, Errc::CardAbsent, "SCARD_E_NO_SMARTCARD", "no card in the reader" },
        { SCARD_W_REMOVED_CARD, Errc::CardRemoved, "SCARD_W_REMOVED_CARD", "the card was removed" },
        { SCARD_W_RESET_CARD, Errc::CardReset, "SCARD_W_RESET_CARD",
            "the card was reset by another application" },
        { SCARD_W_UNPOWERED_CARD, Errc::CardAbsent, "SCARD_W_UNPOWERED_CARD",
            "the card is not powered" },
        { SCARD_W_UNRESPONSIVE_CARD, Errc::Transport, "SCARD_W_UNRESPONSIVE_CARD",
            "the card does not answer" },
        { SCARD_W_UNSUPPORTED_CARD, Errc::Transport, "SCARD_W_UNSUPPORTED_CARD",
            "the card is not supported by the reader" },
        { SCARD_E_TIMEOUT, Errc::Transport, "SCARD_E_TIMEOUT", "timed out" },
        { SCARD_E_CANCELLED, Errc::Transport, "SCARD_E_CANCELLED", "cancelled" },
        { SCARD_E_SHARING_VIOLATION, Errc::Transport, "SCARD_E_SHARING_VIOLATION",
            "another application holds the card exclusively" },
        { SCARD_E_PROTO_MISMATCH, Errc::Transport, "SCARD_E_PROTO_MISMATCH", "protocol mismatch" },
        { SCARD_E_NOT_TRANSACTED, Errc::Transport, "SCARD_E_NOT_TRANSACTED", "transaction failed" },
        { SCARD_F_COMM_ERROR, Errc::Transport, "SCARD_F_COMM_ERROR",
            "communication error with the reader" },
        { SCARD_E_COMM_DATA_LOST, Errc::Transport, "SCARD_E_COMM_DATA_LOST",
            "data lost in communication" },
        { SCARD_E_INSUFFICIENT_BUFFER, Errc::Transport, "SCARD_E_INSUFFICIENT_BUFFER",
            "response too large" },
        { SCARD_E_INVALID_HANDLE, Errc::Internal, "SCARD_E_INVALID_HANDLE",
            "invalid PC/SC handle" },
        { SCARD_E_INVALID_PARAMETER, Errc::Internal, "SCARD_E_INVALID_PARAMETER",
            "invalid PC/SC parameter" },
        { SCARD_E_INVALID_VALUE, Errc::Internal, "SCARD_E_INVALID_VALUE", "invalid PC/SC value" },
        { SCARD_E_NO_MEMORY, Errc::Internal, "SCARD_E_NO_MEMORY", "out of memory in PC/SC" },
        { SCARD_F_INTERNAL_ERROR, Errc::Internal, "SCARD_F_INTERNAL_ERROR",
            "PC/SC internal error" },
    };

    const Entry* find(LONG rv) noexcept
    {
        for (const auto& e : kTable)
            if (e.rv == rv) return &e;
        return nullptr;
    }
} // namespace

std::string_view pcscName(LONG rv) noexcept
{
    const Entry* e = find(rv);
    return e != nullptr ? e->name : "SCARD_UNKNOWN";
}

void check(LONG rv, std::string_view what)
{
    if (rv == SCARD_S_SUCCESS) return;
    char code[16];
    std::snprintf(code, sizeof code, "0x%08lX", static_cast<unsigned long>(rv) & 0xFFFFFFFFUL);
    const Entry* e = find(rv);
    std::string message = std::string(what) + ": ";
    message += e != nullptr ? std::string(e->text) + " (" + std::string(e->name) + ")"
                            : std::string("PC/SC error ") + code;
    throw Error(e != nullptr ? e->code : Errc::Transport, std::move(message));
}

} // namespace tscns::reader::detail
