// SPDX-License-Identifier: LGPL-2.1-or-later
// readers, info, cert, pin, watch.
#include "commands.hpp"

#include "exit_codes.hpp"
#include "secret_input.hpp"
#include "watchdog.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cns/cns_card.hpp"
#include "tscns/cns/subject_cn.hpp"
#include "tscns/crypto/certificate.hpp"
#include "tscns/reader/cns_access.hpp"
#include "tscns/reader/pcsc.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace tscns::tool {

using Json = nlohmann::ordered_json;

namespace {
    std::string isoDate(const std::optional<cns::Date>& d)
    {
        return d ? d->toIso() : std::string();
    }

    Json optDate(const std::optional<cns::Date>& d)
    {
        return d ? Json(d->toIso()) : Json(nullptr);
    }

    void printJson(const Json& j)
    {
        std::cout << j.dump(2) << '\n';
    }

    // Everything `info` shows, read in one PC/SC transaction; each file is read once.
    struct CardReport {
        std::string reader;
        Bytes atr;
        cns::Identification id;
        std::optional<cns::PersonalData> personal;
        std::string personalError;
        Bytes certificate;
        std::optional<crypto::CertificateInfo> cert;
        std::optional<cns::SubjectCn> cn;
        std::string cnError;
        cns::PinStatus pin;
    };

    CardReport readCard(const Options& o)
    {
        reader::Context ctx;
        const Watchdog::Watch watched(o.watchdog, ctx);
        CardReport rep;
        auto opened = reader::openCns(ctx, o.reader);
        rep.reader = opened.reader;
        rep.atr = opened.connection->link().atr();
        auto use = opened.connection->begin(cns::PinRule::ResetAfterPin);
        cns::CnsCard& cns = use.card();
        try {
            rep.personal = cns::PersonalData::parse(cns.readPersonalDataRaw());
        } catch (const Error& e) {
            // Absent or unusable: shown, not fatal (as OpenSC).
            if (e.code() != Errc::CardData && e.code() != Errc::CardRejected) throw;
            rep.personalError = e.message();
        }
        rep.certificate = cns.readCertificate();
        rep.pin = cns.pinStatus();
        use.finish();
        rep.id = opened.connection->identification(); // with the layout the reads confirmed
        rep.cert = crypto::inspectCertificate(rep.certificate);
        try {
            rep.cn = cns::SubjectCn::parse(rep.cert->commonName);
        } catch (const Error& e) {
            rep.cnError = e.message();
        }
        if (rep.id.cardId.digits.empty() && rep.cn) rep.id.cardId = rep.cn->cardId;
        return rep;
    }

    Json reportJson(const CardReport& r)
    {
        Json j;
        j["reader"] = r.reader;
        j["atr"] = toHex(r.atr);
        j["cardId"] = r.id.cardId.digits;
        j["cardType"] = r.id.cardId.type ? Json(std::string(cns::cardTypeName(*r.id.cardId.type)))
                                         : Json(nullptr);
        j["issuerCode"] = r.id.cardId.issuer;
        const auto& checks = r.id.cardId.checks;
        j["cardIdChecks"]
            = Json { { "sixteenDigits", checks.sixteenDigits }, { "knownType", checks.knownType },
                  { "luhn", checks.luhn }, { "problems", checks.problems } };
        Json prof;
        prof["name"] = std::string(r.id.profile.name);
        prof["family"] = std::string(cns::familyName(r.id.profile.family));
        prof["application"]
            = r.id.profile.usesApplication() ? Json(toHex(r.id.profile.aid)) : Json(nullptr);
        prof["certificatePath"] = r.id.profile.certificatePath().toString();
        prof["knownAtrStructure"] = r.id.atrRecognised;
        if (r.id.atrInfo) {
            prof["chipManufacturer"] = std::string(r.id.atrInfo->chipManufacturerName());
            prof["maskManufacturer"] = std::string(r.id.atrInfo->maskManufacturerName());
            prof["cnsVersion"] = r.id.atrInfo->versionString();
        }
        prof["knownAtr"] = r.id.atrLabel.empty() ? Json(nullptr) : Json(r.id.atrLabel);
        j["profile"] = prof;
        j["notes"] = r.id.notes;
        if (r.personal) {
            const auto& p = *r.personal;
            j["surname"] = p.surname;
            j["givenName"] = p.givenName;
            j["codiceFiscale"] = p.codiceFiscale;
            j["sex"] = p.sex;
            j["birthDate"] = optDate(p.birthDate);
            j["birthPlace"] = p.birthMunicipality;
            j["residence"] = p.residenceMunicipality;
            j["issuer"] = p.issuer;
            j["issueDate"] = optDate(p.issueDate);
            j["expiryDate"] = optDate(p.expiryDate);
            j["personalDataWarnings"] = p.warnings;
        } else {
            j["personalDataError"] = r.personalError;
            // Fall back on the certificate for the holder's codice fiscale.
            j["codiceFiscale"] = r.cn ? Json(r.cn->codiceFiscale) : Json(nullptr);
            j["surname"] = nullptr;
            j["givenName"] = nullptr;
        }
        Json c;
        c["subject"] = r.cert->subject;
        c["issuer"] = r.cert->issuer;
        c["serialNumber"] = r.cert->serialHex;
        c["notBefore"] = r.cert->notBefore;
        c["notAfter"] = r.cert->notAfter;
        c["keyType"] = r.cert->keyType;
        c["keyBits"] = r.cert->keyBits;
        c["policies"] = r.cert->policies;
        c["clientAuth"] = r.cert->clientAuth;
        if (r.cn) {
            c["codiceFiscale"] = r.cn->codiceFiscale;
            c["cardId"] = r.cn->cardId.digits;
            c["matchesCard"] = r.cn->cardId.digits == r.id.cardId.digits;
        } else {
            c["cnError"] = r.cnError;
        }
        c["sha256"] = r.cert->sha256;
        c["pem"] = r.cert->pem;
        j["certificate"] = c;
        Json pin;
        pin["triesLeft"] = r.pin.triesLeft ? Json(*r.pin.triesLeft) : Json(nullptr);
        pin["blocked"] = r.pin.blocked;
        j["pin"] = pin;
        return j;
    }

    void printReport(const CardReport& r)
    {
        auto row
            = [](const char* k, const std::string& v) { std::printf("%-16s %s\n", k, v.c_str()); };
        row("Reader", r.reader);
        row("Card ID",
            r.id.cardId.digits + " ("
                + (r.id.cardId.type ? std::string(cns::cardTypeName(*r.id.cardId.type))
                                    : std::string("unknown card type"))
                + ", issuer " + r.id.cardId.issuer + ")");
        for (const auto& problem : r.id.cardId.checks.problems)
            row("  check", problem);
        std::string prof(r.id.profile.name);
        if (r.id.atrInfo)
            prof += "; chip " + std::string(r.id.atrInfo->chipManufacturerName()) + ", mask "
                + std::string(r.id.atrInfo->maskManufacturerName()) + ", CNS "
                + r.id.atrInfo->versionString();
        row("Card", prof);
        row("Layout",
            std::string(cns::familyName(r.id.profile.family)) + ", certificate "
                + r.id.profile.certificatePath().toString()
                + (r.id.profile.usesApplication() ? " in application " + toHex(r.id.profile.aid)
                                                  : std::string()));
        if (!r.id.atrLabel.empty()) row("Known ATR", r.id.atrLabel);
        if (!r.id.atrRecognised) row("ATR", "unknown ATR (the card answered as a TS-CNS)");
        for (const auto& note : r.id.notes)
            if (note.rfind("unknown ATR", 0) != 0 && note.rfind("EF_IDCarta: ", 0) != 0)
                row("Note", note);
        if (r.personal) {
            const auto& p = *r.personal;
            row("Holder",
                p.givenName + " " + p.surname + (p.sex.empty() ? "" : " (" + p.sex + ")"));
            row("Codice fiscale", p.codiceFiscale);
            row("Born",
                isoDate(p.birthDate)
                    + (p.birthMunicipality.empty() ? "" : " in " + p.birthMunicipality));
            row("Card valid", isoDate(p.issueDate) + " to " + isoDate(p.expiryDate));
            for (const auto& w : p.warnings)
                row("  warning", "personal data: " + w);
        } else {
            row("Personal data", "unreadable: " + r.personalError);
        }
        row("Certificate", r.cert->subject);
        row("  issuer", r.cert->issuer);
        row("  valid", r.cert->notBefore + " to " + r.cert->notAfter);
        row("  key", r.cert->keyType + " " + std::to_string(r.cert->keyBits) + " bits");
        if (!r.cn)
            row("  warning", "CN is not in the CNS form: " + r.cnError);
        else if (r.cn->cardId.digits != r.id.cardId.digits)
            row("  warning", "CN names card " + r.cn->cardId.digits);
        if (r.pin.blocked)
            row("PIN", "BLOCKED: unblock it with the PUK (tscns pin unblock)");
        else if (r.pin.triesLeft)
            row("PIN", std::to_string(*r.pin.triesLeft) + " tries left");
        else if (r.pin.verified)
            row("PIN", "verified in this card session");
        else
            row("PIN", "tries left not reported by this card");
    }

    std::atomic<reader::Context*> gWatchContext { nullptr };
    std::atomic<bool> gStop { false };

    void onSignal(int)
    {
        gStop = true;
        if (auto* c = gWatchContext.load()) c->cancel();
    }
} // namespace

int cmdReaders(const Options& o)
{
    reader::Context ctx;
    const auto readers = ctx.readers();
    if (o.json) {
        Json arr = Json::array();
        for (std::size_t i = 0; i < readers.size(); ++i) {
            const auto& r = readers[i];
            arr.push_back(
                Json { { "index", i }, { "name", r.name }, { "cardPresent", r.cardPresent },
                    { "atr", r.cardPresent ? Json(toHex(r.atr)) : Json(nullptr) },
                    { "inUse", r.inUse } });
        }
        printJson(Json { { "readers", arr } });
    } else {
        if (readers.empty()) std::printf("no readers\n");
        for (std::size_t i = 0; i < readers.size(); ++i) {
            const auto& r = readers[i];
            std::printf("%zu  %-40s %s\n", i, r.name.c_str(),
                r.cardPresent ? ("card " + toHexSpaced(r.atr)).c_str() : "no card");
        }
    }
    return readers.empty() ? kNoReader : kOk;
}

int cmdInfo(const Options& o)
{
    const CardReport r = readCard(o);
    if (o.json)
        printJson(reportJson(r));
    else
        printReport(r);
    return kOk;
}

int cmdCert(const Options& o)
{
    reader::Context ctx;
    const Watchdog::Watch watched(o.watchdog, ctx);
    auto opened = reader::openCns(ctx, o.reader);
    Bytes der;
    {
        auto use = opened.connection->begin(cns::PinRule::ResetAfterPin);
        der = use.card().readCertificate();
        use.finish();
    }
    const std::string pem = crypto::certificateToPem(der); // also checks it is a certificate
    const bool toFile = o.output && *o.output != "-";
    if (o.der && !toFile && isatty(fileno(stdout)))
        throw Error(Errc::BadArgument, "refusing to write DER to a terminal: use --out FILE");
    std::ofstream file;
    std::ostream* out = &std::cout;
    if (toFile) {
        file.open(*o.output, std::ios::binary | std::ios::trunc);
        if (!file) throw Error(Errc::BadArgument, "cannot write " + *o.output);
        out = &file;
    }
    if (o.der)
        out->write(
            reinterpret_cast<const char*>(der.data()), static_cast<std::streamsize>(der.size()));
    else
        *out << pem;
    out->flush();
    if (!*out) throw Error(Errc::BadArgument, "writing the certificate failed");
    return kOk;
}

int cmdPin(const std::string& action, const Options& o)
{
    if (action != "verify" && action != "change" && action != "unblock" && action != "status")
        throw Error(Errc::BadArgument,
            "unknown pin action \"" + action + "\" (verify, change, unblock, status)");
    SecretSource secrets(o.pinFile, o.watchdog);
    reader::Context ctx;
    const Watchdog::Watch watched(o.watchdog, ctx);
    auto opened = reader::openCns(ctx, o.reader);
    const std::string& name = opened.reader;
    const cns::Identification& id = opened.connection->identification();
    // Outside a PKCS#11 login no verified PIN stays on the card: every PIN command below ends
    // with a card reset (finish() reports a reset that fails).
    auto use = opened.connection->begin(cns::PinRule::ResetAfterPin);
    cns::CnsCard& cns = use.card();

    Json result;
    result["reader"] = name;
    result["cardId"] = id.cardId.digits;
    if (action == "status") {
        const auto st = cns.pinStatus();
        use.finish();
        result["triesLeft"] = st.triesLeft ? Json(*st.triesLeft) : Json(nullptr);
        result["blocked"] = st.blocked;
        result["verified"] = st.verified;
        if (o.json)
            printJson(result);
        else if (st.blocked)
            std::printf("PIN blocked\n");
        else if (st.triesLeft)
            std::printf("PIN: %d tries left\n", *st.triesLeft);
        else
            std::printf("PIN: the card does not report the tries left\n");
        return st.blocked ? kPinLocked : kOk;
    }
    if (action == "verify") {
        // Ask the card first: a blocked PIN is reported without spending anything.
        const auto st = cns.pinStatus();
        if (st.blocked)
            throw Error(
                Errc::PinLocked, "the PIN is blocked: unblock it with the PUK (tscns pin unblock)");
        SecureBytes pin = secrets.next("PIN: ");
        cns.verifyPin(pin);
        use.finish();
        result["verified"] = true;
        if (o.json)
            printJson(result);
        else
            std::printf("PIN correct\n");
        return kOk;
    }
    if (action == "change") {
        SecureBytes oldPin = secrets.next("Current PIN: ");
        SecureBytes newPin = secrets.next("New PIN: ");
        if (!o.pinFile) {
            SecureBytes again = secrets.next("New PIN again: ");
            if (again.size() != newPin.size()
                || !std::equal(again.view().begin(), again.view().end(), newPin.view().begin()))
                throw Error(Errc::BadArgument, "the two new PINs differ: nothing was changed");
        }
        cns.changePin(oldPin, newPin);
        use.finish();
        result["changed"] = true;
        if (o.json)
            printJson(result);
        else
            std::printf("PIN changed\n");
        return kOk;
    }
    SecureBytes puk = secrets.next("PUK: ");
    SecureBytes newPin = secrets.next("New PIN: ");
    if (!o.pinFile) {
        SecureBytes again = secrets.next("New PIN again: ");
        if (again.size() != newPin.size()
            || !std::equal(again.view().begin(), again.view().end(), newPin.view().begin()))
            throw Error(Errc::BadArgument, "the two new PINs differ: nothing was changed");
    }
    cns.unblockPin(puk, newPin);
    use.finish();
    result["unblocked"] = true;
    if (o.json)
        printJson(result);
    else
        std::printf("PIN unblocked and set\n");
    return kOk;
}

int cmdWatch(const Options& o)
{
    reader::Context ctx;
    gWatchContext = &ctx;
    struct sigaction sa { };
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    unsigned seen = 0;
    bool first = true;
    const auto start = std::chrono::steady_clock::now();
    int rc = kOk;
    try {
        while (!gStop) {
            std::chrono::milliseconds wait(1000);
            if (o.timeoutMs) {
                const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start);
                if (elapsed.count() >= *o.timeoutMs) break;
                wait = std::min(wait, std::chrono::milliseconds(*o.timeoutMs) - elapsed);
            }
            const auto events = ctx.waitForEvents(wait);
            for (const auto& e : events) {
                const auto now = std::chrono::system_clock::now();
                const std::time_t t = std::chrono::system_clock::to_time_t(now);
                char ts[32];
                std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
                if (o.json) {
                    Json j { { "time", ts }, { "event", reader::eventKindName(e.kind) },
                        { "reader", e.reader }, { "initial", first } };
                    if (e.kind == reader::EventKind::CardInserted) j["atr"] = toHex(e.atr);
                    std::cout << j.dump() << std::endl;
                } else {
                    std::cout << ts << "  " << reader::eventKindName(e.kind)
                              << (first ? " (present)" : "") << "  " << e.reader;
                    if (e.kind == reader::EventKind::CardInserted)
                        std::cout << "  ATR " << toHexSpaced(e.atr);
                    std::cout << std::endl;
                }
                if (!first) ++seen;
            }
            first = false;
            if (o.count && seen >= *o.count) break;
        }
    } catch (...) {
        gWatchContext = nullptr;
        throw;
    }
    gWatchContext = nullptr;
    return rc;
}

} // namespace tscns::tool
