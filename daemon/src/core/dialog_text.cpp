// SPDX-License-Identifier: LGPL-2.1-or-later
// Dialog texts, Italian and English.
#include "core/dialog_text.hpp"

#include "core/punycode.hpp"

#include <algorithm>
#include <initializer_list>
#include <vector>

namespace tscns::daemon {

namespace {
    constexpr std::string_view kEllipsis = "\u2026";

    std::string originWarning(Lang lang, std::string_view origin)
    {
        const auto unicode = unicodeHost(origin);
        if (unicode && *unicode == origin) return {};
        if (lang == Lang::It) {
            if (!unicode)
                return "\n\nAttenzione: l'indirizzo contiene un nome internazionale non valido.";
            return "\n\nAttenzione: l'indirizzo contiene caratteri internazionali e si legge \u00ab"
                + *unicode + "\u00bb. Controlla che sia proprio il sito che ti aspetti.";
        }
        if (!unicode) return "\n\nWarning: the address contains an invalid international name.";
        return "\n\nWarning: the address contains international characters and reads \u201c"
            + *unicode + "\u201d. Check that it is really the site you expect.";
    }

    std::string cardPart(Lang lang, const CardFacts& card)
    {
        const std::string cf = card.codiceFiscale.empty()
            ? (lang == Lang::It ? std::string("CF non leggibile") : std::string("CF unreadable"))
            : "CF " + maskCodiceFiscale(card.codiceFiscale);
        return cf + (lang == Lang::It ? ", carta n. " : ", card no. ") + cardIdTail(card.cardId);
    }

    bool oneOf(std::string_view word, std::initializer_list<std::string_view> words) noexcept
    {
        return std::find(words.begin(), words.end(), word) != words.end();
    }

    bool paymentWord(std::string_view w) noexcept
    {
        return oneOf(w, { "pay", "payment", "payments", "pagamento", "pagamenti", "pagare" });
    }
    bool signatureWord(std::string_view w) noexcept
    {
        return oneOf(w,
            { "sign", "signature", "signing", "document", "documents", "doc", "firma", "documento",
                "documenti" });
    }
    bool stepUpWord(std::string_view w) noexcept
    {
        return oneOf(w,
            { "step", "up", "stepup", "confirm", "confirmation", "transaction", "operation",
                "conferma", "operazione", "reauth", "elevate" });
    }
    bool loginWord(std::string_view w) noexcept
    {
        return oneOf(w, { "login", "logon", "signin", "accesso", "2fa", "mfa" });
    }

    struct PurposeWords {
        const char* title;
        const char* line; ///< "Richiesta: ..." / "Request: ..."
    };

    PurposeWords purposeWords(Lang lang, Purpose purpose)
    {
        const bool it = lang == Lang::It;
        switch (purpose) {
        case Purpose::Login:
            return it ? PurposeWords { "accesso", "accesso al sito (login)" }
                      : PurposeWords { "sign-in", "sign-in to the site (login)" };
        case Purpose::Payment:
            return it ? PurposeWords { "pagamento", "conferma di un pagamento, NON un accesso" }
                      : PurposeWords { "payment", "confirmation of a payment, NOT a sign-in" };
        case Purpose::Signature:
            return it ? PurposeWords { "firma", "firma di un documento, NON un accesso" }
                      : PurposeWords { "signature", "signature of a document, NOT a sign-in" };
        case Purpose::StepUp:
            return it
                ? PurposeWords { "conferma", "conferma di un'operazione, NON un accesso" }
                : PurposeWords { "confirmation", "confirmation of an operation, NOT a sign-in" };
        case Purpose::Unknown:
            return it ? PurposeWords { "richiesta sconosciuta",
                "scopo sconosciuto a questo programma, NON un accesso" }
                      : PurposeWords { "unknown request",
                            "a purpose this program does not know, NOT a sign-in" };
        }
        return purposeWords(lang, Purpose::Unknown);
    }

    std::string triesPart(Lang lang, const std::optional<int>& tries)
    {
        if (!tries || *tries >= 3) return {};
        if (*tries == 1)
            return lang == Lang::It ? "\n\nUltimo tentativo: un PIN errato blocca la carta."
                                    : "\n\nLast try: a wrong PIN blocks the card.";
        return lang == Lang::It ? "\n\nTentativi rimasti: " + std::to_string(*tries)
                                : "\n\nTries left: " + std::to_string(*tries);
    }
} // namespace

std::optional<Lang> parseLang(std::string_view code) noexcept
{
    if (code == "it") return Lang::It;
    if (code == "en") return Lang::En;
    return std::nullopt;
}

std::string maskCodiceFiscale(std::string_view cf)
{
    if (cf.size() < 3) return std::string(kEllipsis);
    return std::string(cf.substr(0, 3)) + std::string(kEllipsis);
}

std::string cardIdTail(std::string_view cardId)
{
    return std::string(kEllipsis)
        + std::string(cardId.size() > 4 ? cardId.substr(cardId.size() - 4) : cardId);
}

Purpose classifyContext(std::string_view context) noexcept
{
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    while (pos <= context.size()) {
        const std::size_t dash = context.find('-', pos);
        const std::size_t end = dash == std::string_view::npos ? context.size() : dash;
        if (end > pos) words.push_back(context.substr(pos, end - pos));
        if (dash == std::string_view::npos) break;
        pos = dash + 1;
    }
    const auto any = [&words](bool (*pred)(std::string_view) noexcept) {
        return std::any_of(words.begin(), words.end(), pred);
    };
    if (any(paymentWord)) return Purpose::Payment;
    if (any(signatureWord)) return Purpose::Signature;
    if (any(stepUpWord)) return Purpose::StepUp;
    if (!any(loginWord)) return Purpose::Unknown;
    for (std::size_t i = 1; i < words.size(); ++i)
        if (!loginWord(words[i])) return Purpose::Unknown;
    return Purpose::Login;
}

DialogText authenticateDialog(
    Lang lang, std::string_view origin, std::string_view context, const CardFacts& card)
{
    DialogText t;
    const std::string o(origin);
    const PurposeWords purpose = purposeWords(lang, classifyContext(context));
    const std::string c(context);
    if (lang == Lang::It) {
        t.title = std::string("Tessera Sanitaria \u2013 ") + purpose.title;
        t.description = o + " chiede di verificare la tua Tessera Sanitaria ("
            + cardPart(lang, card) + ").\nRichiesta: " + purpose.line + " (\u00ab" + c
            + "\u00bb).\nInserisci il PIN per confermare.";
        t.prompt = "PIN:";
        t.ok = "Conferma";
        t.cancel = "Annulla";
    } else {
        t.title = std::string("Health card \u2013 ") + purpose.title;
        t.description = o + " asks to verify your health card (" + cardPart(lang, card)
            + ").\nRequest: " + purpose.line + " (\u201c" + c
            + "\u201d).\nEnter your PIN to confirm.";
        t.prompt = "PIN:";
        t.ok = "Confirm";
        t.cancel = "Cancel";
    }
    t.description += triesPart(lang, card.pinTriesLeft) + originWarning(lang, origin);
    return t;
}

DialogText identityDialog(Lang lang, std::string_view origin, const CardFacts& card)
{
    DialogText t;
    const std::string o(origin);
    if (lang == Lang::It) {
        t.title = "Tessera Sanitaria \u2013 lettura del certificato";
        t.description = o + " chiede di leggere il certificato della tua Tessera Sanitaria ("
            + cardPart(lang, card)
            + "), che contiene nome, cognome e codice fiscale.\nConsenti la lettura?";
        t.ok = "Consenti";
        t.cancel = "Rifiuta";
    } else {
        t.title = "Health card \u2013 certificate";
        t.description = o + " asks to read the certificate of your health card ("
            + cardPart(lang, card)
            + "), which contains your name, surname and codice fiscale.\nAllow it?";
        t.ok = "Allow";
        t.cancel = "Deny";
    }
    t.description += originWarning(lang, origin);
    return t;
}

std::string pinFormatError(Lang lang)
{
    return lang == Lang::It ? "Il PIN deve avere da 5 a 8 cifre."
                            : "The PIN must have 5 to 8 digits.";
}

} // namespace tscns::daemon
