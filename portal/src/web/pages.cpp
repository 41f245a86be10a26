// SPDX-License-Identifier: LGPL-2.1-or-later
// Page rendering; every value from the user or the database goes through htmlEscape.
#include "web/pages.hpp"

#include "web/http_types.hpp"

namespace tscns::portal::pages {

namespace {
    std::string csrfField(const std::string& csrf)
    {
        return "<input type=\"hidden\" name=\"csrf\" value=\"" + htmlEscape(csrf) + "\">";
    }
    std::string errorBlock(const std::string& error)
    {
        if (error.empty()) return {};
        return "<p class=\"error\" id=\"error\" role=\"alert\">" + htmlEscape(error) + "</p>";
    }
} // namespace

std::string layout(const std::string& title, const std::string& csrf, const std::string& body,
    const std::string& script)
{
    std::string out = "<!doctype html>\n<html lang=\"it\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
    if (!csrf.empty()) out += "<meta name=\"csrf-token\" content=\"" + htmlEscape(csrf) + "\">";
    out += "<title>" + htmlEscape(title)
        + " - Fascicolo Sanitario</title>"
          "<link rel=\"stylesheet\" href=\"/static/portal.css\">";
    if (!script.empty())
        out += "<script type=\"module\" src=\"" + htmlEscape(script) + "\"></script>";
    out += "</head><body><header><p class=\"brand\">Fascicolo Sanitario Elettronico</p></header>"
           "<main><h1>"
        + htmlEscape(title) + "</h1>" + body + "</main></body></html>\n";
    return out;
}

std::string login(const std::string& csrf, const std::string& error, const std::string& userId)
{
    return layout("Accesso", csrf,
        errorBlock(error) + "<form method=\"post\" action=\"/login\" id=\"login-form\">"
            + csrfField(csrf)
            + "<label for=\"user_id\">Codice utente (ultime 10 cifre del numero sul retro della "
              "tessera)</label><input id=\"user_id\" name=\"user_id\" inputmode=\"numeric\" "
              "autocomplete=\"username\" maxlength=\"10\" required value=\""
            + htmlEscape(userId)
            + "\"><label for=\"password\">Password</label><input id=\"password\" "
              "name=\"password\" type=\"password\" autocomplete=\"current-password\" required>"
              "<button type=\"submit\" id=\"login-submit\">Accedi</button></form>");
}

std::string newPassword(const std::string& csrf, const std::string& error)
{
    return layout("Scegli la nuova password", csrf,
        errorBlock(error)
            + "<p>Primo accesso: la password provvisoria non vale piu'. Scegli una password di "
              "almeno 8 caratteri (anche una frase); non usare il codice utente, il codice "
              "fiscale o il tuo nome.</p><form method=\"post\" action=\"/login/new-password\" "
              "id=\"new-password-form\">"
            + csrfField(csrf)
            + "<label for=\"new_password\">Nuova password</label><input id=\"new_password\" "
              "name=\"new_password\" type=\"password\" autocomplete=\"new-password\" "
              "minlength=\"8\" maxlength=\"128\" required><label "
              "for=\"new_password_confirm\">Ripeti la nuova password</label><input "
              "id=\"new_password_confirm\" name=\"new_password_confirm\" type=\"password\" "
              "autocomplete=\"new-password\" required><button type=\"submit\" "
              "id=\"new-password-submit\">Salva e ricevi il codice SMS</button></form>");
}

std::string secondFactor(const std::string& csrf, const std::string& error, bool cardEnabled,
    const std::string& certificateUrl)
{
    std::string body = errorBlock(error)
        + "<p>Conferma l'accesso con un codice via SMS oppure con la tua Tessera Sanitaria - "
          "CNS nel lettore.</p><form method=\"post\" action=\"/login/otp/send\" "
          "id=\"sms-form\">"
        + csrfField(csrf)
        + "<button type=\"submit\" id=\"send-sms\">Invia il codice SMS</button></form>";
    if (cardEnabled)
        body += "<section id=\"card\"><h2>Con la tessera</h2><p>Serve tscnsd, il servizio "
                "locale della tessera, e il PIN della carta.</p><button type=\"button\" "
                "id=\"card-login\" disabled>Accedi con la tessera</button><p id=\"card-status\" "
                "data-state=\"idle\" role=\"status\"></p><noscript>L'accesso con la tessera "
                "richiede JavaScript; il codice SMS funziona senza.</noscript></section>";
    if (!certificateUrl.empty())
        body += "<section id=\"certificate\"><h2>Con il certificato della tessera nel "
                "browser</h2><p>Se il browser usa la tessera con il modulo PKCS#11, ti chiedera' "
                "di scegliere il certificato e il PIN della carta.</p><form method=\"post\" "
                "action=\""
            + htmlEscape(certificateUrl) + "\" id=\"certificate-form\">" + csrfField(csrf)
            + "<button type=\"submit\" id=\"certificate-login\">Accedi con il certificato"
              "</button></form></section>";
    return layout("Secondo fattore", csrf, body, cardEnabled ? "/static/card-login.js" : "");
}

std::string otp(const std::string& csrf, const std::string& error, const std::string& notice)
{
    std::string body = errorBlock(error);
    if (!notice.empty()) body += "<p class=\"notice\" id=\"notice\">" + htmlEscape(notice) + "</p>";
    body += "<form method=\"post\" action=\"/login/otp\" id=\"otp-form\">" + csrfField(csrf)
        + "<label for=\"code\">Codice ricevuto via SMS (6 cifre)</label><input id=\"code\" "
          "name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"6\" "
          "required><button type=\"submit\" id=\"otp-submit\">Conferma</button></form>"
          "<form method=\"post\" action=\"/login/otp/send\" id=\"resend-form\">"
        + csrfField(csrf)
        + "<button type=\"submit\" id=\"resend\">Invia un nuovo codice</button></form>";
    return layout("Codice SMS", csrf, body);
}

std::string home(const std::string& csrf, const std::string& name, const std::string& amr)
{
    return layout("Il tuo fascicolo", csrf,
        "<p>Benvenuto/a, <strong id=\"holder\">" + htmlEscape(name)
            + "</strong>.</p><dl><dt>Accesso con</dt><dd id=\"amr\">" + htmlEscape(amr)
            + "</dd></dl><form method=\"post\" action=\"/logout\" id=\"logout-form\">"
            + csrfField(csrf) + "<button type=\"submit\" id=\"logout\">Esci</button></form>");
}

std::string message(const std::string& title, const std::string& text, const std::string& loginUrl)
{
    return layout(title, "",
        "<p id=\"message\">" + htmlEscape(text) + "</p><p><a href=\"" + htmlEscape(loginUrl)
            + "\">Torna all'accesso</a></p>");
}

} // namespace tscns::portal::pages
