// SPDX-License-Identifier: LGPL-2.1-or-later
// Errc → CK_RV (PKCS#11 2.40 §5.1 return values), and the catch-all at the C boundary.
#include "ckr.hpp"

#include <new>

namespace tscns::pkcs11 {

CK_RV toCkr(Errc code) noexcept
{
    switch (code) {
    case Errc::NoService:
        return CKR_DEVICE_ERROR; // pcscd is not there: the "device" is unusable
    case Errc::NoReader:
        return CKR_DEVICE_REMOVED; // the reader was unplugged
    case Errc::CardAbsent:
        return CKR_TOKEN_NOT_PRESENT;
    case Errc::CardRemoved:
        return CKR_DEVICE_REMOVED;
    case Errc::CardReset:
        return CKR_DEVICE_ERROR; // only if the reconnect after another application's reset failed
    case Errc::Transport:
        return CKR_DEVICE_ERROR;
    case Errc::CardRejected:
        return CKR_DEVICE_ERROR;
    case Errc::NotCnsCard:
        // Not CKR_TOKEN_NOT_PRESENT: Firefox becomes very slow then (docs/pkcs11-clients.md §2.2).
        return CKR_TOKEN_NOT_RECOGNIZED;
    case Errc::CardData:
        // What the card holds is malformed: the device's fault, not the caller's.
        return CKR_DEVICE_ERROR;
    case Errc::PinIncorrect:
        return CKR_PIN_INCORRECT;
    case Errc::PinLocked:
        return CKR_PIN_LOCKED;
    case Errc::PinLength:
        return CKR_PIN_LEN_RANGE;
    case Errc::NotLoggedIn:
        return CKR_USER_NOT_LOGGED_IN;
    case Errc::BadArgument:
        return CKR_ARGUMENTS_BAD;
    case Errc::Unsupported:
        return CKR_FUNCTION_NOT_SUPPORTED;
    case Errc::Internal:
        return CKR_GENERAL_ERROR;
    }
    return CKR_GENERAL_ERROR;
}

CK_RV currentExceptionToCkr() noexcept
{
    try {
        throw;
    } catch (const CkError& e) {
        return e.rv();
    } catch (const Error& e) {
        return toCkr(e.code());
    } catch (const std::bad_alloc&) {
        return CKR_HOST_MEMORY;
    } catch (...) {
        return CKR_GENERAL_ERROR;
    }
}

} // namespace tscns::pkcs11
