// SPDX-License-Identifier: LGPL-2.1-or-later
// Errc / Problem → HTTP status + cns-auth.md §3.3 code: the daemon's only error translator
// (docs/development.md §3). Each switch is exhaustive and has no default, so that a new enumerator
// is a compiler warning here rather than a silent INTERNAL.
#include "core/http_error.hpp"

#include <nlohmann/json.hpp>

#include <new>

namespace tscns::daemon {

namespace {
    HttpError make(int status, ApiCode code, bool retriable, std::string message)
    {
        HttpError e;
        e.status = status;
        e.code = code;
        e.retriable = retriable;
        e.message = std::move(message);
        return e;
    }
} // namespace

std::string_view apiCodeName(ApiCode code) noexcept
{
    switch (code) {
    case ApiCode::OriginNotAllowed:
        return "ORIGIN_NOT_ALLOWED";
    case ApiCode::BadRequest:
        return "BAD_REQUEST";
    case ApiCode::Busy:
        return "BUSY";
    case ApiCode::NoReader:
        return "NO_READER";
    case ApiCode::NoCard:
        return "NO_CARD";
    case ApiCode::CardNotSupported:
        return "CARD_NOT_SUPPORTED";
    case ApiCode::CardMismatch:
        return "CARD_MISMATCH";
    case ApiCode::UserCancelled:
        return "USER_CANCELLED";
    case ApiCode::UserTimeout:
        return "USER_TIMEOUT";
    case ApiCode::PinIncorrect:
        return "PIN_INCORRECT";
    case ApiCode::PinBlocked:
        return "PIN_BLOCKED";
    case ApiCode::CertExpiredLocal:
        return "CERT_EXPIRED_LOCAL";
    case ApiCode::Internal:
        return "INTERNAL";
    }
    return "INTERNAL";
}

HttpError toHttpError(const Error& error)
{
    HttpError e;
    switch (error.code()) {
    case Errc::NoService:
        e = make(503, ApiCode::NoReader, true, "The smart card service (pcscd) is not available");
        break;
    case Errc::NoReader:
        e = make(409, ApiCode::NoReader, true, "No smart card reader found");
        break;
    case Errc::CardAbsent:
        e = make(409, ApiCode::NoCard, true, "No card in the reader");
        break;
    case Errc::CardRemoved:
        e = make(409, ApiCode::NoCard, true, "The card was removed during the operation");
        break;
    case Errc::CardReset:
        e = make(500, ApiCode::Internal, true,
            "The card was reset by another application during the operation");
        break;
    case Errc::Transport:
        e = make(500, ApiCode::Internal, true, "Communication with the card failed");
        break;
    case Errc::CardRejected:
        e = make(500, ApiCode::Internal, false, "The card refused a command");
        break;
    case Errc::NotCnsCard:
        e = make(409, ApiCode::CardNotSupported, true, "The card is not a TS-CNS");
        break;
    case Errc::PinIncorrect:
        // 63Cx: the tries left come from the card (cns-card.md §5).
        e = make(403, ApiCode::PinIncorrect, error.retries().value_or(1) > 0, "Wrong PIN");
        e.pinTriesLeft = error.retries();
        break;
    case Errc::PinLocked:
        e = make(403, ApiCode::PinBlocked, false, "The PIN is blocked: unblock it with the PUK");
        break;
    case Errc::PinLength:
        e = make(403, ApiCode::PinIncorrect, true, "The PIN has an invalid length");
        break;
    case Errc::NotLoggedIn:
        e = make(500, ApiCode::Internal, false, "The card refused the operation (no PIN)");
        break;
    case Errc::CardData:
        e = make(500, ApiCode::Internal, false, "Unexpected data from the card");
        break;
    case Errc::BadArgument:
        e = make(500, ApiCode::Internal, false, "Internal error (invalid argument)");
        break;
    case Errc::Unsupported:
        e = make(409, ApiCode::CardNotSupported, false, "This card is not supported");
        break;
    case Errc::Internal:
        e = make(500, ApiCode::Internal, false, "Internal error");
        break;
    }
    e.logDetail = std::string(errcName(error.code())) + ": " + error.message();
    return e;
}

HttpError toHttpError(const DaemonError& error)
{
    HttpError e;
    switch (error.problem()) {
    case Problem::HostNotAllowed:
        e = make(403, ApiCode::BadRequest, false, "Host not allowed");
        break;
    case Problem::NotCanonical:
        e = make(400, ApiCode::BadRequest, false, "Percent-encoding is not allowed here");
        break;
    case Problem::OriginNotAllowed:
        e = make(403, ApiCode::OriginNotAllowed, false, "Origin not allowed");
        break;
    case Problem::FetchMetadataRejected:
        e = make(403, ApiCode::BadRequest, false, error.message());
        break;
    case Problem::ClientHeaderMissing:
        e = make(400, ApiCode::BadRequest, false, error.message());
        break;
    case Problem::ContentTypeWrong:
        e = make(415, ApiCode::BadRequest, false, error.message());
        break;
    case Problem::PreflightRejected:
        e = make(403, ApiCode::BadRequest, false, error.message());
        break;
    case Problem::NotFound:
        e = make(404, ApiCode::BadRequest, false, error.message());
        break;
    case Problem::MethodNotAllowed:
        e = make(405, ApiCode::BadRequest, false, error.message());
        break;
    case Problem::BodyTooLarge:
        e = make(413, ApiCode::BadRequest, false, error.message());
        break;
    case Problem::BodyInvalid:
        e = make(400, ApiCode::BadRequest, false, error.message());
        break;
    case Problem::Busy:
        e = make(409, ApiCode::Busy, true, error.message());
        break;
    case Problem::RateLimited:
        e = make(429, ApiCode::Busy, true, error.message());
        break;
    case Problem::CardMismatch:
        e = make(409, ApiCode::CardMismatch, true, error.message());
        break;
    case Problem::UserCancelled:
        e = make(409, ApiCode::UserCancelled, true, error.message());
        break;
    case Problem::UserTimeout:
        e = make(409, ApiCode::UserTimeout, true, error.message());
        break;
    case Problem::ShuttingDown:
        e = make(503, ApiCode::Internal, true, error.message());
        break;
    case Problem::DialogFailed:
        e = make(500, ApiCode::Internal, false, "The PIN dialog could not be shown");
        break;
    }
    e.logDetail = error.message();
    return e;
}

HttpError toHttpError(const std::exception_ptr& error) noexcept
{
    try {
        try {
            std::rethrow_exception(error);
        } catch (const Error& e) {
            return toHttpError(e);
        } catch (const DaemonError& e) {
            return toHttpError(e);
        } catch (const std::bad_alloc&) {
            return make(503, ApiCode::Internal, true, "Out of memory");
        } catch (const std::exception& e) {
            HttpError h = make(500, ApiCode::Internal, false, "Internal error");
            h.logDetail = e.what();
            return h;
        } catch (...) {
            return make(500, ApiCode::Internal, false, "Internal error");
        }
    } catch (...) {
        // Building the answer itself failed (memory): a fixed one.
        HttpError h;
        return h;
    }
}

std::string errorBody(const HttpError& error)
{
    nlohmann::ordered_json inner;
    inner["code"] = std::string(apiCodeName(error.code));
    inner["message"] = error.message;
    inner["retriable"] = error.retriable;
    if (error.pinTriesLeft) inner["pinTriesLeft"] = *error.pinTriesLeft;
    nlohmann::ordered_json body;
    body["error"] = std::move(inner);
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace tscns::daemon
