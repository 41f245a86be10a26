// SPDX-License-Identifier: LGPL-2.1-or-later
// The words of the native dialogs in the languages the daemon ships (cns-auth.md §3.4 step 4:
// at least it, en) and the masked forms of holder data they show (§3.6).
#pragma once

#include "core/user_interface.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tscns::daemon {

enum class Lang { It, En };
/// "it" or "en"; nullopt otherwise.
std::optional<Lang> parseLang(std::string_view code) noexcept;

/// "RSS…": the first three characters of the codice fiscale (the surname code), then an
/// ellipsis; "…" alone when there is nothing to show.
std::string maskCodiceFiscale(std::string_view cf);
/// "…1234": the last four digits of the card ID.
std::string cardIdTail(std::string_view cardId);

/// What the dialogs say about the card.
struct CardFacts {
    std::string codiceFiscale; ///< empty when the certificate does not carry it in the CNS form
    std::string cardId;
    std::optional<int> pinTriesLeft; ///< when the card tells
};

/// What an authenticate request is for, read from its `context` (cns-auth.md §2: the portal
/// names the purpose, and the server checks the signed context against its session).
enum class Purpose {
    Login, ///< signing in (the second factor of a login)
    Payment, ///< confirming a payment (a step-up)
    Signature, ///< signing or approving a document
    StepUp, ///< confirming some other operation
    Unknown, ///< a context this daemon cannot put in words: never shown as a login
};
/// The purpose of `context`, from its hyphen-separated words:
/// - any payment word (pay, payment(s), pagamento, pagamenti, pagare) -> Payment;
/// - else any signature word (sign, signature, signing, document(s), doc, firma, documento,
///   documenti) -> Signature;
/// - else any step-up word (step, up, stepup, confirm, confirmation, transaction, operation,
///   conferma, operazione, reauth, elevate) -> StepUp;
/// - else Login when every word is a login word (login, logon, signin, accesso, 2fa, mfa) except
///   possibly the first (a service prefix such as "fse"), and at least one is;
/// - Unknown otherwise (including "fse-login-transfer": an unknown word is never a login).
Purpose classifyContext(std::string_view context) noexcept;

/// The PIN dialog for POST /v1/authenticate (consent and PIN in one dialog). `origin` is the
/// ASCII serialization; when its Unicode form differs, the description warns and shows both.
/// The title and a line of the description say what is requested (classifyContext) and show the
/// context itself; anything but a login says in words that it is not a login.
DialogText authenticateDialog(
    Lang lang, std::string_view origin, std::string_view context, const CardFacts& card);
/// The confirmation for POST /v1/identity.
DialogText identityDialog(Lang lang, std::string_view origin, const CardFacts& card);
/// Shown when the typed PIN is not 5-8 digits (no try is spent).
std::string pinFormatError(Lang lang);

} // namespace tscns::daemon
