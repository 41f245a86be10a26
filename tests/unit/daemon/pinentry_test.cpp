// SPDX-License-Identifier: LGPL-2.1-or-later
// The Assuan client (PinentryUi) against tscns-test-pinentry, a scripted pinentry: the PIN with
// escaped characters, cancel, pinentry's own timeout, a hung pinentry killed at our deadline or
// on cancel, the texts it was sent; and the whole chain Core + pinentry + virtual card.
#include "core_fixture.hpp"
#include "groups.hpp"

#include "core/daemon_error.hpp"
#include "core/dialog_text.hpp"
#include "pinentry/assuan.hpp"
#include "pinentry/pinentry_ui.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

// Last: cmocka's fail() macro clashes with standard headers included after it.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::test;
using daemon::DaemonError;
using daemon::Problem;

#ifndef TSCNS_TEST_PINENTRY
#error "TSCNS_TEST_PINENTRY must name the scripted pinentry"
#endif

namespace {

struct PinentryFixture {
    std::string record; ///< file the scripted pinentry appends its input to
};

int pinentrySetup(void** state)
{
    auto* f = new PinentryFixture;
    char path[] = "/tmp/tscns-pinentry-test-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) {
        delete f;
        return -1;
    }
    close(fd);
    f->record = path;
    *state = f;
    return 0;
}

int pinentryTeardown(void** state)
{
    auto* f = static_cast<PinentryFixture*>(*state);
    std::remove(f->record.c_str());
    delete f;
    return 0;
}

PinentryFixture* pf(void** state)
{
    return static_cast<PinentryFixture*>(*state);
}

daemon::PinentryUi scripted(const PinentryFixture* f, std::vector<std::string> args,
    std::chrono::seconds grace = std::chrono::seconds(5))
{
    args.push_back("--record");
    args.push_back(f->record);
    return daemon::PinentryUi({ TSCNS_TEST_PINENTRY, std::move(args), grace });
}

std::string recorded(const PinentryFixture* f)
{
    std::ifstream in(f->record);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The pid the scripted pinentry recorded (its first line), -1 when none.
pid_t recordedPid(const PinentryFixture* f)
{
    const std::string r = recorded(f);
    if (r.rfind("PID ", 0) != 0) return -1;
    return static_cast<pid_t>(std::atol(r.c_str() + 4));
}

bool processGone(pid_t pid)
{
    return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
}

daemon::DialogText sampleText()
{
    daemon::DialogText t;
    t.title = "Tessera Sanitaria";
    t.description = "https://portal.example.it chiede di verificare la tua Tessera Sanitaria (CF "
                    "RSS\u2026, carta n. \u20261234).\nInserisci il PIN: 100% sicuro";
    t.prompt = "PIN:";
    t.ok = "Conferma";
    t.cancel = "Annulla";
    return t;
}

/// Runs fn; the Problem of the DaemonError it throws (nullopt when none, or another exception).
std::optional<Problem> problemOf(const std::function<void()>& fn)
{
    try {
        fn();
    } catch (const DaemonError& e) {
        return e.problem();
    } catch (...) {
    }
    return std::nullopt;
}

std::string asString(const SecureBytes& b)
{
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

void getpin_returnsPin_andSendsTheTexts(void** state)
{
    PinentryFixture* f = pf(state);
    TSCNS_CHECK([&](Checker& c) {
        auto ui = scripted(f, { "--pin", "48213", "--chatty" });
        daemon::OperationControl control;
        const SecureBytes pin = ui.askPin(sampleText(), std::chrono::seconds(120), control);
        c.eq(asString(pin), std::string("48213"), "PIN");
        const std::string r = recorded(f);
        c.that(r.find("SETDESC https://portal.example.it chiede di verificare la tua Tessera "
                      "Sanitaria (CF RSS\u2026, carta n. \u20261234).%0AInserisci il PIN: 100%25 "
                      "sicuro\n")
                != std::string::npos,
            "SETDESC escaped (%0A, %25):\n" + r);
        c.that(r.find("SETTITLE Tessera Sanitaria\n") != std::string::npos, "SETTITLE");
        c.that(r.find("SETPROMPT PIN:\n") != std::string::npos, "SETPROMPT");
        c.that(r.find("SETOK Conferma\n") != std::string::npos, "SETOK");
        c.that(r.find("SETCANCEL Annulla\n") != std::string::npos, "SETCANCEL");
        c.that(r.find("SETTIMEOUT 120\n") != std::string::npos, "SETTIMEOUT 120");
        c.that(r.find("GETPIN\n") != std::string::npos, "GETPIN");
        c.that(r.find("SETERROR") == std::string::npos, "no SETERROR without an error");
        c.that(r.find("BYE\n") != std::string::npos, "BYE at the end");
        c.that(processGone(recordedPid(f)), "pinentry ended and reaped");
    });
}

void getpin_percentEncodedPin_decoded(void** state)
{
    PinentryFixture* f = pf(state);
    TSCNS_CHECK([&](Checker& c) {
        daemon::OperationControl control;
        auto all = scripted(f, { "--pin", "4%8 2\\13", "--encode-all" });
        c.eq(asString(all.askPin(sampleText(), std::chrono::seconds(5), control)),
            std::string("4%8 2\\13"), "every byte escaped");
        auto split = scripted(f, { "--pin", "9%0A31", "--split" });
        c.eq(asString(split.askPin(sampleText(), std::chrono::seconds(5), control)),
            std::string("9%0A31"), "'%' escaped as %25, in two D lines");
        auto empty = scripted(f, { "--pin", "" });
        c.eq(asString(empty.askPin(sampleText(), std::chrono::seconds(5), control)), std::string(),
            "empty PIN (no D line)");
        daemon::DialogText withError = sampleText();
        withError.error = "Il PIN deve avere da 5 a 8 cifre.";
        auto again = scripted(f, { "--pin", "11111" });
        (void)again.askPin(withError, std::chrono::seconds(5), control);
        c.that(
            recorded(f).find("SETERROR Il PIN deve avere da 5 a 8 cifre.\n") != std::string::npos,
            "SETERROR");
    });
}

void getpin_userCancels_userCancelled(void** state)
{
    PinentryFixture* f = pf(state);
    TSCNS_CHECK([&](Checker& c) {
        auto ui = scripted(f, { "--cancel" });
        daemon::OperationControl control;
        c.that(problemOf([&] { (void)ui.askPin(sampleText(), std::chrono::seconds(5), control); })
                == Problem::UserCancelled,
            "ERR 83886179 Operation cancelled -> UserCancelled");
        c.that(processGone(recordedPid(f)), "pinentry gone");
    });
}

void getpin_pinentryTimeout_userTimeout(void** state)
{
    PinentryFixture* f = pf(state);
    TSCNS_CHECK([&](Checker& c) {
        auto ui = scripted(f, { "--timeout" });
        daemon::OperationControl control;
        const auto start = std::chrono::steady_clock::now();
        c.that(problemOf([&] { (void)ui.askPin(sampleText(), std::chrono::seconds(1), control); })
                == Problem::UserTimeout,
            "ERR 83886142 Timeout -> UserTimeout");
        c.that(std::chrono::steady_clock::now() - start < std::chrono::seconds(4), "promptly");
        c.that(recorded(f).find("SETTIMEOUT 1\n") != std::string::npos, "SETTIMEOUT 1");
    });
}

void getpin_hungPinentry_killedAtDeadline(void** state)
{
    PinentryFixture* f = pf(state);
    TSCNS_CHECK([&](Checker& c) {
        auto ui = scripted(f, { "--hang" }, std::chrono::seconds(1));
        daemon::OperationControl control;
        const auto start = std::chrono::steady_clock::now();
        c.that(problemOf([&] { (void)ui.askPin(sampleText(), std::chrono::seconds(1), control); })
                == Problem::UserTimeout,
            "our own deadline -> UserTimeout");
        const auto took = std::chrono::steady_clock::now() - start;
        c.that(took >= std::chrono::milliseconds(1900) && took < std::chrono::seconds(5),
            "timeout + grace");
        c.that(processGone(recordedPid(f)), "hung pinentry killed");
    });
}

void getpin_cancelledOperation_pinentryKilledAtOnce(void** state)
{
    PinentryFixture* f = pf(state);
    TSCNS_CHECK([&](Checker& c) {
        auto ui = scripted(f, { "--hang" });
        daemon::OperationControl control;
        std::thread canceller([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            control.cancel(daemon::CancelReason::PageCancelled);
        });
        const auto start = std::chrono::steady_clock::now();
        const auto problem
            = problemOf([&] { (void)ui.askPin(sampleText(), std::chrono::seconds(60), control); });
        canceller.join();
        c.that(problem == Problem::UserCancelled, "cancel -> UserCancelled");
        c.that(std::chrono::steady_clock::now() - start < std::chrono::seconds(3), "at once");
        c.that(processGone(recordedPid(f)), "pinentry killed");
        // Already cancelled: no pinentry is started at all.
        std::remove(f->record.c_str());
        c.that(problemOf([&] { (void)ui.askPin(sampleText(), std::chrono::seconds(60), control); })
                == Problem::UserCancelled,
            "cancelled before");
        c.eq(recordedPid(f), -1, "not started");
    });
}

void confirm_okAndNotConfirmed(void** state)
{
    PinentryFixture* f = pf(state);
    TSCNS_CHECK([&](Checker& c) {
        daemon::OperationControl control;
        auto yes = scripted(f, {});
        c.noThrow([&] { yes.confirm(sampleText(), std::chrono::seconds(5), control); }, "OK");
        c.that(recorded(f).find("CONFIRM\n") != std::string::npos, "CONFIRM sent");
        c.that(recorded(f).find("SETPROMPT") == std::string::npos, "no prompt for a confirmation");
        auto no = scripted(f, { "--not-confirm" });
        c.that(problemOf([&] { no.confirm(sampleText(), std::chrono::seconds(5), control); })
                == Problem::UserCancelled,
            "ERR 83886194 Not confirmed -> UserCancelled");
        auto cancel = scripted(f, { "--cancel" });
        c.that(problemOf([&] { cancel.confirm(sampleText(), std::chrono::seconds(5), control); })
                == Problem::UserCancelled,
            "cancel -> UserCancelled");
    });
}

void pinentry_missingOrBroken_dialogFailed(void** state)
{
    PinentryFixture* f = pf(state);
    TSCNS_CHECK([&](Checker& c) {
        daemon::OperationControl control;
        daemon::PinentryUi missing({ "/nonexistent/pinentry", {}, std::chrono::seconds(1) });
        c.that(problemOf([&] {
            (void)missing.askPin(sampleText(), std::chrono::seconds(2), control);
        }) == Problem::DialogFailed,
            "missing program");
        auto broken = scripted(f, { "--exit-at-start" });
        c.that(problemOf([&] {
            (void)broken.askPin(sampleText(), std::chrono::seconds(2), control);
        }) == Problem::DialogFailed,
            "exits without a greeting");
    });
}

void assuan_escapeAndUnescape(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        c.eq(daemon::assuan::escape("a%b\nc\rd\x01\x7f\u00e0"),
            std::string("a%25b%0Ac%0Dd%01%7F\u00e0"), "escape");
        SecureBytes out(16);
        c.that(daemon::assuan::unescapeInto("1%322%25", out), "decode");
        c.eq(asString(out), std::string("122%"), "decoded");
        SecureBytes bad(16);
        c.that(!daemon::assuan::unescapeInto("12%3", bad), "truncated escape");
        c.that(!daemon::assuan::unescapeInto("12%zz", bad), "bad hex");
        SecureBytes small(4);
        c.that(!daemon::assuan::unescapeInto("123456", small), "longer than the buffer");
    });
}

// ---- the whole chain ---------------------------------------------------------------------------

void chain_coreWithScriptedPinentryAndVirtualCard_tokenAndDialogText(void** state)
{
    const auto* images = static_cast<const CardImages*>(*state);
    TSCNS_CHECK([&](Checker& c) {
        char path[] = "/tmp/tscns-pinentry-chain-XXXXXX";
        const int fd = mkstemp(path);
        if (fd < 0) return c.report("mkstemp");
        close(fd);
        const PinentryFixture pfx { path };
        daemon::Config config;
        config.port = kPort;
        config.allowedOrigins = { kOrigin };
        FakeCardService cards(images->cns);
        auto ui = scripted(&pfx, { "--pin", kPin });
        daemon::Core core(config, cards, ui);
        const auto& rec = images->cns.record;
        const daemon::Response r
            = core.handle(authRequest(authBody(kChallenge, kContext, "it", rec.cardId)));
        c.eq(r.status, 200, "status: " + r.body);
        const std::string seen = recorded(&pfx);
        const std::string desc = "SETDESC " + std::string(kOrigin)
            + " chiede di verificare la tua Tessera Sanitaria (CF " + rec.codiceFiscale.substr(0, 3)
            + "\u2026, carta n. \u2026" + rec.cardId.substr(12)
            + ").%0ARichiesta: accesso al sito (login) (\u00abfse-login-2fa\u00bb).%0AInserisci il "
              "PIN per confermare.";
        c.that(seen.find(desc) != std::string::npos, "the user saw:\n" + seen);
        c.that(seen.find(rec.codiceFiscale) == std::string::npos, "never the full CF");
        c.that(seen.find(kPin) == std::string::npos, "the PIN never goes to the pinentry");
        c.eq(cards.card().pinVerified(), false, "card reset after the operation");
        std::remove(path);
    });
}

} // namespace

int runDaemonPinentryTests()
{
#define T(t) cmocka_unit_test_setup_teardown(t, pinentrySetup, pinentryTeardown)
    const struct CMUnitTest tests[] = {
        T(getpin_returnsPin_andSendsTheTexts),
        T(getpin_percentEncodedPin_decoded),
        T(getpin_userCancels_userCancelled),
        T(getpin_pinentryTimeout_userTimeout),
        T(getpin_hungPinentry_killedAtDeadline),
        T(getpin_cancelledOperation_pinentryKilledAtOnce),
        T(confirm_okAndNotConfirmed),
        T(pinentry_missingOrBroken_dialogFailed),
        cmocka_unit_test(assuan_escapeAndUnescape),
        cmocka_unit_test(chain_coreWithScriptedPinentryAndVirtualCard_tokenAndDialogText),
    };
#undef T
    return cmocka_run_group_tests_name("daemon_pinentry", tests, imagesSetup, imagesTeardown);
}
