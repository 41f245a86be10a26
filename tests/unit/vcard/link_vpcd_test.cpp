// SPDX-License-Identifier: LGPL-2.1-or-later
// VpcdLink against a fake vpcd on loopback: control bytes, split frames, ATR polls, EOF, stop.
#include "link_fakes.hpp"
#include "vpcd_link.hpp"

#include <thread>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

// cmocka last: its fail() macro clashes with std::basic_ios::fail.
#include "link_test_support.hpp"

using namespace tscns;
using namespace tscns::vcard;
using namespace tscns::vcard::test;
using Split = FakeVpcd::Split;

namespace {

/// The link runs step() in `worker` until Closed or Stopped; the main thread plays vpcd.
struct LinkFixture {
    FakeVpcd vpcd;
    FakeCard card;
    StopPipe stop;
    std::optional<VpcdLink> link;
    std::thread worker;
    std::vector<LinkEvent> events; // written by the worker, read after join
    std::string workerError;
    std::string error;

    LinkFixture() = default;
    LinkFixture(const LinkFixture&) = delete;
    LinkFixture& operator=(const LinkFixture&) = delete;
    ~LinkFixture()
    {
        stop.stop();
        vpcd.closeClient();
        if (worker.joinable()) worker.join();
    }
};

bool connectLink(LinkFixture& f)
{
    if (!f.vpcd.ok()) {
        f.error = "fake vpcd: " + f.vpcd.error();
        return false;
    }
    f.error = tscns::test::exceptionText(
        [&] { f.link = VpcdLink::connect(f.vpcd.endpoint(), kIoTimeout, f.stop.readFd()); });
    if (!f.error.empty()) return false;
    if (!f.link) {
        f.error = "connect reported a stop";
        return false;
    }
    if (!f.vpcd.accept()) {
        f.error = f.vpcd.error();
        return false;
    }
    return true;
}

bool startWorker(LinkFixture& f)
{
    f.worker = std::thread([&f] {
        try {
            for (;;) {
                const LinkEvent event = f.link->step(f.card, f.stop.readFd());
                f.events.push_back(event);
                if (event == LinkEvent::Closed || event == LinkEvent::Stopped) return;
            }
        } catch (const std::exception& e) {
            f.workerError = e.what();
        }
    });
    return true;
}

bool startLink(LinkFixture& f)
{
    return connectLink(f) && startWorker(f);
}

/// Joins the worker and checks it ended with `last` and without an exception.
bool joinLink(LinkFixture& f, LinkEvent last)
{
    f.worker.join();
    if (!f.workerError.empty()) {
        f.error = "the link threw: " + f.workerError;
        return false;
    }
    if (f.events.empty() || f.events.back() != last) {
        f.error = "the link did not end with the expected event";
        return false;
    }
    return true;
}

bool vpcdSends(LinkFixture& f, const char* hex, Split split = Split::Whole)
{
    if (f.vpcd.sendHex(hex, split)) return true;
    f.error = f.vpcd.error();
    return false;
}

bool vpcdReceives(LinkFixture& f, ByteView expected)
{
    auto frame = f.vpcd.receive();
    if (!frame) {
        f.error = f.vpcd.error();
        return false;
    }
    return sameBytes(f.error, *frame, expected);
}

bool vpcdReceives(LinkFixture& f, const char* hex)
{
    return vpcdReceives(f, fromHex(hex));
}

/// vpcd's presence poll: GET ATR, answered with the ATR.
bool atrPoll(LinkFixture& f, Split split = Split::Whole)
{
    return vpcdSends(f, "04", split) && vpcdReceives(f, f.card.atrBytes);
}

bool vpcdCloses(LinkFixture& f)
{
    f.vpcd.closeClient();
    return true;
}

bool eventsAre(LinkFixture& f, std::initializer_list<std::string> expected)
{
    if (std::equal(f.card.events.begin(), f.card.events.end(), expected.begin(), expected.end()))
        return true;
    f.error = "card events:";
    for (const auto& e : f.card.events)
        f.error += " [" + e + "]";
    return false;
}

int socketOption(int fd, int level, int name)
{
    int value = -1;
    socklen_t length = sizeof value;
    if (::getsockopt(fd, level, name, &value, &length) < 0) return -1;
    return value;
}

void connect_tcp_setsNoDelay(void** state)
{
    auto& f = fixture<LinkFixture>(state);
    TSCNS_LINK_CHECK(connectLink(f), f.error);
    assert_true(f.link->connected());
    assert_int_equal(socketOption(f.link->fd(), IPPROTO_TCP, TCP_NODELAY), 1);
}

void step_afterExchanges_quickAckStaysArmed(void** state)
{
    auto& f = fixture<LinkFixture>(state);
    TSCNS_LINK_CHECK(connectLink(f), f.error);
    const int fd = f.link->fd();
    TSCNS_LINK_CHECK(startWorker(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "01"), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "00 B0 00 00 10", Split::PrefixThenBody), f.error);
    TSCNS_LINK_CHECK(vpcdReceives(f, "01 90 00"), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "00 B0 00 00 10", Split::PrefixThenBody), f.error);
    TSCNS_LINK_CHECK(vpcdReceives(f, "02 90 00"), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "00 B0 00 00 10", Split::PrefixThenBody), f.error);
    TSCNS_LINK_CHECK(vpcdReceives(f, "03 90 00"), f.error);
    // Answering quickly after a receive switches Linux to delayed ACKs ("pingpong" mode, which
    // getsockopt(TCP_QUICKACK) reports as 0); the link re-arms quick ACKs right after its send,
    // so vpcd's next length prefix is acknowledged at once. The pause lets the link's thread get
    // from send() to that setsockopt().
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    assert_int_equal(socketOption(fd, IPPROTO_TCP, TCP_QUICKACK), 1);
    TSCNS_LINK_CHECK(vpcdCloses(f), f.error);
    TSCNS_LINK_CHECK(joinLink(f, LinkEvent::Closed), f.error);
}

/// Twenty APDUs written as vpcd writes them (prefix, then body, Nagle on). Delayed ACKs on the
/// card side would hold each body back ~40 ms; with quick ACKs they take well under 1 ms each.
bool twentyVpcdStyleApdus(LinkFixture& f, std::chrono::steady_clock::duration& took)
{
    if (!f.vpcd.setNagle(true)) return (f.error = f.vpcd.error(), false);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 1; i <= 20; ++i) {
        if (!vpcdSends(f, "00 B0 00 00 10", Split::BackToBack)) return false;
        const Bytes expected { static_cast<std::uint8_t>(i), 0x90, 0x00 };
        if (!vpcdReceives(f, expected)) return false;
    }
    took = std::chrono::steady_clock::now() - start;
    return true;
}

void step_vpcdStyleWrites_doNotStallOnDelayedAcks(void** state)
{
    auto& f = fixture<LinkFixture>(state);
    std::chrono::steady_clock::duration took {};
    TSCNS_LINK_CHECK(startLink(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "01"), f.error);
    TSCNS_LINK_CHECK(twentyVpcdStyleApdus(f, took), f.error);
    TSCNS_LINK_CHECK(vpcdCloses(f), f.error);
    TSCNS_LINK_CHECK(joinLink(f, LinkEvent::Closed), f.error);
    // 20 stalls would be 800 ms; allow a slow CI host plenty of room below that.
    assert_true(took < std::chrono::milliseconds(300));
}

void connect_nothingListening_throwsNoService(void** state)
{
    auto& f = fixture<LinkFixture>(state);
    // The fake is bound but not listening: connections to its port are refused.
    f.error = "fake vpcd: " + f.vpcd.error();
    TSCNS_LINK_CHECK(f.vpcd.ok(), f.error);
    f.error = tscns::test::errorMismatch(
        Errc::NoService, [&] { (void)VpcdLink::connect(f.vpcd.endpoint(), kIoTimeout); });
    TSCNS_LINK_CHECK(f.error.empty(), f.error);
}

void connect_stopRequested_returnsNullopt(void** state)
{
    auto& f = fixture<LinkFixture>(state);
    f.stop.stop();
    // 192.0.2.1 (TEST-NET-1) never answers, so only the stop fd can end the attempt early. On a
    // host without any route it fails at once instead, which is also acceptable here.
    f.error = tscns::test::exceptionText([&] {
        if (VpcdLink::connect({ "192.0.2.1", 35963 }, kIoTimeout, f.stop.readFd()))
            throw std::runtime_error("connected to TEST-NET-1");
    });
    const bool ok = f.error.empty() || f.error.find("NoService") != std::string::npos;
    TSCNS_LINK_CHECK(ok, f.error);
}

void step_controlBytes_reachCardAndOnlyGetAtrIsAnswered(void** state)
{
    auto& f = fixture<LinkFixture>(state);
    TSCNS_LINK_CHECK(startLink(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "01", Split::PrefixThenBody), f.error); // power on
    TSCNS_LINK_CHECK(vpcdSends(f, "02", Split::ByteByByte), f.error); // reset
    // Power on and reset have no reply, so the first frame back is the ATR.
    TSCNS_LINK_CHECK(atrPoll(f, Split::PrefixThenBody), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "00"), f.error); // power off
    TSCNS_LINK_CHECK(vpcdSends(f, "7F"), f.error); // unknown control byte: ignored
    TSCNS_LINK_CHECK(vpcdSends(f, ""), f.error); // empty message: ignored
    TSCNS_LINK_CHECK(atrPoll(f), f.error);
    TSCNS_LINK_CHECK(vpcdCloses(f), f.error);
    TSCNS_LINK_CHECK(joinLink(f, LinkEvent::Closed), f.error);
    TSCNS_LINK_CHECK(eventsAre(f, { "power on", "reset", "power off", "power off" }), f.error);
    assert_int_equal(f.card.atrs, 2);
    assert_int_equal(f.events.size(), 8);
    assert_int_equal(static_cast<int>(f.events[0]), static_cast<int>(LinkEvent::PowerOn));
    assert_int_equal(static_cast<int>(f.events[1]), static_cast<int>(LinkEvent::Reset));
    assert_int_equal(static_cast<int>(f.events[2]), static_cast<int>(LinkEvent::AtrSent));
    assert_int_equal(static_cast<int>(f.events[3]), static_cast<int>(LinkEvent::PowerOff));
    assert_int_equal(static_cast<int>(f.events[4]), static_cast<int>(LinkEvent::Ignored));
    assert_int_equal(static_cast<int>(f.events[5]), static_cast<int>(LinkEvent::Ignored));
}

void step_splitApdus_areReassembled(void** state)
{
    auto& f = fixture<LinkFixture>(state);
    TSCNS_LINK_CHECK(startLink(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "01"), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "00 A4 04 0C 02 3F 00", Split::Whole), f.error);
    TSCNS_LINK_CHECK(vpcdReceives(f, "01 90 00"), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "00 A4 08 0C 04 10 00 10 03", Split::PrefixThenBody), f.error);
    TSCNS_LINK_CHECK(vpcdReceives(f, "02 90 00"), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "00 B0 00 00 10", Split::ByteByByte), f.error);
    TSCNS_LINK_CHECK(vpcdReceives(f, "03 90 00"), f.error);
    // Two APDUs in one write: each gets its own answer, in order.
    TSCNS_LINK_CHECK(
        f.vpcd.sendRaw(fromHex("00 04 00 B0 00 00 00 04 00 B0 00 01")), f.vpcd.error());
    TSCNS_LINK_CHECK(vpcdReceives(f, "04 90 00"), f.error);
    TSCNS_LINK_CHECK(vpcdReceives(f, "05 90 00"), f.error);
    TSCNS_LINK_CHECK(vpcdCloses(f), f.error);
    TSCNS_LINK_CHECK(joinLink(f, LinkEvent::Closed), f.error);
    assert_int_equal(f.card.commands.size(), 5);
    TSCNS_LINK_CHECK(sameBytes(f.error, f.card.commands[1], "00 A4 08 0C 04 10 00 10 03"), f.error);
    TSCNS_LINK_CHECK(sameBytes(f.error, f.card.commands[2], "00 B0 00 00 10"), f.error);
    TSCNS_LINK_CHECK(sameBytes(f.error, f.card.commands[4], "00 B0 00 01"), f.error);
}

bool sendsLargeApdu(LinkFixture& f, std::size_t size)
{
    Bytes apdu(size, 0xA5);
    apdu[0] = 0x00;
    apdu[1] = 0x2A;
    return f.vpcd.send(apdu, Split::PrefixThenBody) || (f.error = f.vpcd.error(), false);
}

void step_largeApdu_spansManyReads(void** state)
{
    auto& f = fixture<LinkFixture>(state);
    TSCNS_LINK_CHECK(startLink(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "01"), f.error);
    TSCNS_LINK_CHECK(sendsLargeApdu(f, 0xFFFF), f.error);
    TSCNS_LINK_CHECK(vpcdReceives(f, "01 90 00"), f.error);
    TSCNS_LINK_CHECK(vpcdCloses(f), f.error);
    TSCNS_LINK_CHECK(joinLink(f, LinkEvent::Closed), f.error);
    assert_int_equal(f.card.commands.size(), 1);
    assert_int_equal(f.card.commands[0].size(), 0xFFFF);
    assert_int_equal(f.card.commands[0].back(), 0xA5);
}

void step_atrPollBetweenApdus_keepsCardState(void** state)
{
    auto& f = fixture<LinkFixture>(state);
    TSCNS_LINK_CHECK(startLink(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "01"), f.error);
    TSCNS_LINK_CHECK(atrPoll(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "00 20 00 10 08 31 32 33 34 35 FF FF FF"), f.error);
    TSCNS_LINK_CHECK(vpcdReceives(f, "01 90 00"), f.error);
    TSCNS_LINK_CHECK(atrPoll(f), f.error);
    TSCNS_LINK_CHECK(atrPoll(f, Split::ByteByByte), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "00 22 F3 03 00"), f.error);
    TSCNS_LINK_CHECK(vpcdReceives(f, "02 90 00"), f.error);
    TSCNS_LINK_CHECK(atrPoll(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "00 2A 80 86 02 AA BB 00"), f.error);
    // The sequence number continues: no ATR poll reset the card.
    TSCNS_LINK_CHECK(vpcdReceives(f, "03 90 00"), f.error);
    TSCNS_LINK_CHECK(vpcdCloses(f), f.error);
    TSCNS_LINK_CHECK(joinLink(f, LinkEvent::Closed), f.error);
    assert_int_equal(f.card.powerOns, 1);
    assert_int_equal(f.card.resets, 0);
    assert_int_equal(f.card.atrs, 4);
}

void step_eofMidFrame_powersOffAndCloses(void** state)
{
    auto& f = fixture<LinkFixture>(state);
    TSCNS_LINK_CHECK(startLink(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "01"), f.error);
    TSCNS_LINK_CHECK(atrPoll(f), f.error);
    // A length prefix announcing 5 bytes, 2 of them, then the connection goes away.
    TSCNS_LINK_CHECK(f.vpcd.sendRaw(fromHex("00 05 00 A4")), f.vpcd.error());
    TSCNS_LINK_CHECK(vpcdCloses(f), f.error);
    TSCNS_LINK_CHECK(joinLink(f, LinkEvent::Closed), f.error);
    TSCNS_LINK_CHECK(eventsAre(f, { "power on", "power off" }), f.error);
    assert_true(f.card.commands.empty());
    assert_false(f.link->connected());
}

void step_stopFd_returnsStoppedAndStaysConnected(void** state)
{
    auto& f = fixture<LinkFixture>(state);
    TSCNS_LINK_CHECK(startLink(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "01"), f.error);
    TSCNS_LINK_CHECK(atrPoll(f), f.error);
    f.stop.stop();
    TSCNS_LINK_CHECK(joinLink(f, LinkEvent::Stopped), f.error);
    assert_true(f.link->connected());
    assert_int_equal(f.card.powerOffs, 0);
}

void step_closedLink_throwsInternal(void** state)
{
    auto& f = fixture<LinkFixture>(state);
    TSCNS_LINK_CHECK(connectLink(f), f.error);
    f.link->close();
    f.error = tscns::test::errorMismatch(Errc::Internal, [&] { (void)f.link->step(f.card); });
    TSCNS_LINK_CHECK(f.error.empty(), f.error);
}

void connect_ipv6Loopback_servesApdus(void** state)
{
    auto& f = fixture<LinkFixture>(state);
    if (!f.vpcd.ok()) skip(); // no IPv6 loopback on this host
    TSCNS_LINK_CHECK(startLink(f), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "01"), f.error);
    TSCNS_LINK_CHECK(vpcdSends(f, "00 84 00 00 08"), f.error);
    TSCNS_LINK_CHECK(vpcdReceives(f, "01 90 00"), f.error);
    TSCNS_LINK_CHECK(vpcdCloses(f), f.error);
    TSCNS_LINK_CHECK(joinLink(f, LinkEvent::Closed), f.error);
}

int setupIpv6(void** state)
{
    try {
        auto* f = new LinkFixture();
        f->vpcd = FakeVpcd("::1");
        *state = f;
        return 0;
    } catch (...) {
        return -1;
    }
}

int setupNotListening(void** state)
{
    try {
        auto* f = new LinkFixture();
        f->vpcd = FakeVpcd("127.0.0.1", false);
        *state = f;
        return 0;
    } catch (...) {
        return -1;
    }
}

} // namespace

int runLinkVpcdTests()
{
    const auto setup = setupFixture<LinkFixture>;
    const auto teardown = teardownFixture<LinkFixture>;
    const CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(connect_tcp_setsNoDelay, setup, teardown),
        cmocka_unit_test_setup_teardown(step_afterExchanges_quickAckStaysArmed, setup, teardown),
        cmocka_unit_test_setup_teardown(
            step_vpcdStyleWrites_doNotStallOnDelayedAcks, setup, teardown),
        cmocka_unit_test_setup_teardown(
            connect_nothingListening_throwsNoService, setupNotListening, teardown),
        cmocka_unit_test_setup_teardown(connect_stopRequested_returnsNullopt, setup, teardown),
        cmocka_unit_test_setup_teardown(
            step_controlBytes_reachCardAndOnlyGetAtrIsAnswered, setup, teardown),
        cmocka_unit_test_setup_teardown(step_splitApdus_areReassembled, setup, teardown),
        cmocka_unit_test_setup_teardown(step_largeApdu_spansManyReads, setup, teardown),
        cmocka_unit_test_setup_teardown(step_atrPollBetweenApdus_keepsCardState, setup, teardown),
        cmocka_unit_test_setup_teardown(step_eofMidFrame_powersOffAndCloses, setup, teardown),
        cmocka_unit_test_setup_teardown(
            step_stopFd_returnsStoppedAndStaysConnected, setup, teardown),
        cmocka_unit_test_setup_teardown(step_closedLink_throwsInternal, setup, teardown),
        cmocka_unit_test_setup_teardown(connect_ipv6Loopback_servesApdus, setupIpv6, teardown),
    };
    return cmocka_run_group_tests_name("VpcdLink", tests, nullptr, nullptr);
}
