// SPDX-License-Identifier: LGPL-2.1-or-later
// Status word table: Errc mapping, descriptions, throwForStatus.
#include "checker.hpp"
#include "groups.hpp"

#include "tscns/apdu/status_table.hpp"

#include <cstring>

using namespace tscns;
using namespace tscns::apdu;

namespace {

void lookup_isoWords_mapToErrc(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        struct Case {
            std::uint16_t sw;
            Errc code;
            const char* text;
        };
        const Case cases[] = {
            { 0x6A82, Errc::CardRejected, "File or application not found" },
            { 0x6982, Errc::NotLoggedIn, "Security status not satisfied" },
            { 0x6983, Errc::PinLocked, "Authentication method blocked" },
            { 0x63C2, Errc::PinIncorrect, "Verification failed" },
            { 0x63C0, Errc::PinIncorrect, "Verification failed" },
            { 0x6300, Errc::PinIncorrect, "Verification failed" },
            { 0x6381, Errc::CardRejected, "File filled up by the last write" },
            { 0x6384, Errc::CardRejected, "Warning, non-volatile memory changed" },
            { 0x6984, Errc::CardRejected, "Reference data not usable" },
            { 0x6985, Errc::CardRejected, "Conditions of use not satisfied" },
            { 0x6700, Errc::CardRejected, "Wrong length" },
            { 0x6282, Errc::CardRejected, "End of file or record reached before reading Le bytes" },
            { 0x6B00, Errc::CardRejected, "Wrong parameters P1-P2 (offset outside the EF)" },
            { 0x6A86, Errc::CardRejected, "Incorrect parameters P1-P2" },
            { 0x6A88, Errc::CardRejected, "Referenced data or reference data not found" },
            { 0x6A99, Errc::CardRejected, "Wrong parameters P1-P2" },
            { 0x6A81, Errc::Unsupported, "Function not supported" },
            { 0x6884, Errc::Unsupported, "Command chaining not supported" },
            { 0x6D00, Errc::Unsupported, "Instruction code not supported or invalid" },
            { 0x6E00, Errc::Unsupported, "Class not supported" },
            { 0x6F00, Errc::CardRejected, "No precise diagnosis" },
            { 0x6110, Errc::Transport, "More response bytes available, SW2 gives how many" },
            { 0x6C10, Errc::Transport, "Wrong Le field, SW2 gives the available length" },
            { 0x9000, Errc::Internal, "Normal processing" },
            { 0x9123, Errc::CardRejected, "Unknown status word" },
            { 0x6F12, Errc::CardRejected, "Unknown status word" },
            { 0x6000, Errc::Transport, "Invalid status word (SW1 not 6x or 9x)" },
            { 0x1234, Errc::Transport, "Invalid status word (SW1 not 6x or 9x)" },
            { 0x0000, Errc::Transport, "Invalid status word (SW1 not 6x or 9x)" },
        };
        for (const auto& k : cases) {
            const StatusWord sw { k.sw };
            c.eq(errcForStatus(sw), k.code, "errc of " + sw.toString());
            c.eq(describeStatus(sw), std::string_view(k.text), "description of " + sw.toString());
            c.eq(lookupStatus(sw).code, k.code, "lookup of " + sw.toString());
        }
    });
}

void lookup_everyWord_hasDescription(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        for (std::uint32_t v = 0; v <= 0xFFFF; ++v) {
            const auto info = lookupStatus(StatusWord { static_cast<std::uint16_t>(v) });
            if (info.description.empty()) c.report("no description for " + std::to_string(v));
        }
    });
}

void throwForStatus_6A82_throwsCardRejectedWithMessage(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto e = c.throws(
            Errc::CardRejected, [] { throwForStatus(sw::kFileNotFound, "SELECT 3F00/1000/1003"); },
            "6A82");
        if (!e) return;
        c.eq(e->message(),
            std::string_view("SELECT 3F00/1000/1003: File or application not found (SW 6A82)"),
            "message");
        c.that(e->statusWord() == sw::kFileNotFound, "status word carried");
        c.that(!e->retries().has_value(), "no retries for 6A82");
        c.that(std::strstr(e->where().file_name(), "status_table_test") != nullptr,
            "source location is the caller's");
    });
}

void throwForStatus_63Cx_carriesRetries(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto e2 = c.throws(
            Errc::PinIncorrect, [] { throwForStatus(StatusWord { 0x63C2 }, "VERIFY"); }, "63C2");
        if (e2) {
            c.eq(e2->message(),
                std::string_view("VERIFY: Verification failed, 2 tries left (SW 63C2)"), "message");
            c.eq(e2->retries().value_or(-1), 2, "retries");
        }
        const auto e1 = c.throws(
            Errc::PinIncorrect, [] { throwForStatus(StatusWord { 0x63C1 }, "VERIFY"); }, "63C1");
        if (e1)
            c.eq(e1->message(),
                std::string_view("VERIFY: Verification failed, 1 try left (SW 63C1)"), "message");
        const auto e0 = c.throws(
            Errc::PinIncorrect, [] { throwForStatus(StatusWord { 0x63C0 }, "VERIFY"); }, "63C0");
        if (e0) c.eq(e0->retries().value_or(-1), 0, "retries of 63C0");
    });
}

void throwForStatus_otherWords_useTable(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        c.throws(
            Errc::PinLocked, [] { throwForStatus(sw::kAuthMethodBlocked, "VERIFY"); }, "6983",
            "Authentication method blocked (SW 6983)");
        c.throws(
            Errc::NotLoggedIn, [] { throwForStatus(sw::kSecurityNotSatisfied, "PSO"); }, "6982",
            "PSO: Security status not satisfied (SW 6982)");
        c.throws(
            Errc::Unsupported, [] { throwForStatus(sw::kClaNotSupported, "PSO"); }, "6E00");
        c.throws(
            Errc::Internal, [] { throwForStatus(sw::kSuccess, "READ"); }, "9000");
    });
}

} // namespace

int runStatusTableTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lookup_isoWords_mapToErrc),
        cmocka_unit_test(lookup_everyWord_hasDescription),
        cmocka_unit_test(throwForStatus_6A82_throwsCardRejectedWithMessage),
        cmocka_unit_test(throwForStatus_63Cx_carriesRetries),
        cmocka_unit_test(throwForStatus_otherWords_useTable),
    };
    return cmocka_run_group_tests_name("apdu_status_table", tests, nullptr, nullptr);
}
