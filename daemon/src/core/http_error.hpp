// SPDX-License-Identifier: LGPL-2.1-or-later
// The one translator from failures (tscns::Error's Errc, DaemonError's Problem, anything else) to
// an HTTP status and the JSON error of cns-auth.md §3.3.
#pragma once

#include "core/daemon_error.hpp"

#include "tscns/apdu/error.hpp"

#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace tscns::daemon {

/// The error codes of cns-auth.md §3.3.
enum class ApiCode {
    OriginNotAllowed,
    BadRequest,
    Busy,
    NoReader,
    NoCard,
    CardNotSupported,
    CardMismatch,
    UserCancelled,
    UserTimeout,
    PinIncorrect,
    PinBlocked,
    CertExpiredLocal,
    Internal,
};

/// "ORIGIN_NOT_ALLOWED", "BAD_REQUEST", ...
std::string_view apiCodeName(ApiCode code) noexcept;

struct HttpError {
    int status = 500;
    ApiCode code = ApiCode::Internal;
    std::string message; ///< for the page (English, no personal data)
    bool retriable = false;
    std::optional<int> pinTriesLeft; ///< PIN_INCORRECT only
    std::optional<int> retryAfterSeconds; ///< rate limit: sent as Retry-After
    std::string logDetail; ///< for the log only (may name readers, status words)
};

HttpError toHttpError(const Error& error);
HttpError toHttpError(const DaemonError& error);
/// Any exception (the catch-all at a thread edge): Error, DaemonError, std::bad_alloc, others.
HttpError toHttpError(const std::exception_ptr& error) noexcept;

/// {"error": {"code", "message", "retriable", "pinTriesLeft"?}}
std::string errorBody(const HttpError& error);

} // namespace tscns::daemon
