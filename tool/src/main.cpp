// SPDX-License-Identifier: LGPL-2.1-or-later
// `tscns`: read a TS-CNS card, manage its PIN, watch readers.
#include "commands.hpp"
#include "doctor.hpp"
#include "exit_codes.hpp"
#include "setup.hpp"
#include "verify.hpp"
#include "watchdog.hpp"

#include "tscns/apdu/error.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace tscns;
using namespace tscns::tool;

constexpr const char* kVersion = "tscns 0.1.0";
constexpr unsigned kDefaultTimeoutSeconds = 30;

constexpr const char* kMainUsage = R"(Usage: tscns COMMAND [OPTIONS]

Read an Italian TS-CNS card (Tessera Sanitaria - Carta Nazionale dei Servizi) through PC/SC.

Commands:
  readers                  list the readers and whether they hold a card
  info                     card ID, holder, codice fiscale, dates, certificate, PIN tries
  cert                     the authentication certificate (PEM, or DER with --der)
  pin verify               check the PIN (one try, never repeated)
  pin change               change the PIN (asks the current PIN, then the new one twice)
  pin unblock              unblock the PIN with the PUK and set a new PIN
  pin status               PIN tries left, when the card tells
  watch                    print card insertions and removals as they happen
  verify                   check a cns-auth:1 token as a login service would (no card needed)
  setup                    register the PKCS#11 module in the browsers (--remove undoes it)
  doctor                   check pcscd, readers, card, browsers, p11-kit and tscnsd
  help [COMMAND]           this text, or a command's

Options (every command):
  -r, --reader READER      reader name, its number in `tscns readers`, or a unique part of
                           its name (default: the first reader holding a card)
  -j, --json               machine-readable output (see README: stable field names)
  -t, --timeout SECONDS    give up when the card work of readers, info, cert or pin takes
                           longer (default 30; 0 = no limit). Time at a PIN prompt does not
                           count. A mute card or reader is cancelled, and when PC/SC cannot
                           cancel the exchange tscns exits with code 12.
  -h, --help               help
  -V, --version            version

Exit codes:
  0 success            1 other error         2 bad command line     3 pcscd not running
  4 no (such) reader   5 no card             6 not a TS-CNS card    7 wrong PIN/PUK
  8 PIN/PUK blocked    9 card removed or communication failure     10 PIN/PUK format wrong
  11 card data malformed                   12 the card did not answer within --timeout
  13 setup: a database in use or not changed   14 doctor: a problem was found
  15 setup: the PKCS#11 module was not found
  20-28 verify: see tscns help verify
)";

constexpr const char* kCertUsage = R"(Usage: tscns cert [--reader R] [--der] [--out FILE]

Writes the card's authentication certificate: PEM on standard output by default; --der for DER
(to a file or a pipe, never to a terminal); --out FILE to write to a file.
)";

constexpr const char* kPinUsage
    = R"(Usage: tscns pin verify|change|unblock|status [--reader R] [--pin-file FILE] [--json]

PINs and PUKs are never taken from the command line. They are asked on the terminal without
echo, or read from --pin-file FILE (- for standard input), one per line:
  verify:   PIN
  change:   current PIN, new PIN
  unblock:  PUK, new PIN
A PIN is 5 to 8 digits, a PUK 8 digits; a malformed one is refused before reaching the card.
A wrong PIN prints the tries left (exit 7); the last wrong try blocks it (exit 8). tscns never
repeats a PIN verification on its own.
)";

constexpr const char* kWatchUsage
    = R"(Usage: tscns watch [--reader R] [--json] [--count N] [--timeout-ms MS]

Prints the readers and cards present, then one line per event (reader-added, reader-removed,
card-inserted, card-removed) until interrupted (Ctrl-C), after N events (--count), or after MS
milliseconds (--timeout-ms). With --json, one JSON object per line.
)";

const char* usageFor(const std::string& cmd)
{
    if (cmd == "cert") return kCertUsage;
    if (cmd == "pin") return kPinUsage;
    if (cmd == "watch") return kWatchUsage;
    if (cmd == "verify") return kVerifyUsage;
    if (cmd == "setup") return kSetupUsage;
    if (cmd == "doctor") return kDoctorUsage;
    return kMainUsage;
}

unsigned parseUnsigned(const std::string& opt, const std::string& v)
{
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 9)
        throw Error(Errc::BadArgument, opt + " takes a whole number, not \"" + v + "\"");
    return static_cast<unsigned>(std::stoul(v));
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    // Declared before the try block: the catch clauses ask whether it fired.
    std::optional<Watchdog> watchdog;
    bool json = false;
    for (const auto& a : args)
        if (a == "--json" || a == "-j") json = true;
    try {
        // verify has its own options (cns-auth.md §5.3 session values, anchors, CRLs).
        if (!args.empty() && args[0] == "verify") {
            const std::vector<std::string> rest(args.begin() + 1, args.end());
            for (const auto& a : rest)
                if (a == "-h" || a == "--help") return std::fputs(kVerifyUsage, stdout), kOk;
            return cmdVerify(rest);
        }
        // setup and doctor have their own options, as verify has (--json may come first).
        std::size_t at = 0;
        while (at < args.size() && (args[at] == "-j" || args[at] == "--json"))
            ++at;
        if (at < args.size() && (args[at] == "setup" || args[at] == "doctor")) {
            const bool setup = args[at] == "setup";
            std::vector<std::string> rest(
                args.begin(), args.begin() + static_cast<std::ptrdiff_t>(at));
            rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(at) + 1, args.end());
            for (const auto& a : rest)
                if (a == "-h" || a == "--help")
                    return std::fputs(setup ? kSetupUsage : kDoctorUsage, stdout), kOk;
            return setup ? cmdSetup(rest) : cmdDoctor(rest);
        }
        Options o;
        unsigned timeoutSeconds = kDefaultTimeoutSeconds;
        std::vector<std::string> words;
        bool help = false;
        for (std::size_t i = 0; i < args.size(); ++i) {
            const std::string& a = args[i];
            auto value = [&](const char* name) -> std::string {
                const std::string prefix = std::string(name) + "=";
                if (a.rfind(prefix, 0) == 0) return a.substr(prefix.size());
                if (i + 1 >= args.size())
                    throw Error(Errc::BadArgument, std::string(name) + " needs a value");
                return args[++i];
            };
            auto is = [&](const char* name) {
                return a == name || a.rfind(std::string(name) + "=", 0) == 0;
            };
            if (a == "-h" || a == "--help")
                help = true;
            else if (a == "-V" || a == "--version") {
                std::printf("%s\n", kVersion);
                return kOk;
            } else if (a == "-j" || a == "--json")
                o.json = true;
            else if (a == "-r" || is("--reader"))
                o.reader = value("--reader");
            else if (is("--pin-file"))
                o.pinFile = value("--pin-file");
            else if (is("--pin"))
                throw Error(Errc::BadArgument,
                    "PINs are not taken from the command line: use --pin-file FILE or the prompt");
            else if (a == "--der")
                o.der = true;
            else if (a == "--pem")
                o.der = false;
            else if (a == "-o" || is("--out"))
                o.output = value("--out");
            else if (is("--count"))
                o.count = parseUnsigned("--count", value("--count"));
            else if (a == "-t" || is("--timeout"))
                timeoutSeconds = parseUnsigned("--timeout", value("--timeout"));
            else if (is("--timeout-ms"))
                o.timeoutMs = parseUnsigned("--timeout-ms", value("--timeout-ms"));
            else if (a.size() > 1 && a[0] == '-')
                throw Error(Errc::BadArgument, "unknown option " + a);
            else
                words.push_back(a);
        }
        if (words.empty()) {
            std::fputs(kMainUsage, help ? stdout : stderr);
            return help ? kOk : kUsage;
        }
        const std::string cmd = words[0];
        if (cmd == "help") {
            std::fputs(usageFor(words.size() > 1 ? words[1] : ""), stdout);
            return kOk;
        }
        if (help) {
            std::fputs(usageFor(cmd), stdout);
            return kOk;
        }
        auto noMoreWords = [&](std::size_t n) {
            if (words.size() > n)
                throw Error(Errc::BadArgument, "unexpected argument \"" + words[n] + "\"");
        };
        // `watch` waits for events on purpose; every other card command is bounded.
        if (cmd != "watch") watchdog.emplace(std::chrono::seconds(timeoutSeconds), o.json);
        o.watchdog = watchdog && watchdog->limit().count() > 0 ? &*watchdog : nullptr;
        if (cmd == "readers") return noMoreWords(1), cmdReaders(o);
        if (cmd == "info") return noMoreWords(1), cmdInfo(o);
        if (cmd == "cert") return noMoreWords(1), cmdCert(o);
        if (cmd == "watch") return noMoreWords(1), cmdWatch(o);
        if (cmd == "pin") {
            if (words.size() < 2)
                throw Error(
                    Errc::BadArgument, "pin needs an action: verify, change, unblock or status");
            noMoreWords(2);
            return cmdPin(words[1], o);
        }
        throw Error(Errc::BadArgument, "unknown command \"" + cmd + "\" (see tscns --help)");
    } catch (const Error& e) {
        if (watchdog && watchdog->fired()) {
            // Whatever the cancelled call reported, the cause is the timeout.
            const auto limit = static_cast<long long>(watchdog->limit().count());
            if (json) {
                nlohmann::ordered_json j;
                j["error"] = { { "code", "Timeout" },
                    { "message", "the card did not answer within " + std::to_string(limit) + " s" },
                    { "exitCode", static_cast<int>(kTimeout) } };
                std::cout << j.dump(2) << '\n';
            }
            std::fprintf(
                stderr, "tscns: the card did not answer within %lld s (--timeout)\n", limit);
            return kTimeout;
        }
        const int rc = exitCodeFor(e.code());
        if (json) {
            nlohmann::ordered_json j;
            j["error"] = { { "code", std::string(errcName(e.code())) }, { "message", e.message() },
                { "exitCode", rc } };
            if (e.retries()) j["error"]["triesLeft"] = *e.retries();
            if (e.statusWord()) j["error"]["statusWord"] = e.statusWord()->toString();
            std::cout << j.dump(2) << '\n';
        }
        std::fprintf(stderr, "tscns: %s\n", e.message().c_str());
        if (rc == kUsage) std::fprintf(stderr, "(see tscns --help)\n");
        return rc;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tscns: internal error: %s\n", e.what());
        return kFailure;
    }
}
