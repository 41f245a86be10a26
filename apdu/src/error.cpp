// SPDX-License-Identifier: LGPL-2.1-or-later
// tscns::Error and Errc names.
#include "tscns/apdu/error.hpp"

#include <cstdio>
#include <utility>

namespace tscns {

std::string_view errcName(Errc code) noexcept
{
    switch (code) {
    case Errc::NoService:
        return "NoService";
    case Errc::NoReader:
        return "NoReader";
    case Errc::CardAbsent:
        return "CardAbsent";
    case Errc::CardRemoved:
        return "CardRemoved";
    case Errc::CardReset:
        return "CardReset";
    case Errc::Transport:
        return "Transport";
    case Errc::CardRejected:
        return "CardRejected";
    case Errc::NotCnsCard:
        return "NotCnsCard";
    case Errc::CardData:
        return "CardData";
    case Errc::PinIncorrect:
        return "PinIncorrect";
    case Errc::PinLocked:
        return "PinLocked";
    case Errc::PinLength:
        return "PinLength";
    case Errc::NotLoggedIn:
        return "NotLoggedIn";
    case Errc::BadArgument:
        return "BadArgument";
    case Errc::Unsupported:
        return "Unsupported";
    case Errc::Internal:
        return "Internal";
    }
    return "Unknown";
}

Error::Error(Errc code, std::string message, std::source_location where)
    : code_(code)
    , message_(std::move(message))
    , where_(where)
{
}

Error::Error(Errc code, std::string message, apdu::StatusWord sw, std::optional<int> retries,
    std::source_location where)
    : code_(code)
    , message_(std::move(message))
    , sw_(sw)
    , retries_(retries)
    , where_(where)
{
}

} // namespace tscns

namespace tscns::apdu {

std::string StatusWord::toString() const
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04X", static_cast<unsigned>(value_));
    return buf;
}

} // namespace tscns::apdu
