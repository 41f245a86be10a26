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
        c.eq(cardTypeName(id.type), std::string_view("regional citizen"), "type name");
        c.eq(id.issuer, std::string_view("030"), "issuer digits 2-4");
        const auto fromEf = CardId::parse(asBytes("6030012345678904"));
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

void parse_invalid_throwsCardData(void**)
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
            { "6030012345678905", "check digit 5 is wrong, Luhn gives 4" },
            { "4030012345678909", "type digit 4" },
            { "0030012345678907", "type digit 0" },
        };
        for (const auto& k : cases)
            c.throws(
                Errc::CardData, [&] { (void)CardId::parse(std::string_view(k.text)); },
                "\"" + k.text + "\"", k.part);
        c.throws(
            Errc::CardData, [] { (void)CardId::parse(ByteView {}); }, "empty EF");
        const Bytes padded = fromHex("36 30 33 30 30 31 32 33 34 35 36 37 38 39 30 34 00");
        c.throws(
            Errc::CardData, [&] { (void)CardId::parse(padded); }, "EF with a terminator",
            "17 bytes");
    });
}

} // namespace

int runCardIdTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(luhnCheckDigit_knownValues),
        cmocka_unit_test(parse_regionalCitizen_readsTypeAndIssuer),
        cmocka_unit_test(parse_otherCitizen_hasSixDigitIssuer),
        cmocka_unit_test(parse_invalid_throwsCardData),
    };
    return cmocka_run_group_tests_name("cns_card_id", tests, nullptr, nullptr);
}
