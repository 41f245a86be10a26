// SPDX-License-Identifier: LGPL-2.1-or-later
// LinkServer (the `tscns-vcard run` loop) against a fake vpcd: insertion, stop, --remove-after,
// reinsertion, --reconnect, --fault-sw, --garbage-at, --mute-at, --pull-at, --apdu-log, latency and
// connection retries.
#include "link_apdu_log.hpp"
#include "link_fakes.hpp"
#include "link_server.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

// cmocka last: its fail() macro clashes with std::basic_ios::fail.
#include "link_test_support.hpp"

using namespace tscns;
using namespace tscns::vcard;
using namespace tscns::vcard::test;
using Split = FakeVpcd::Split;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kRunning = -1;

/// The server runs in `worker`; the main thread plays vpcd and asserts.
struct ServerFixture {
    FakeVpcd vpcd;
    FakeCard card;
    StopPipe stop;
    RunOptions options;
    std::filesystem::path dir;
    std::FILE* diag = std::tmpfile();
    std::unique_ptr<ApduLog> log;
    std::optional<LinkServer> server;
    std::thread worker;
    std::atomic<int> exitCode { kRunning };
    std::string diagText;
    std::string logText;
    std::string error;

    ServerFixture()
    {
        std::string pattern
            = (std::filesystem::temp_directory_path() / "tscns-link-XXXXXX").string();
        if (::mkdtemp(pattern.data()) != nullptr) dir = pattern;
        options.cardDir = "/cards/test";
        options.connectTimeout = std::chrono::milliseconds(2000);
    }
    ServerFixture(const ServerFixture&) = delete;
    ServerFixture& operator=(const ServerFixture&) = delete;
    ~ServerFixture()
    {
        stop.stop();
        vpcd.closeClient();
        if (worker.joinable()) worker.join();
        if (diag != nullptr) std::fclose(diag);
        std::error_code ignored;
        if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
    }

    [[nodiscard]] std::filesystem::path logPath() const { return dir / "apdu.log"; }
};

bool failWith(ServerFixture& f, std::string message)
{
    f.error = std::move(message);
    return false;
}

bool startServer(ServerFixture& f)
{
    if (!f.vpcd.ok()) return failWith(f, "fake vpcd: " + f.vpcd.error());
    if (f.diag == nullptr || f.dir.empty()) return failWith(f, "no temporary file or directory");
    if (f.options.vpcd == Endpoint {}) f.options.vpcd = f.vpcd.endpoint();
    if (f.options.apduLog) {
        f.error = tscns::test::exceptionText([&] { f.log = ApduLog::open(*f.options.apduLog); });
        if (!f.error.empty()) return false;
    }
    f.server.emplace(f.card, f.options, f.stop.readFd(), f.diag, f.log.get());
    f.worker = std::thread([&f] { f.exitCode = f.server->run(); });
    return true;
}

bool startAndAccept(ServerFixture& f)
{
    if (!startServer(f)) return false;
    return f.vpcd.accept() || failWith(f, f.vpcd.error());
}

bool readFile(std::FILE* stream, std::string& out)
{
    std::fflush(stream);
    std::rewind(stream);
    out.clear();
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, stream)) > 0)
        out.append(buffer, n);
    return true;
}

bool readLog(ServerFixture& f)
{
    std::ifstream in(f.logPath());
    std::ostringstream text;
    text << in.rdbuf();
    f.logText = text.str();
    return true;
}

/// Waits for the server to end by itself with `expected`; stops it when it does not.
bool serverEnds(ServerFixture& f, int expected, std::chrono::milliseconds timeout = kIoTimeout)
{
    const auto deadline = Clock::now() + timeout;
    while (f.exitCode == kRunning && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const bool ended = f.exitCode != kRunning;
    if (!ended) f.stop.stop();
    f.worker.join();
    readFile(f.diag, f.diagText);
    if (!ended) return failWith(f, "the server did not end; diag:\n" + f.diagText);
    if (f.exitCode != expected) {
        return failWith(f,
            "exit code " + std::to_string(f.exitCode.load()) + ", expected "
                + std::to_string(expected) + "; diag:\n" + f.diagText);
    }
    return true;
}

bool stopServer(ServerFixture& f)
{
    f.stop.stop();
    return serverEnds(f, 0);
}

bool vpcdSends(ServerFixture& f, const char* hex, Split split = Split::Whole)
{
    return f.vpcd.sendHex(hex, split) || failWith(f, f.vpcd.error());
}

bool vpcdReceives(ServerFixture& f, const char* hex)
{
    auto frame = f.vpcd.receive();
    if (!frame) return failWith(f, f.vpcd.error());
    return sameBytes(f.error, *frame, hex);
}

bool exchange(ServerFixture& f, const char* command, const char* response)
{
    return vpcdSends(f, command) && vpcdReceives(f, response);
}

bool atrPoll(ServerFixture& f)
{
    if (!vpcdSends(f, "04")) return false;
    auto frame = f.vpcd.receive();
    if (!frame) return failWith(f, f.vpcd.error());
    return sameBytes(f.error, *frame, f.card.atrBytes);
}

bool powerOn(ServerFixture& f)
{
    return vpcdSends(f, "01") && atrPoll(f);
}

bool cardLeaves(ServerFixture& f)
{
    return f.vpcd.waitClosed() || failWith(f, f.vpcd.error());
}

bool diagHas(ServerFixture& f, const std::string& text)
{
    if (f.diagText.find(text) != std::string::npos) return true;
    return failWith(f, "diag lacks '" + text + "':\n" + f.diagText);
}

/// Splits "2025-01-31T12:00:00.123Z > 00 A4" into "> 00 A4"; false when the stamp is malformed.
/// (No std::regex: GCC 12 warns inside it under the sanitizers.)
bool stripTimestamp(const std::string& line, std::string& rest)
{
    const std::string shape = "dddd-dd-ddTdd:dd:dd.dddZ ";
    if (line.size() < shape.size() + 2) return false;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const bool digit = line[i] >= '0' && line[i] <= '9';
        if (shape[i] == 'd' ? !digit : line[i] != shape[i]) return false;
    }
    rest = line.substr(shape.size());
    const char marker = rest[0];
    return (marker == '<' || marker == '>' || marker == '#') && rest[1] == ' ';
}

bool logMatches(ServerFixture& f, const std::vector<std::string>& lines)
{
    std::istringstream in(f.logText);
    std::string text;
    std::vector<std::string> got;
    while (std::getline(in, text)) {
        std::string rest;
        if (!stripTimestamp(text, rest)) return failWith(f, "malformed log line: " + text);
        got.push_back(rest);
    }
    if (got == lines) return true;
    std::string message = "log:\n";
    for (const auto& g : got)
        message += "  " + g + "\n";
    message += "expected:\n";
    for (const auto& l : lines)
        message += "  " + l + "\n";
    return failWith(f, message);
}

void run_insertedCard_servesUntilStopAndLeavesReader(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 A4 04 00 00", "01 90 00"), f.error);
    TSCNS_LINK_CHECK(atrPoll(f), f.error);
    f.stop.stop();
    // Stopping removes the card from the reader: vpcd sees the connection close.
    TSCNS_LINK_CHECK(cardLeaves(f), f.error);
    TSCNS_LINK_CHECK(serverEnds(f, 0), f.error);
    TSCNS_LINK_CHECK(diagHas(f,
                         "tscns-vcard: card /cards/test inserted in vpcd 127.0.0.1:"
                             + std::to_string(f.vpcd.port()) + "\n"),
        f.error);
    assert_int_equal(f.card.powerOffs, 1);
    assert_int_equal(f.server->apdusAnswered(), 1);
    assert_int_equal(f.server->connections(), 1);
}

void run_vpcdCloses_exitsZeroWithoutReconnect(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    f.vpcd.closeClient();
    TSCNS_LINK_CHECK(serverEnds(f, 0), f.error);
    TSCNS_LINK_CHECK(diagHas(f, "vpcd closed the connection; card removed"), f.error);
    assert_int_equal(f.card.powerOffs, 1);
}

void run_vpcdClosesWithReconnect_connectsAgain(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.options.reconnect = true;
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 B0 00 00 10", "01 90 00"), f.error);
    f.vpcd.closeClient(); // pcscd restarted
    TSCNS_LINK_CHECK(f.vpcd.accept(), f.vpcd.error());
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 B0 00 00 10", "01 90 00"), f.error);
    TSCNS_LINK_CHECK(stopServer(f), f.error);
    assert_int_equal(f.server->connections(), 2);
    assert_int_equal(f.server->apdusAnswered(), 2);
    TSCNS_LINK_CHECK(diagHas(f, "reconnecting"), f.error);
}

void run_exitAfterRemoval_overridesReconnect(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.options.reconnect = true;
    f.options.exitAfterRemoval = true;
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    f.vpcd.closeClient();
    TSCNS_LINK_CHECK(serverEnds(f, 0), f.error);
    assert_int_equal(f.server->connections(), 1);
}

void run_removeAfter_closesAfterNthApdu(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.options.removeAfter = 2;
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 A4 04 00 00", "01 90 00"), f.error);
    // ATR polls and control bytes do not count.
    TSCNS_LINK_CHECK(atrPoll(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "02"), f.error);
    TSCNS_LINK_CHECK(atrPoll(f), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 A4 04 00 00", "01 90 00"), f.error);
    // The second APDU was answered; then the card is pulled.
    TSCNS_LINK_CHECK(cardLeaves(f), f.error);
    TSCNS_LINK_CHECK(serverEnds(f, 0), f.error);
    assert_int_equal(f.server->apdusAnswered(), 2);
    assert_int_equal(f.card.powerOffs, 1);
    TSCNS_LINK_CHECK(diagHas(f, "card pulled after 2 APDUs"), f.error);
}

void run_removeAfterWithReinsert_comesBackOnce(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.options.removeAfter = 1;
    f.options.reinsertAfter = std::chrono::milliseconds(100);
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 A4 04 00 00", "01 90 00"), f.error);
    const auto pulled = Clock::now();
    TSCNS_LINK_CHECK(cardLeaves(f), f.error);
    TSCNS_LINK_CHECK(f.vpcd.accept(), f.vpcd.error());
    const auto away = Clock::now() - pulled;
    assert_true(away >= std::chrono::milliseconds(90));
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    // Removal happens once per run: further APDUs are served.
    TSCNS_LINK_CHECK(exchange(f, "00 A4 04 00 00", "01 90 00"), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 A4 04 00 00", "02 90 00"), f.error);
    TSCNS_LINK_CHECK(stopServer(f), f.error);
    assert_int_equal(f.server->connections(), 2);
    assert_int_equal(f.server->apdusAnswered(), 3);
}

void run_faultSw_answersStatusWordWithoutRunningCommand(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.options.faults = { FaultSw { 0x2A, apdu::StatusWord(0x6F00), std::nullopt },
        FaultSw { 0xB0, apdu::StatusWord(0x6282), 2 } };
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 2A 80 86 02 AA BB 00", "6F 00"), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 B0 00 00 10", "01 90 00"), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 B0 00 10 10", "62 82"), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 B0 00 20 10", "02 90 00"), f.error);
    TSCNS_LINK_CHECK(exchange(f, "10 2A 80 86 01 AA", "6F 00"), f.error);
    TSCNS_LINK_CHECK(stopServer(f), f.error);
    // Only the two unfaulted READ BINARYs reached the card.
    assert_int_equal(f.card.commands.size(), 2);
    TSCNS_LINK_CHECK(sameBytes(f.error, f.card.commands[1], "00 B0 00 20 10"), f.error);
    assert_int_equal(f.server->apdusAnswered(), 5);
}

void run_garbageAt_runsCommandAndAnswersMalformedBytes(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.options.garbageAt = GarbageAt { 2, GarbageKind::Cut };
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 B0 00 00 10", "01 90 00"), f.error);
    TSCNS_LINK_CHECK(atrPoll(f), f.error); // ATR polls do not count
    TSCNS_LINK_CHECK(exchange(f, "00 B0 00 10 10", "02 90"), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 B0 00 20 10", "03 90 00"), f.error);
    TSCNS_LINK_CHECK(stopServer(f), f.error);
    // The garbled command did reach the card: only its answer was damaged.
    assert_int_equal(f.card.commands.size(), 3);
    assert_int_equal(f.server->apdusAnswered(), 3);
}

void run_muteAtWithGiveUp_dropsCardWithoutRunningCommand(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.options.muteAt = 2;
    f.options.muteGiveUp = std::chrono::milliseconds(200);
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 B0 00 00 10", "01 90 00"), f.error);
    const auto sent = Clock::now();
    TSCNS_LINK_CHECK(vpcdSends(f, "00 20 00 10 00"), f.error);
    // Silence, then the reader gives up: the connection closes and the card leaves.
    TSCNS_LINK_CHECK(cardLeaves(f), f.error);
    const auto silent = Clock::now() - sent;
    assert_true(silent >= std::chrono::milliseconds(190));
    assert_true(silent < std::chrono::milliseconds(3000));
    TSCNS_LINK_CHECK(serverEnds(f, 0), f.error);
    assert_int_equal(f.card.commands.size(), 1);
    assert_int_equal(f.card.powerOffs, 1);
    TSCNS_LINK_CHECK(diagHas(f, "card pulled after 1 APDUs"), f.error);
}

void run_muteAtForever_staysSilentUntilStopped(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.options.muteAt = 1;
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "00 B0 00 00 10"), f.error);
    assert_true(f.vpcd.expectSilence(std::chrono::milliseconds(300)));
    TSCNS_LINK_CHECK(stopServer(f), f.error);
    assert_int_equal(f.card.commands.size(), 0);
}

void run_pullAtWithReinsert_dropsThenComesBack(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.options.pullAt = 1;
    f.options.reinsertAfter = std::chrono::milliseconds(50);
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "00 B0 00 00 10"), f.error);
    TSCNS_LINK_CHECK(cardLeaves(f), f.error);
    TSCNS_LINK_CHECK(f.vpcd.accept(), f.vpcd.error());
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    // The pulled command never ran; the next one is the card's first.
    TSCNS_LINK_CHECK(exchange(f, "00 B0 00 00 10", "01 90 00"), f.error);
    TSCNS_LINK_CHECK(stopServer(f), f.error);
    assert_int_equal(f.card.commands.size(), 1);
    assert_int_equal(f.server->connections(), 2);
}

void run_cardThrows_answers6F00AndKeepsServing(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.card.throwOnIns = 0x88;
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 88 00 00 00", "6F 00"), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 B0 00 00 10", "01 90 00"), f.error);
    TSCNS_LINK_CHECK(stopServer(f), f.error);
    TSCNS_LINK_CHECK(diagHas(f, "card error: fake card failure"), f.error);
}

void run_oversizeResponse_answers6F00AndKeepsServing(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.card.oversizeOnIns = 0xB0;
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 B0 00 00 00 00 00", "6F 00"), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 A4 00 0C 02 3F 00", "01 90 00"), f.error);
    TSCNS_LINK_CHECK(stopServer(f), f.error);
}

void run_apduLog_writesFlushedTimestampedLines(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.options.apduLog = f.logPath().string();
    f.options.faults = { FaultSw { 0x2A, apdu::StatusWord(0x6F00), std::nullopt } };
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 A4 08 0C 04 10 00 10 03", "01 90 00"), f.error);
    TSCNS_LINK_CHECK(atrPoll(f), f.error);
    // Read while the card runs: the lines are already flushed. ATR polls are not logged.
    TSCNS_LINK_CHECK(readLog(f), f.error);
    TSCNS_LINK_CHECK(logMatches(f,
                         { "# inserted in vpcd " + f.options.vpcd.toString(), "# power on",
                             "> 00 A4 08 0C 04 10 00 10 03", "< 01 90 00" }),
        f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "02"), f.error);
    TSCNS_LINK_CHECK(exchange(f, "00 2A 9E 9A 01 00", "6F 00"), f.error);
    TSCNS_LINK_CHECK(stopServer(f), f.error);
    TSCNS_LINK_CHECK(readLog(f), f.error);
    TSCNS_LINK_CHECK(
        logMatches(f,
            { "# inserted in vpcd " + f.options.vpcd.toString(), "# power on",
                "> 00 A4 08 0C 04 10 00 10 03", "< 01 90 00", "# reset", "> 00 2A 9E 9A 01 00",
                "# fault-sw: command 1 with INS 2A not run, answering 6F00", "< 6F 00",
                "# power off", "# stopped: card removed from the reader" }),
        f.error);
}

void run_latencyAndBaud_delayEachAnswer(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.options.latency = std::chrono::milliseconds(60);
    f.options.baud = 1200; // 8 bytes = 66.7 ms
    TSCNS_LINK_CHECK(startAndAccept(f), f.error);
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    const auto before = Clock::now();
    TSCNS_LINK_CHECK(exchange(f, "00 B0 00 00 02", "01 90 00"), f.error);
    const auto took = Clock::now() - before;
    // ATR polls are not delayed.
    const auto atrBefore = Clock::now();
    TSCNS_LINK_CHECK(atrPoll(f), f.error);
    const auto atrTook = Clock::now() - atrBefore;
    TSCNS_LINK_CHECK(stopServer(f), f.error);
    assert_true(took >= std::chrono::milliseconds(125));
    assert_true(atrTook < std::chrono::milliseconds(60));
}

void run_vpcdListensLate_firstConnectionIsRetried(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    TSCNS_LINK_CHECK(startServer(f), f.error);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    TSCNS_LINK_CHECK(f.vpcd.startListening(), f.vpcd.error());
    TSCNS_LINK_CHECK(f.vpcd.accept(), f.vpcd.error());
    TSCNS_LINK_CHECK(powerOn(f), f.error);
    TSCNS_LINK_CHECK(stopServer(f), f.error);
    assert_int_equal(f.server->connections(), 1);
}

void run_noVpcd_exitsOneAfterConnectTimeout(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.options.connectTimeout = std::chrono::milliseconds(300);
    const auto before = Clock::now();
    TSCNS_LINK_CHECK(startServer(f), f.error);
    TSCNS_LINK_CHECK(serverEnds(f, 1), f.error);
    assert_true(Clock::now() - before >= std::chrono::milliseconds(300));
    TSCNS_LINK_CHECK(diagHas(f, "cannot connect to vpcd at 127.0.0.1:"), f.error);
    TSCNS_LINK_CHECK(diagHas(f, "Connection refused"), f.error);
    assert_int_equal(f.server->connections(), 0);
}

void run_stopWhileWaitingForVpcd_exitsZero(void** state)
{
    auto& f = fixture<ServerFixture>(state);
    f.options.connectTimeout = std::chrono::milliseconds(60'000);
    TSCNS_LINK_CHECK(startServer(f), f.error);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    TSCNS_LINK_CHECK(stopServer(f), f.error);
    assert_int_equal(f.server->connections(), 0);
}

int setupNotListening(void** state)
{
    try {
        auto* f = new ServerFixture();
        f->vpcd = FakeVpcd("127.0.0.1", false);
        *state = f;
        return 0;
    } catch (...) {
        return -1;
    }
}

} // namespace

int runLinkServerTests()
{
    const auto setup = setupFixture<ServerFixture>;
    const auto teardown = teardownFixture<ServerFixture>;
    const CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            run_insertedCard_servesUntilStopAndLeavesReader, setup, teardown),
        cmocka_unit_test_setup_teardown(run_vpcdCloses_exitsZeroWithoutReconnect, setup, teardown),
        cmocka_unit_test_setup_teardown(run_vpcdClosesWithReconnect_connectsAgain, setup, teardown),
        cmocka_unit_test_setup_teardown(run_exitAfterRemoval_overridesReconnect, setup, teardown),
        cmocka_unit_test_setup_teardown(run_removeAfter_closesAfterNthApdu, setup, teardown),
        cmocka_unit_test_setup_teardown(run_removeAfterWithReinsert_comesBackOnce, setup, teardown),
        cmocka_unit_test_setup_teardown(
            run_faultSw_answersStatusWordWithoutRunningCommand, setup, teardown),
        cmocka_unit_test_setup_teardown(
            run_garbageAt_runsCommandAndAnswersMalformedBytes, setup, teardown),
        cmocka_unit_test_setup_teardown(
            run_muteAtWithGiveUp_dropsCardWithoutRunningCommand, setup, teardown),
        cmocka_unit_test_setup_teardown(run_muteAtForever_staysSilentUntilStopped, setup, teardown),
        cmocka_unit_test_setup_teardown(run_pullAtWithReinsert_dropsThenComesBack, setup, teardown),
        cmocka_unit_test_setup_teardown(run_cardThrows_answers6F00AndKeepsServing, setup, teardown),
        cmocka_unit_test_setup_teardown(
            run_oversizeResponse_answers6F00AndKeepsServing, setup, teardown),
        cmocka_unit_test_setup_teardown(run_apduLog_writesFlushedTimestampedLines, setup, teardown),
        cmocka_unit_test_setup_teardown(run_latencyAndBaud_delayEachAnswer, setup, teardown),
        cmocka_unit_test_setup_teardown(
            run_vpcdListensLate_firstConnectionIsRetried, setupNotListening, teardown),
        cmocka_unit_test_setup_teardown(
            run_noVpcd_exitsOneAfterConnectTimeout, setupNotListening, teardown),
        cmocka_unit_test_setup_teardown(
            run_stopWhileWaitingForVpcd_exitsZero, setupNotListening, teardown),
    };
    return cmocka_run_group_tests_name("LinkServer", tests, nullptr, nullptr);
}
