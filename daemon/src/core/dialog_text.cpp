// SPDX-License-Identifier: LGPL-2.1-or-later
// Dialog texts, Italian and English.
#include "core/dialog_text.hpp"

#include "core/punycode.hpp"

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

DialogText authenticateDialog(Lang lang, std::string_view origin, const CardFacts& card)
{
    DialogText t;
    const std::string o(origin);
    if (lang == Lang::It) {
        t.title = "Tessera Sanitaria \u2013 verifica";
        t.description = o + " chiede di verificare la tua Tessera Sanitaria ("
            + cardPart(lang, card) + ").\nInserisci il PIN per confermare.";
        t.prompt = "PIN:";
        t.ok = "Conferma";
        t.cancel = "Annulla";
    } else {
        t.title = "Health card \u2013 verification";
        t.description = o + " asks to verify your health card (" + cardPart(lang, card)
            + ").\nEnter your PIN to confirm.";
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
