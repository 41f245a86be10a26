// SPDX-License-Identifier: LGPL-2.1-or-later
// tscns-vcard: personalize virtual TS-CNS card images, list profiles, serve a card to vpcd.
#include "run.hpp"
#include "tscns/apdu/error.hpp"
#include "tscns/vcard/card_image.hpp"
#include "tscns/vcard/personalize.hpp"
#include "tscns/vcard/profiles.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#ifndef TSCNS_VERSION
#define TSCNS_VERSION "unknown"
#endif

namespace {

using namespace tscns;
using namespace tscns::vcard;
using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

/// A command-line mistake: reported with a hint and exit code 2.
struct UsageError {
    std::string message;
};

constexpr std::string_view kMainUsage = R"(Usage: tscns-vcard COMMAND [OPTIONS]

A virtual Italian TS-CNS smart card for tests (test keys only, never a real card).

Commands:
  new DIR        personalize a new card image in DIR
  profiles       list the card profiles (ATR, key size, layout)
  run DIR        serve the card image DIR to vpcd (vsmartcard)
  help [COMMAND] show help for a command

Options:
  -h, --help     show this help
  --version      show the version

Run `tscns-vcard COMMAND --help` for the options of a command.
)";

constexpr std::string_view kNewUsage = R"(Usage: tscns-vcard new DIR [OPTIONS]

Personalizes a virtual TS-CNS in DIR: a synthetic holder, codice fiscale, card ID,
EF_IDCarta / EF_DatiPersonali, RSA key, authentication certificate and a test CA.
The same seed and options always give the same card.

Options:
  --profile NAME        card profile (default st-cns11; see `tscns-vcard profiles`)
  --seed N              seed, 0..18446744073709551615 (default: random, printed)
  --holder-seed N       the holder (names, birth, codice fiscale) and the test CA come from
                        seed N: another card of the same person from the same CA, e.g. the
                        renewal of the card made with --seed N
  --key-bits 1024|2048  RSA key size (default: the profile's)
  --pin PIN             initial PIN, 5-8 digits (default: 5 digits from the seed)
  --puk PUK             PUK, 8 digits (default: 8 digits from the seed)
  --issuer NNN          3-digit issuer region code (default 030, Lombardia)
  --force               replace an existing card image in DIR
  --json                print the card record as JSON
  -h, --help            show this help

What real cards do differently (stored in card.json "quirks", see docs/vcard.md):
  --card-id DIGITS      the card ID: any 16 digits, Luhn check digit or not
  --atr HEX             the ATR the card answers (default: the profile's), e.g. one that no
                        middleware knows
  --pad 00|ff|none      pad the certificate EF to a fixed size (default none)
  --ef-size N           size of the padded certificate EF (default 2048)
  --personal-header including|excluding
                        EF_DatiPersonali's length header counts its own 6 characters
                        (default, like the real card) or only what follows
  --no-fci              SELECT answers 90 00 without FCI, whatever P2 asks
  --read-end 9000|6282|6b00
                        a READ BINARY running past the end of a file answers the remaining
                        bytes with 90 00 (default) or 62 82, or is refused with 6B 00
  --aid-required        nothing is reachable before SELECT AID of the CNS application
                        (ace-2025; always so on chipdoc-cns and st-2022-nfc)
)";

constexpr std::string_view kProfilesUsage = R"(Usage: tscns-vcard profiles [--json]

Lists the card profiles with their ATRs, default key size and layout.

Options:
  --json      print JSON
  -h, --help  show this help
)";

bool isHelp(std::string_view a)
{
    return a == "-h" || a == "--help";
}

/// Splits "--name=value" or takes the next word as the value.
class Args {
public:
    explicit Args(std::vector<std::string> words)
        : words_(std::move(words))
    {
    }

    [[nodiscard]] bool done() const { return pos_ >= words_.size(); }
    std::string next() { return words_[pos_++]; }

    std::string value(const std::string& option, std::optional<std::string>& inlineValue)
    {
        if (inlineValue) return *std::exchange(inlineValue, std::nullopt);
        if (done()) throw UsageError { option + " needs a value" };
        return next();
    }

private:
    std::vector<std::string> words_;
    std::size_t pos_ = 0;
};

std::uint64_t parseNumber(const std::string& option, const std::string& text)
{
    std::uint64_t v = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end)
        throw UsageError { option + ": '" + text + "' is not a non-negative integer" };
    return v;
}

std::uint64_t randomSeed()
{
    std::random_device rd;
    return 1 + rd() % 2147483646U;
}

void printSummary(const fs::path& dir, const CardImage& image)
{
    const CardRecord& r = image.record;
    const Profile& p = requireProfile(r.profile);
    std::cout << "Created card image " << dir.string() << "\n"
              << "  profile         " << r.profile << " (" << p.description << ")\n"
              << "  ATR             " << r.atrHex << "\n";
    if (p.cnsApplication) {
        std::cout << "  card ID         " << r.cardId << "\n"
                  << "  holder          " << r.givenName << " " << r.surname << ", " << r.sex
                  << ", born " << r.birthDate << " in " << r.birthPlace << "\n"
                  << "  codice fiscale  " << r.codiceFiscale << "\n"
                  << "  valid           " << r.issueDate << " to " << r.expiryDate << "\n"
                  << "  key             RSA-" << r.keyBits << "\n"
                  << "  PIN / PUK       " << r.pin << " / " << r.puk << "\n";
        const CardQuirks& q = r.quirks;
        if (!(q == CardQuirks {}))
            std::cout << "  quirks          pad " << q.pad
                      << (q.efSize ? " to " + std::to_string(q.efSize) : "") << ", personal header "
                      << q.personalHeader << (q.noFci ? ", no FCI" : "") << ", read end "
                      << q.readEnd << (q.aidRequired ? ", AID required" : "") << "\n";
    } else {
        std::cout << "  (not a CNS: no CNS files, PIN or key on the card)\n";
    }
    std::cout << "  seed            " << r.seed << "\n";
}

int commandNew(Args& args)
{
    PersonalizeOptions options;
    std::optional<fs::path> dir;
    bool force = false;
    bool json = false;
    bool seedGiven = false;
    while (!args.done()) {
        std::string word = args.next();
        std::optional<std::string> inlineValue;
        if (word.starts_with("--")) {
            if (const auto eq = word.find('='); eq != std::string::npos) {
                inlineValue = word.substr(eq + 1);
                word.resize(eq);
            }
        }
        if (isHelp(word)) {
            std::cout << kNewUsage;
            return kExitOk;
        } else if (word == "--profile") {
            options.profile = args.value(word, inlineValue);
        } else if (word == "--seed") {
            options.seed = parseNumber(word, args.value(word, inlineValue));
            seedGiven = true;
        } else if (word == "--holder-seed") {
            options.holderSeed = parseNumber(word, args.value(word, inlineValue));
        } else if (word == "--key-bits") {
            const std::uint64_t bits = parseNumber(word, args.value(word, inlineValue));
            if (bits != 1024 && bits != 2048)
                throw UsageError { "--key-bits must be 1024 or 2048" };
            options.keyBits = static_cast<unsigned>(bits);
        } else if (word == "--pin") {
            options.pin = args.value(word, inlineValue);
        } else if (word == "--puk") {
            options.puk = args.value(word, inlineValue);
        } else if (word == "--issuer") {
            options.region = args.value(word, inlineValue);
        } else if (word == "--card-id") {
            options.cardId = args.value(word, inlineValue);
        } else if (word == "--atr") {
            options.atrHex = args.value(word, inlineValue);
        } else if (word == "--pad") {
            options.quirks.pad = args.value(word, inlineValue);
            if (options.quirks.pad == "FF") options.quirks.pad = "ff";
        } else if (word == "--ef-size") {
            options.quirks.efSize
                = static_cast<std::size_t>(parseNumber(word, args.value(word, inlineValue)));
        } else if (word == "--personal-header") {
            options.quirks.personalHeader = args.value(word, inlineValue);
        } else if (word == "--no-fci") {
            options.quirks.noFci = true;
        } else if (word == "--read-end") {
            options.quirks.readEnd = args.value(word, inlineValue);
            if (options.quirks.readEnd == "6B00") options.quirks.readEnd = "6b00";
        } else if (word == "--aid-required") {
            options.quirks.aidRequired = true;
        } else if (word == "--force") {
            force = true;
        } else if (word == "--json") {
            json = true;
        } else if (word.starts_with("-") && word != "-") {
            throw UsageError { "new: unknown option " + word };
        } else if (!dir) {
            dir = word;
        } else {
            throw UsageError { "new: unexpected argument " + word };
        }
        if (inlineValue) throw UsageError { word + " takes no value" };
    }
    if (!dir) throw UsageError { "new: missing DIR" };
    try {
        checkPersonalizeOptions(options);
    } catch (const Error& e) {
        throw UsageError { "new: " + e.message() };
    }
    if (!seedGiven) options.seed = randomSeed();

    // Refuse before spending time on key generation.
    std::error_code ec;
    if (!force && fs::exists(*dir, ec) && (!fs::is_directory(*dir, ec) || !fs::is_empty(*dir, ec)))
        throw Error(Errc::BadArgument,
            dir->string() + " exists and is not empty: refusing to overwrite it (use --force)");

    const CardImage image = personalize(options);
    writeCardImage(*dir, image, force);
    if (json) {
        Json j = Json::parse(cardRecordJson(image.record));
        j["dir"] = dir->string();
        std::cout << j.dump(2) << "\n";
    } else {
        printSummary(*dir, image);
    }
    return kExitOk;
}

std::string refsText(const std::array<std::uint8_t, 2>& refs)
{
    std::string out;
    char buf[8];
    for (std::uint8_t r : refs) {
        if (r == 0) continue;
        std::snprintf(buf, sizeof buf, "%s%02X", out.empty() ? "" : "/", r);
        out += buf;
    }
    return out.empty() ? "-" : out;
}

int commandProfiles(Args& args)
{
    bool json = false;
    while (!args.done()) {
        const std::string word = args.next();
        if (isHelp(word)) {
            std::cout << kProfilesUsage;
            return kExitOk;
        }
        if (word != "--json") throw UsageError { "profiles: unexpected argument " + word };
        json = true;
    }
    if (json) {
        Json list = Json::array();
        for (const Profile& p : profiles()) {
            Json j;
            j["name"] = p.name;
            j["description"] = p.description;
            j["atr"] = p.atrHex;
            j["defaultKeyBits"] = p.defaultKeyBits;
            j["chipMaker"] = p.chipMaker;
            j["maskMaker"] = p.maskMaker;
            j["cns"] = p.cnsApplication;
            j["default"] = p.name == kDefaultProfile;
            if (p.cnsApplication) {
                j["certPath"] = p.certPath;
                j["keyDf"] = p.keyDf.empty() ? Json(nullptr) : Json(p.keyDf);
                j["keyRef"] = p.keyRef;
                j["pinRefs"] = refsText(p.pinRefs);
                j["pukRefs"] = refsText(p.pukRefs);
                j["certForm"] = p.wrappedCertificate ? "wrapped-1204" : "der";
                j["aid"] = p.aidHex.empty() ? Json(nullptr) : Json(p.aidHex);
                j["aidRequired"] = p.aidRequired ? Json("always")
                    : p.aidRequiredOption        ? Json("option")
                                                 : Json("never");
                j["idBcdPath"] = p.idBcdPath.empty() ? Json(nullptr) : Json(p.idBcdPath);
            }
            j["maxChallenge"] = p.maxChallenge;
            list.push_back(std::move(j));
        }
        std::cout << list.dump(2) << "\n";
        return kExitOk;
    }
    for (const Profile& p : profiles()) {
        std::cout << p.name << (p.name == kDefaultProfile ? " (default)" : "") << "\n"
                  << "    " << p.description << "\n"
                  << "    ATR   " << p.atrHex << "\n"
                  << "    chip  " << p.chipMaker << ", mask " << p.maskMaker << "\n";
        if (p.cnsApplication) {
            char keyRef[8];
            std::snprintf(keyRef, sizeof keyRef, "%02X", p.keyRef);
            std::cout << "    key   RSA-" << p.defaultKeyBits << ", ref " << keyRef
                      << (p.keyDf.empty() ? "" : " in DF ") << p.keyDf << ", cert " << p.certPath
                      << ", PIN " << refsText(p.pinRefs) << ", PUK " << refsText(p.pukRefs)
                      << ", challenge <= " << p.maxChallenge << "\n";
            if (p.wrappedCertificate)
                std::cout << "    cert  wrapped (Infocamere 1204: 01, length, 00 00, DER)\n";
            if (!p.aidHex.empty())
                std::cout << "    AID   " << p.aidHex
                          << (p.aidRequired ? " (required: nothing before SELECT AID)"
                                     : p.aidRequiredOption ? " (--aid-required: nothing before it)"
                                                           : "")
                          << "\n";
            if (!p.idBcdPath.empty())
                std::cout << "    ID    also in " << p.idBcdPath << " (packed BCD)\n";
        }
    }
    return kExitOk;
}

int run(std::vector<std::string> words)
{
    if (words.empty()) {
        std::cerr << kMainUsage;
        return kExitUsage;
    }
    const std::string command = words.front();
    words.erase(words.begin());
    Args args(words);
    if (isHelp(command)) {
        std::cout << kMainUsage;
        return kExitOk;
    }
    if (command == "--version") {
        std::cout << "tscns-vcard " << TSCNS_VERSION << "\n";
        return kExitOk;
    }
    if (command == "help") {
        if (words.empty()) {
            std::cout << kMainUsage;
            return kExitOk;
        }
        if (words.front() == "new") return std::cout << kNewUsage, kExitOk;
        if (words.front() == "profiles") return std::cout << kProfilesUsage, kExitOk;
        if (words.front() == "run") return runCommand({ "--help" });
        throw UsageError { "help: unknown command " + words.front() };
    }
    if (command == "new") return commandNew(args);
    if (command == "profiles") return commandProfiles(args);
    if (command == "run") return runCommand(words);
    throw UsageError { "unknown command " + command };
}

} // namespace

int main(int argc, char** argv)
{
    try {
        return run(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const UsageError& e) {
        std::cerr << "tscns-vcard: " << e.message << "\n"
                  << "Try 'tscns-vcard --help'.\n";
        return kExitUsage;
    } catch (const tscns::Error& e) {
        std::cerr << "tscns-vcard: " << e.message() << "\n";
        return kExitFailure;
    } catch (const std::exception& e) {
        std::cerr << "tscns-vcard: " << e.what() << "\n";
        return kExitFailure;
    }
}
