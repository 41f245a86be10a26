// SPDX-License-Identifier: LGPL-2.1-or-later
// The documented exit codes of `tscns`, and the one mapping from Errc to them.
#pragma once

#include "tscns/apdu/error.hpp"

namespace tscns::tool {

enum ExitCode : int {
    kOk = 0,
    kFailure = 1, ///< any other error
    kUsage = 2, ///< bad command line
    kNoService = 3, ///< the PC/SC service (pcscd) is not running
    kNoReader = 4, ///< no reader, or no reader matches --reader
    kNoCard = 5, ///< no card in the reader
    kNotCns = 6, ///< the card is not a TS-CNS
    kPinIncorrect = 7, ///< wrong PIN or PUK (tries left are printed)
    kPinLocked = 8, ///< PIN or PUK blocked
    kCardRemoved = 9, ///< card removed or reset during the operation, or communication failed
    kPinFormat = 10, ///< PIN/PUK of the wrong length or not digits (nothing sent to the card)
    kCardData = 11, ///< what the card holds is malformed and nothing usable is left
    kTimeout = 12, ///< the card did not answer within --timeout (default 30 s)
    kSetupIncomplete
    = 13, ///< setup: a database was in use (Firefox running) or could not be changed
    kDoctorProblem = 14, ///< doctor: at least one check found a problem
    kNoModule = 15, ///< setup: the PKCS#11 module file was not found
};

inline int exitCodeFor(Errc code) noexcept
{
    switch (code) {
    case Errc::NoService:
        return kNoService;
    case Errc::NoReader:
        return kNoReader;
    case Errc::CardAbsent:
        return kNoCard;
    case Errc::NotCnsCard:
        return kNotCns;
    case Errc::PinIncorrect:
        return kPinIncorrect;
    case Errc::PinLocked:
        return kPinLocked;
    case Errc::PinLength:
        return kPinFormat;
    case Errc::CardRemoved:
    case Errc::CardReset:
    case Errc::Transport:
        return kCardRemoved;
    case Errc::CardData:
        return kCardData;
    case Errc::BadArgument:
        return kUsage;
    case Errc::CardRejected:
    case Errc::NotLoggedIn:
    case Errc::Unsupported:
    case Errc::Internal:
        return kFailure;
    }
    return kFailure;
}

} // namespace tscns::tool
