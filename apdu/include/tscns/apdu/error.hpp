// SPDX-License-Identifier: LGPL-2.1-or-later
// The one exception type used inside tscns, with an enum reason that every boundary maps.
#pragma once

#include "tscns/apdu/status_word.hpp"

#include <exception>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>

namespace tscns {

enum class Errc {
    NoService, ///< PC/SC service not running
    NoReader, ///< no (matching) reader
    CardAbsent, ///< no card in the reader
    CardRemoved, ///< card removed during an operation
    CardReset, ///< card reset by another application
    Transport, ///< I/O failure, malformed or unexpected card answer
    CardRejected, ///< the card refused the command (status word carried)
    NotCnsCard, ///< the card in the reader is not a TS-CNS
    CardData, ///< what the card holds is malformed (an EF, the ATR, a certificate, an FCI)
    PinIncorrect, ///< wrong PIN/PUK, retries() tells how many tries remain
    PinLocked, ///< PIN/PUK blocked
    PinLength, ///< PIN/PUK of invalid length or content
    NotLoggedIn, ///< security status not satisfied
    BadArgument, ///< the caller's error: a bad option, argument or input file
    Unsupported, ///< not supported by this card or build
    Internal, ///< a bug
};

std::string_view errcName(Errc code) noexcept;

class Error : public std::exception {
public:
    Error(Errc code, std::string message,
        std::source_location where = std::source_location::current());
    Error(Errc code, std::string message, apdu::StatusWord sw,
        std::optional<int> retries = std::nullopt,
        std::source_location where = std::source_location::current());

    [[nodiscard]] Errc code() const noexcept { return code_; }
    [[nodiscard]] const std::string& message() const noexcept { return message_; }
    [[nodiscard]] std::optional<apdu::StatusWord> statusWord() const noexcept { return sw_; }
    [[nodiscard]] std::optional<int> retries() const noexcept { return retries_; }
    [[nodiscard]] const std::source_location& where() const noexcept { return where_; }
    [[nodiscard]] const char* what() const noexcept override { return message_.c_str(); }

private:
    Errc code_;
    std::string message_;
    std::optional<apdu::StatusWord> sw_;
    std::optional<int> retries_;
    std::source_location where_;
};

} // namespace tscns
