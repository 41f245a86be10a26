// SPDX-License-Identifier: LGPL-2.1-or-later
// EF_IDCarta and the Luhn check digit (cns-card.md §2).
#include "checker.hpp"
#include "groups.hpp"

#include "tscns/cns/card_id.hpp"

using namespace tscns;
using namespace tscns::cns;

namespace {

void luhnCheckDigit_knownValues(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        c.eq(luhnCheckDigit("603001234567890"), '4', "synthetic card ID of cns-card.md §4");
        c.eq(luhnCheckDigit("7992739871"), '3', "textbook example 79927398713");
        c.eq(luhnCheckDigit("0"), '0', "single zero");
        c.eq(luhnCheckDigit("000000000000000"), '0', "all zeros");
        c.throws(
            Errc::BadArgument, [] { (void)luhnCheckDigit(""); }, "empty");
        c.throws(
            Errc::BadArgument, [] { (void)luhnCheckDigit("60300123456789A"); }, "letter",
            "'A' is not a digit");
    });
}

void parse_regionalCitizen_readsTypeAndIssuer(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto id = CardId::parse(std::string_view("6030012345678904"));
        c.eq(id.digits, std::string_view("6030012345678904"), "digits");
        c.that(id.type == CardType::RegionalCitizen, "type 6");
        c.eq(cardTypeName(*id.type), std::string_view("regional citizen"), "type name");
        c.eq(id.issuer, std::string_view("030"), "issuer digits 2-4");
        c.that(id.checks.allPassed() && id.checks.luhn && id.checks.knownType
                && id.checks.sixteenDigits,
            "every check passes");
        const auto fromEf = CardId::read(asBytes("6030012345678904"));
        c.that(fromEf == id, "same from EF bytes");
    });
}

void parse_otherCitizen_hasSixDigitIssuer(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto id = CardId::parse(std::string_view("7123456000000019"));
        c.that(id.type == CardType::OtherCitizen, "type 7");
        c.eq(id.issuer, std::string_view("123456"), "issuer digits 2-7");
        c.eq(cardTypeName(CardType::NationalCitizen), std::string_view("national citizen"), "5");
        c.eq(cardTypeName(CardType::OtherCitizen), std::string_view("other citizen"), "7");
        c.eq(cardTypeName(CardType::NationalOperator), std::string_view("national operator"), "8");
        c.eq(cardTypeName(CardType::RegionalOperator), std::string_view("regional operator"), "9");
    });
}

// The Luhn rule and the type digit were inferred from a few public IDs: a card that does not
// follow them is still identified, the failed check reported.
void parse_failedInterpretation_isReportedNotRefused(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto nonLuhn = CardId::parse(std::string_view("6030012345678905"));
        c.eq(nonLuhn.digits, std::string_view("6030012345678905"), "digits kept");
        c.that(!nonLuhn.checks.luhn && nonLuhn.checks.knownType, "only Luhn fails");
        c.eq(nonLuhn.checks.problems.size(), std::size_t { 1 }, "one problem");
        c.contains(nonLuhn.checks.problems.at(0), "digit 16 (5) is not the Luhn check digit (4)",
            "problem text");
        c.that(nonLuhn.type == CardType::RegionalCitizen, "type still read");

        const auto unknownType = CardId::parse(std::string_view("4030012345678909"));
        c.that(!unknownType.type.has_value() && !unknownType.checks.knownType, "type unknown");
        c.contains(unknownType.checks.problems.at(0), "type digit 4", "type problem");
        c.eq(unknownType.issuer, std::string_view("030"), "issuer digits still given");

        const auto both = CardId::parse(std::string_view("0000000000000001"));
        c.eq(both.checks.problems.size(), std::size_t { 2 }, "two problems");
    });
}

void parse_notSixteenDigits_throwsCardData(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        struct Case {
            std::string text;
            const char* part;
        };
        const Case cases[] = {
            { "", "0 bytes, expected 16 digits" },
            { "603001234567890", "15 bytes" },
            { "60300123456789040", "17 bytes" },
            { "603001234567890A", "'A' at position 16 is not a digit" },
            { std::string("6030012345678\0"
                          "04",
                  16),
                "byte 00 at position 14" },
            { "6030 12345678904", "' ' at position 5" },
        };
        for (const auto& k : cases)
            c.throws(
                Errc::CardData, [&] { (void)CardId::parse(std::string_view(k.text)); },
                "\"" + k.text + "\"", k.part);
    });
}

// What the EF holds after the 16 digits (a terminator, 00 or FF padding of a bigger EF) is
// ignored and noted; fewer than 16 leading digits leave nothing to identify the card by.
void read_ignoresWhatFollowsTheDigits(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const Bytes zero = fromHex("36 30 33 30 30 31 32 33 34 35 36 37 38 39 30 34 00 00");
        const auto a = CardId::read(zero);
        c.eq(a.digits, std::string_view("6030012345678904"), "00 padding");
        c.that(a.checks.luhn && !a.checks.sixteenDigits, "padding noted, Luhn kept");
        c.contains(a.checks.problems.at(0), "2 bytes of padding", "problem names the padding");

        const Bytes ff = fromHex("36 30 33 30 30 31 32 33 34 35 36 37 38 39 30 34 FF");
        c.contains(CardId::read(ff).checks.problems.at(0), "1 byte of padding", "FF padding");

        const Bytes other = fromHex("36 30 33 30 30 31 32 33 34 35 36 37 38 39 30 34 0D 0A");
        const auto b = CardId::read(other);
        c.eq(b.digits, std::string_view("6030012345678904"), "CR LF after the digits");
        c.contains(b.checks.problems.at(0), "of other data", "other data noted");

        c.throws(
            Errc::CardData, [] { (void)CardId::read(ByteView {}); }, "empty EF", "0 digits");
        c.throws(
            Errc::CardData, [] { (void)CardId::read(asBytes("603001234567890")); }, "15 digits",
            "15 digits, expected 16");
        c.throws(
            Errc::CardData, [] { (void)CardId::read(asBytes("60300123 4567890")); }, "space inside",
            "' ' at position 9");
    });
}

} // namespace

int runCardIdTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(luhnCheckDigit_knownValues),
        cmocka_unit_test(parse_regionalCitizen_readsTypeAndIssuer),
        cmocka_unit_test(parse_otherCitizen_hasSixDigitIssuer),
        cmocka_unit_test(parse_failedInterpretation_isReportedNotRefused),
        cmocka_unit_test(parse_notSixteenDigits_throwsCardData),
        cmocka_unit_test(read_ignoresWhatFollowsTheDigits),
    };
    return cmocka_run_group_tests_name("cns_card_id", tests, nullptr, nullptr);
}
