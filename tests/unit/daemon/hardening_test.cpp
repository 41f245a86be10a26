// SPDX-License-Identifier: LGPL-2.1-or-later
// The transport-facing checks of tscnsd: percent-escapes on the bytes received, the owner of a
// loopback peer from /proc/net/tcp{,6}, the administrator's limits on the user's configuration
// file, and the dialog's words for the request's context.
#include "groups.hpp"

#include "core/config.hpp"
#include "core/daemon_error.hpp"
#include "core/dialog_text.hpp"
#include "core/peer_owner.hpp"
#include "core/request_checks.hpp"

#include "tscns/apdu/error.hpp"

#include <arpa/inet.h>
#include <bit>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

// Last: cmocka's fail() macro clashes with standard headers included after it.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::test;
using namespace tscns::daemon;

namespace {

/// The Problem checkRawHead raises, nullopt when it accepts; "other" exceptions fail the test.
std::optional<Problem> rawProblem(const std::string& head)
{
    try {
        checkRawHead(head);
    } catch (const DaemonError& e) {
        return e.problem();
    }
    return std::nullopt;
}

// ---- checkRawHead ------------------------------------------------------------------------------

void rawHead_percentInTargetOrCheckedHeader_notCanonical(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        const std::string ok = "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:47123\r\n"
                               "Origin: https://portal.example.it\r\nX-CNS-Client: 1\r\n"
                               "User-Agent: test 100%\r\n\r\n";
        c.that(!rawProblem(ok), "a canonical head (a '%' in User-Agent is not checked)");
        c.that(!rawProblem("GET /v1/status HTTP/1.1\nHost: 127.0.0.1:47123\n\n"), "bare LF");
        c.that(!rawProblem(ok + "{\"a\": \"%41\"}"), "the body is not the head");
        for (const char* bad : {
                 "GET /v1/%73tatus HTTP/1.1\r\nHost: 127.0.0.1:47123\r\n\r\n",
                 "GET /v1/status?x=%41 HTTP/1.1\r\nHost: 127.0.0.1:47123\r\n\r\n",
                 "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1%3A47123\r\n\r\n",
                 "GET /v1/status HTTP/1.1\r\nhOsT:127.0.0.1%3a47123\r\n\r\n",
                 "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:47123\r\n"
                 "Origin: https://portal.example%2eit\r\n\r\n",
                 "POST /v1/cancel HTTP/1.1\r\nHost: 127.0.0.1:47123\r\nX-CNS-Client: %31\r\n\r\n",
                 "POST /v1/cancel HTTP/1.1\r\nContent-Type: application%2Fjson\r\n\r\n",
                 "GET /v1/status HTTP/1.1\r\nSec-Fetch-Site: cross%2Dsite\r\n\r\n",
                 "GET /v1/status HTTP/1.1\r\nSec-Fetch-Mode: c%6Frs\r\n\r\n",
                 "OPTIONS /v1/status HTTP/1.1\r\nAccess-Control-Request-Method: G%45T\r\n\r\n",
                 "OPTIONS /v1/status HTTP/1.1\r\nAccess-Control-Request-Headers: "
                 "x%2dcns-client\r\n\r\n",
             }) {
            const auto p = rawProblem(bad);
            c.that(p && *p == Problem::NotCanonical, std::string("refused: ") + bad);
        }
        const auto empty = rawProblem("");
        c.that(empty && *empty == Problem::BodyInvalid, "an empty head");
        const auto noLine = rawProblem("GARBAGE\r\n\r\n");
        c.that(noLine && *noLine == Problem::BodyInvalid, "a request line without a target");
    });
}

// ---- /proc/net/tcp{,6} -------------------------------------------------------------------------

void procNet_addressText_asTheKernelPrintsIt(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        const std::uint8_t v4[] = { 127, 0, 0, 1 };
        const std::uint8_t v6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
        if constexpr (std::endian::native == std::endian::little) {
            c.eq(procNetAddress(v4, 47123), std::string("0100007F:B813"), "127.0.0.1:47123");
            c.eq(procNetAddress(v6, 47123), std::string("00000000000000000000000001000000:B813"),
                "[::1]:47123");
        } else {
            c.eq(procNetAddress(v4, 47123), std::string("7F000001:B813"), "127.0.0.1:47123");
            c.eq(procNetAddress(v6, 47123), std::string("00000000000000000000000000000001:B813"),
                "[::1]:47123");
        }
        c.eq(procNetAddress(std::span<const std::uint8_t>(v4, 3), 1), std::string(), "bad size");
    });
}

void procNet_socketOwner_peerEntryOnly(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        // The daemon listens on 0100007F:B813; the client socket 0100007F:A000 belongs to uid
        // 1000; the accepted socket (the daemon's side, uid 0) and a TIME_WAIT entry of an
        // earlier connection (listed as uid 0) must not be taken for it.
        const std::string table
            = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
              "timeout inode\n"
              "   0: 0100007F:B813 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0 "
              "       0 1001 1 0000000000000000 100 0 0 10 0\n"
              "   1: 0100007F:B813 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0 "
              "       0 1002 1 0000000000000000 20 4 30 10 -1\n"
              "   2: 0100007F:A000 0100007F:B813 01 00000000:00000000 00:00000000 00000000  1000 "
              "       0 1003 1 0000000000000000 20 4 30 10 -1\n"
              "   3: 0100007F:A001 0100007F:B813 06 00000000:00000000 03:00001000 00000000     0 "
              "       0 0 3 0000000000000000\n"
              "   4: 0100007F:A002 0100007F:B813 08 00000000:00000000 00:00000000 00000000 65534 "
              "       0 1004 1 0000000000000000 20 4 30 10 -1\n";
        c.eq(socketOwner(table, "0100007F:A000", "0100007F:B813").value_or(99999), 1000U,
            "the client's socket");
        c.eq(socketOwner(table, "0100007f:a000", "0100007f:b813").value_or(99999), 1000U,
            "hex case does not matter");
        c.eq(socketOwner(table, "0100007F:A002", "0100007F:B813").value_or(99999), 65534U,
            "a half-closed client socket (CLOSE_WAIT) still names its owner");
        c.that(!socketOwner(table, "0100007F:A001", "0100007F:B813"), "TIME_WAIT only: unknown");
        c.that(!socketOwner(table, "0100007F:A003", "0100007F:B813"), "no entry: unknown");
        c.that(!socketOwner(table, "0100007F:B813", "00000000:0000"), "the listener is skipped");
        c.that(!socketOwner(table
                       + "   5: 0100007F:A000 0100007F:B813 01 00000000:00000000 00:00000000 "
                         "00000000  1001        0 1005 1\n",
                   "0100007F:A000", "0100007F:B813"),
            "two entries that disagree: unknown");
        c.that(!socketOwner(table + "   6: 0100007F:A004 0100007F:B813 01\n", "0100007F:A004",
                   "0100007F:B813"),
            "a truncated line: unknown");
        c.that(!socketOwner("", "0100007F:A000", "0100007F:B813"), "empty table");
    });
}

/// A real loopback connection: its client end is in /proc/net/tcp with our uid.
void procNet_liveLoopbackConnection_ownedByUs(void** state)
{
    (void)state;
    std::string table;
    std::string peerText;
    std::string selfText;
    bool setUp = false;
    {
        const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        const int client = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr {};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        int accepted = -1;
        if (listener >= 0 && client >= 0
            && ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0
            && ::listen(listener, 1) == 0
            && ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0
            && ::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0
            && (accepted = ::accept(listener, nullptr, nullptr)) >= 0) {
            sockaddr_in self {};
            sockaddr_in peer {};
            socklen_t sl = sizeof self;
            socklen_t pl = sizeof peer;
            if (::getsockname(accepted, reinterpret_cast<sockaddr*>(&self), &sl) == 0
                && ::getpeername(accepted, reinterpret_cast<sockaddr*>(&peer), &pl) == 0) {
                selfText = procNetAddress(
                    std::span(reinterpret_cast<const std::uint8_t*>(&self.sin_addr), 4),
                    ntohs(self.sin_port));
                peerText = procNetAddress(
                    std::span(reinterpret_cast<const std::uint8_t*>(&peer.sin_addr), 4),
                    ntohs(peer.sin_port));
                std::ifstream in("/proc/net/tcp");
                std::ostringstream text;
                text << in.rdbuf();
                table = text.str();
                setUp = true;
            }
        }
        for (const int fd : { accepted, client, listener })
            if (fd >= 0) ::close(fd);
    }
    assert_true(setUp);
    const auto owner = socketOwner(table, peerText, selfText);
    assert_true(owner.has_value());
    assert_int_equal(*owner, ::getuid());
    // Seen from the other side, the accepted socket is found too (also ours).
    assert_true(socketOwner(table, selfText, peerText).has_value());
}

// ---- configuration: the administrator's file limits the user's ---------------------------------

void config_userFile_cannotWidenWithoutTheAdministrator(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        Config system;
        applyConfigJson(system,
            R"({"allowedOrigins": ["https://a.example"], "rateLimitPerMinute": 5,
                "pinentry": "/usr/bin/pinentry-gnome3"})",
            "/etc/tscns/tscnsd.json", ConfigSource::System);
        for (const char* bad : { R"({"allowedOrigins": ["https://evil.example"]})",
                 R"({"allowedOrigins": []})", R"({"rateLimitPerMinute": 0})",
                 R"({"rateLimitPerMinute": 6})", R"({"pinentry": "/tmp/fake-pinentry"})",
                 R"({"allowHttpOrigins": true})", R"({"allowUserOverrides": ["pinentry"]})" }) {
            Config copy = system;
            c.throws(
                Errc::BadArgument,
                [&] { applyConfigJson(copy, bad, "user.json", ConfigSource::User); }, bad,
                "administrator");
            c.that(copy.allowedOrigins == system.allowedOrigins, "origins unchanged");
            c.eq(copy.pinentry, system.pinentry, "pinentry unchanged");
            c.eq(copy.rateLimitPerMinute, 5U, "rate unchanged");
        }
        Config user = system;
        c.noThrow(
            [&] {
                applyConfigJson(user,
                    R"({"rateLimitPerMinute": 2, "uiTimeoutSeconds": 60, "reader": "Virtual",
                        "logLevel": "debug", "port": 47200})",
                    "user.json", ConfigSource::User);
            },
            "the user's own settings and a lower rate");
        c.eq(user.rateLimitPerMinute, 2U, "lowered");
        c.eq(user.port, 47200, "port");
        c.eq(user.allowedOrigins.size(), std::size_t(1), "still only the administrator's");
        // No administrator file at all: the user file is just as limited.
        Config none;
        c.throws(
            Errc::BadArgument,
            [&] {
                applyConfigJson(none, R"({"allowedOrigins": ["https://a.example"]})", "user.json",
                    ConfigSource::User);
            },
            "no system file", "allowUserOverrides");
        c.that(none.allowedOrigins.empty(), "nothing added");
        // An unlimited administrator rate cannot be "lowered" to 0 either (0 is no limit).
        Config unlimited;
        unlimited.rateLimitPerMinute = 0;
        c.noThrow(
            [&] {
                applyConfigJson(
                    unlimited, R"({"rateLimitPerMinute": 9})", "user.json", ConfigSource::User);
            },
            "a limit below no limit");
        c.eq(unlimited.rateLimitPerMinute, 9U, "limited now");
    });
}

void config_userOverrides_letTheListedMembersThrough(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        Config config;
        applyConfigJson(config,
            R"({"allowedOrigins": ["https://a.example"],
                "allowUserOverrides": ["allowedOrigins", "rateLimitPerMinute", "pinentry"]})",
            "/etc/tscns/tscnsd.json", ConfigSource::System);
        c.that(config.userOverrides.allowedOrigins && config.userOverrides.rateLimitPerMinute
                && config.userOverrides.pinentry && !config.userOverrides.allowHttpOrigins,
            "the listed members");
        c.noThrow(
            [&] {
                applyConfigJson(config,
                    R"({"allowedOrigins": ["https://b.example"], "rateLimitPerMinute": 0,
                        "pinentry": "/usr/bin/pinentry-qt"})",
                    "user.json", ConfigSource::User);
            },
            "allowed by the administrator");
        c.eq(config.allowedOrigins.size(), std::size_t(2), "added to the administrator's list");
        c.eq(config.rateLimitPerMinute, 0U, "switched off");
        c.eq(config.pinentry, std::string("/usr/bin/pinentry-qt"), "pinentry");
        c.throws(
            Errc::BadArgument,
            [&] {
                applyConfigJson(
                    config, R"({"allowHttpOrigins": true})", "user.json", ConfigSource::User);
            },
            "not listed", "allowHttpOrigins");
        // --config FILE: unrestricted; its allowUserOverrides is accepted and has no effect.
        Config explicitFile;
        c.noThrow(
            [&] {
                applyConfigJson(explicitFile,
                    R"({"allowedOrigins": ["https://a.example"], "rateLimitPerMinute": 0,
                        "pinentry": "/bin/p", "allowUserOverrides": ["pinentry"]})",
                    "test.json", ConfigSource::Explicit);
            },
            "explicit file");
        c.that(!explicitFile.userOverrides.pinentry, "overrides only from the system file");
        for (const char* bad : { R"({"allowUserOverrides": "pinentry"})",
                 R"({"allowUserOverrides": ["port"]})", R"({"allowUserOverrides": [true]})" }) {
            Config copy;
            c.throws(
                Errc::BadArgument,
                [&] { applyConfigJson(copy, bad, "/etc/x.json", ConfigSource::System); }, bad,
                "allowUserOverrides");
        }
    });
}

// ---- the dialog says what is requested ---------------------------------------------------------

void dialog_context_purposeInWordsNeverLoginWhenUnknown(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        const struct {
            const char* context;
            Purpose purpose;
        } table[] = {
            { "fse-login-2fa", Purpose::Login },
            { "login", Purpose::Login },
            { "fse-2fa", Purpose::Login },
            { "portale-accesso", Purpose::Login },
            { "step-up-payment", Purpose::Payment },
            { "fse-login-payment", Purpose::Payment },
            { "payment-login", Purpose::Payment },
            { "pagamento-ticket", Purpose::Payment },
            { "sign-document", Purpose::Signature },
            { "fse-firma-documento", Purpose::Signature },
            { "step-up", Purpose::StepUp },
            { "login-confirm", Purpose::StepUp },
            { "fse-login-transfer", Purpose::Unknown },
            { "fse", Purpose::Unknown },
            { "transfer-funds", Purpose::Unknown },
            { "x-login", Purpose::Login },
            { "2fa-x", Purpose::Unknown },
            { "-", Purpose::Unknown },
            { "", Purpose::Unknown },
        };
        for (const auto& t : table)
            c.that(classifyContext(t.context) == t.purpose, std::string("context ") + t.context);

        const CardFacts card { "RSSMRA80A01H501U", "6030123456781234", std::nullopt };
        const DialogText login
            = authenticateDialog(Lang::It, "https://portal.example.it", "fse-login-2fa", card);
        c.eq(login.title, std::string("Tessera Sanitaria \u2013 accesso"), "login title");
        // The whole login text is pinned by units_test.cpp (cns-auth.md §3.6's example).
        c.contains(login.description, "Richiesta: accesso al sito (login)", "login words");
        const DialogText pay
            = authenticateDialog(Lang::It, "https://portal.example.it", "step-up-payment", card);
        c.eq(pay.title, std::string("Tessera Sanitaria \u2013 pagamento"), "payment title");
        c.contains(pay.description, "conferma di un pagamento, NON un accesso", "payment words");
        c.contains(pay.description, "\u00abstep-up-payment\u00bb", "the context itself");
        const DialogText sign
            = authenticateDialog(Lang::En, "https://portal.example.it", "sign-document", card);
        c.eq(sign.title, std::string("Health card \u2013 signature"), "signature title");
        c.contains(
            sign.description, "Request: signature of a document, NOT a sign-in", "signature words");
        for (const Lang lang : { Lang::It, Lang::En }) {
            const DialogText unknown
                = authenticateDialog(lang, "https://portal.example.it", "fse-login-transfer", card);
            c.contains(unknown.description,
                lang == Lang::It ? "scopo sconosciuto a questo programma, NON un accesso"
                                 : "a purpose this program does not know, NOT a sign-in",
                "unknown in words");
            c.that(
                unknown.title.find(lang == Lang::It ? "accesso" : "sign-in") == std::string::npos,
                "an unknown context's title is not a login: " + unknown.title);
            c.that(unknown.description.find("(login)") == std::string::npos, "nor its description");
            const DialogText stepUp
                = authenticateDialog(lang, "https://portal.example.it", "step-up", card);
            c.contains(stepUp.description, lang == Lang::It ? "NON un accesso" : "NOT a sign-in",
                "step-up is not a login");
        }
    });
}

} // namespace

int runDaemonHardeningTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rawHead_percentInTargetOrCheckedHeader_notCanonical),
        cmocka_unit_test(procNet_addressText_asTheKernelPrintsIt),
        cmocka_unit_test(procNet_socketOwner_peerEntryOnly),
        cmocka_unit_test(procNet_liveLoopbackConnection_ownedByUs),
        cmocka_unit_test(config_userFile_cannotWidenWithoutTheAdministrator),
        cmocka_unit_test(config_userOverrides_letTheListedMembersThrough),
        cmocka_unit_test(dialog_context_purposeInWordsNeverLoginWhenUnknown),
    };
    return cmocka_run_group_tests_name("daemon_hardening", tests, nullptr, nullptr);
}
