// SPDX-License-Identifier: LGPL-2.1-or-later
// Parser and usage text of `tscns-vcard run`.
#include "link_options.hpp"

#include "tscns/apdu/error.hpp"

#include <charconv>
#include <limits>

namespace tscns::vcard {

namespace {

    Error badArgument(const std::string& message)
    {
        return Error(Errc::BadArgument, message);
    }

    template <typename T>
    T parseNumber(std::string_view option, std::string_view text, int base = 10)
    {
        T value {};
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
        if (text.empty() || ec != std::errc {} || ptr != end) {
            throw badArgument(std::string(option) + ": '" + std::string(text) + "' is not a "
                + (base == 16 ? "hex number" : "non-negative number") + " in range");
        }
        return value;
    }

    std::uint64_t parsePositive(std::string_view option, std::string_view text)
    {
        const auto value = parseNumber<std::uint64_t>(option, text);
        if (value == 0) throw badArgument(std::string(option) + ": must be at least 1");
        return value;
    }

    std::chrono::milliseconds parseMs(std::string_view option, std::string_view text)
    {
        // Capped at one day: larger values are typos, and the cap keeps the arithmetic safe.
        const auto value = parseNumber<std::uint32_t>(option, text);
        if (value > 86'400'000U) throw badArgument(std::string(option) + ": at most 86400000 ms");
        return std::chrono::milliseconds(value);
    }

} // namespace

FaultSw parseFaultSw(std::string_view text)
{
    const std::string option = "--fault-sw";
    const auto eq = text.find('=');
    if (eq == std::string_view::npos)
        throw badArgument(
            option + ": expected INS=SW or INS=SW@N, got '" + std::string(text) + "'");
    const std::string_view insText = text.substr(0, eq);
    std::string_view swText = text.substr(eq + 1);
    std::string_view nthText;
    if (const auto at = swText.find('@'); at != std::string_view::npos) {
        nthText = swText.substr(at + 1);
        swText = swText.substr(0, at);
        if (nthText.empty()) throw badArgument(option + ": empty count after '@'");
    }
    if (insText.size() != 2) throw badArgument(option + ": INS must be 2 hex digits");
    if (swText.size() != 4) throw badArgument(option + ": SW must be 4 hex digits");
    FaultSw fault;
    fault.ins = parseNumber<std::uint8_t>(option, insText, 16);
    fault.sw = apdu::StatusWord(parseNumber<std::uint16_t>(option, swText, 16));
    if (!nthText.empty()) fault.nth = parsePositive(option, nthText);
    return fault;
}

GarbageAt parseGarbageAt(std::string_view text)
{
    const std::string option = "--garbage-at";
    GarbageAt garbage;
    std::string_view nthText = text;
    if (const auto colon = text.find(':'); colon != std::string_view::npos) {
        nthText = text.substr(0, colon);
        const std::string_view kind = text.substr(colon + 1);
        if (kind == "byte")
            garbage.kind = GarbageKind::Byte;
        else if (kind == "noise")
            garbage.kind = GarbageKind::Noise;
        else if (kind == "cut")
            garbage.kind = GarbageKind::Cut;
        else
            throw badArgument(
                option + ": unknown kind '" + std::string(kind) + "' (byte, noise or cut)");
    }
    garbage.nth = parsePositive(option, nthText);
    return garbage;
}

RunOptions parseRunOptions(const std::vector<std::string>& args)
{
    RunOptions options;
    bool haveDir = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string word = args[i];
        std::optional<std::string> inlineValue;
        if (word.rfind("--", 0) == 0) {
            if (const auto eq = word.find('='); eq != std::string::npos) {
                inlineValue = word.substr(eq + 1);
                word.resize(eq);
            }
        }
        const auto value = [&]() -> std::string {
            if (inlineValue) return *inlineValue;
            if (i + 1 >= args.size()) throw badArgument(word + ": missing value");
            return args[++i];
        };
        const auto flag = [&] {
            if (inlineValue) throw badArgument(word + ": takes no value");
        };

        if (word == "--help" || word == "-h") {
            flag();
            options.help = true;
        } else if (word == "--vpcd") {
            options.vpcd = parseEndpoint(value());
        } else if (word == "--apdu-log") {
            options.apduLog = value();
            if (options.apduLog->empty()) throw badArgument("--apdu-log: empty file name");
        } else if (word == "--latency-ms") {
            options.latency = parseMs(word, value());
        } else if (word == "--baud") {
            options.baud = parseNumber<std::uint32_t>(word, value());
        } else if (word == "--reconnect") {
            flag();
            options.reconnect = true;
        } else if (word == "--remove-after") {
            options.removeAfter = parsePositive(word, value());
        } else if (word == "--reinsert-after-ms") {
            options.reinsertAfter = parseMs(word, value());
        } else if (word == "--fault-sw") {
            options.faults.push_back(parseFaultSw(value()));
        } else if (word == "--garbage-at") {
            options.garbageAt = parseGarbageAt(value());
        } else if (word == "--mute-at") {
            options.muteAt = parsePositive(word, value());
        } else if (word == "--mute-give-up-ms") {
            options.muteGiveUp = parseMs(word, value());
        } else if (word == "--pull-at") {
            options.pullAt = parsePositive(word, value());
        } else if (word == "--exit-after-removal") {
            flag();
            options.exitAfterRemoval = true;
        } else if (word == "--pid-file") {
            options.pidFile = value();
            if (options.pidFile->empty()) throw badArgument("--pid-file: empty file name");
        } else if (word == "--connect-timeout-ms") {
            options.connectTimeout = parseMs(word, value());
        } else if (word.size() > 1 && word.front() == '-') {
            throw badArgument("unknown option '" + word + "'");
        } else if (!haveDir) {
            options.cardDir = word;
            haveDir = true;
        } else {
            throw badArgument("unexpected argument '" + word + "' (one card directory only)");
        }
    }
    if (!haveDir && !options.help) throw badArgument("missing card directory");
    if (options.reinsertAfter && !options.removeAfter && !options.muteAt && !options.pullAt)
        throw badArgument("--reinsert-after-ms needs --remove-after, --mute-at or --pull-at");
    if (options.muteGiveUp && !options.muteAt)
        throw badArgument("--mute-give-up-ms needs --mute-at");
    if (options.muteAt && options.pullAt)
        throw badArgument("--mute-at and --pull-at exclude each other");
    return options;
}

std::string runUsage()
{
    return R"(Usage: tscns-vcard run DIR [options]

Insert the virtual card stored in DIR (see `tscns-vcard new`) into vpcd, the virtual reader of
pcscd (vsmartcard-vpcd), and answer its APDUs until vpcd closes the connection or SIGINT/SIGTERM
arrives. Stopping the card removes it from the reader.

Options:
  --vpcd HOST:PORT          where vpcd listens (default localhost:35963 = "Virtual PCD 00 00";
                            port 35964 is slot 1). IPv6: [ADDR]:PORT.
  --connect-timeout-ms N    keep retrying the first connection for N ms (default 5000)
  --apdu-log FILE           log every command ("> 00 A4 ..."), response ("< 90 00") and power
                            event ("# power on") with a UTC timestamp; one flushed line each.
                            "-" is stderr. ATR polls are not logged. The file is truncated.
  --latency-ms N            wait N ms before answering each APDU (default 0)
  --baud B                  also wait 10 bits per command and response byte at B baud
                            (default 0: no transfer time)
  --reconnect               when vpcd closes the connection (pcscd restarted), connect again
                            and keep serving instead of exiting
  --remove-after N          pull the card after answering the N-th APDU (ATR polls and control
                            bytes do not count); happens once per run
  --reinsert-after-ms M     after --remove-after, --pull-at or a --mute-at give-up, insert the
                            card again after M ms (the card is powered off meanwhile); without
                            it the program exits 0
  --fault-sw INS=SW[@N]     answer status word SW (4 hex digits) to commands with instruction
                            INS (2 hex digits) without running them; with @N only to the N-th
                            such command of the run. Repeatable; the first matching rule wins.
                            Example: --fault-sw 2A=6F00 --fault-sw B0=6282@2
  --garbage-at K[:KIND]     run the K-th APDU but answer it with malformed bytes. KIND:
                            byte (default: the single byte 90, no status word), noise (8
                            pseudo-random bytes ending in an SW1 no card sends), cut (the real
                            answer without its last byte). Once per run.
  --mute-at K               do not run the K-th APDU and never answer it (a hung card)
  --mute-give-up-ms N       with --mute-at: after N ms of silence drop the connection, so the
                            card leaves the reader, as a real reader gives up (vpcd itself has
                            no receive timeout); then as after --remove-after
  --pull-at K               pull the card when the K-th APDU arrives (not run, not answered);
                            then as after --remove-after
                            K counts command APDUs from the start of the run over all
                            connections, as --remove-after does; ATR polls, control bytes and
                            pcscd (which sends none) do not count. To hit APDU k of one
                            operation, start the card, run only that operation, and record
                            its APDUs with --apdu-log first.
  --exit-after-removal      exit 0 as soon as the card leaves the reader for any reason,
                            overriding --reconnect and --reinsert-after-ms
  --pid-file FILE           write the process id to FILE; removed on exit
  -h, --help                print this text

Exit status: 0 after a signal, a removal or vpcd closing the connection; 1 when the image cannot
be loaded or vpcd cannot be reached; 2 for bad arguments.
)";
}

} // namespace tscns::vcard
