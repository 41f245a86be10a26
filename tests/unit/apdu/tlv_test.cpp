// SPDX-License-Identifier: LGPL-2.1-or-later
// BER-TLV reader: tags, length forms, padding, and rejection of malformed input.
#include "checker.hpp"
#include "groups.hpp"

#include "tscns/apdu/tlv.hpp"

using namespace tscns;
using namespace tscns::apdu;

namespace {

void next_shortAndLongLengths_readValues(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        Bytes data = fromHex("83 02 3F 00");
        data.insert(data.end(), { 0xC0, 0x81, 0x80 });
        data.insert(data.end(), 0x80, 0x11);
        data.insert(data.end(), { 0xC1, 0x82, 0x01, 0x00 });
        data.insert(data.end(), 0x100, 0x22);
        data.insert(data.end(), { 0xC2, 0x83, 0x00, 0x01, 0x01 });
        data.insert(data.end(), 0x101, 0x33);
        data.insert(data.end(), { 0x5F, 0x20, 0x03, 'A', 'B', 'C' });
        const auto list = parseTlvs(data);
        c.eq(list.size(), 5u, "object count");
        if (list.size() != 5) return;
        c.eq(list[0].tag, 0x83u, "tag 0");
        c.hex(list[0].value, "3F 00", "value 0");
        c.eq(list[0].offset, 0u, "offset 0");
        c.eq(list[1].tag, 0xC0u, "tag 1");
        c.eq(list[1].value.size(), 0x80u, "81 length");
        c.eq(list[2].value.size(), 0x100u, "82 length");
        c.eq(list[3].value.size(), 0x101u, "83 length");
        c.that(list[3].value[0] == 0x33 && list[3].value[0x100] == 0x33, "83 value");
        c.eq(list[4].tag, 0x5F20u, "two-byte tag");
        c.hex(list[4].value, "41 42 43", "two-byte tag value");
        c.eq(tagName(list[4].tag), std::string_view("5F20"), "tagName 5F20");
        c.eq(tagName(0x83), std::string_view("83"), "tagName 83");
    });
}

void next_paddingBetweenObjects_isSkipped(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto list = parseTlvs(fromHex("00 FF 83 02 3F 00 00 00 8A 01 05 FF FF"));
        c.eq(list.size(), 2u, "objects");
        if (list.size() == 2) {
            c.eq(list[0].offset, 2u, "first offset");
            c.eq(list[1].tag, 0x8Au, "second tag");
        }
        c.eq(parseTlvs(fromHex("00 00 FF")).size(), 0u, "padding only");
        c.eq(parseTlvs(Bytes {}).size(), 0u, "empty");
        c.eq(parseTlvs(fromHex("84 00")).size(), 1u, "empty value");
    });
}

void constructed_bit6_ofFirstTagByte(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto list = parseTlvs(fromHex("62 03 83 01 00 BF 0C 00 5F 20 00 83 00"));
        c.eq(list.size(), 4u, "objects");
        if (list.size() != 4) return;
        c.that(list[0].constructed(), "62 constructed");
        c.eq(list[1].tag, 0xBF0Cu, "BF0C tag");
        c.that(list[1].constructed(), "BF0C constructed");
        c.that(!list[2].constructed(), "5F20 primitive");
        c.that(!list[3].constructed(), "83 primitive");
    });
}

void next_malformed_throwsCardData(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        struct Case {
            const char* hex;
            const char* part;
        };
        const Case cases[] = {
            { "83", "tag 83: length missing" },
            { "83 05 3F 00", "tag 83: length 5 exceeds the 2 bytes left" },
            { "5F", "tag 5F truncated" },
            { "5F 81 01 00", "longer than 2 bytes" },
            { "83 80 00 00", "indefinite length" },
            { "83 84 00 00 00 01 00", "length field of 4 bytes" },
            { "83 81", "length field truncated" },
            { "83 82 01", "length field truncated" },
            { "83 83 00 01", "length field truncated" },
            { "83 81 80 00", "length 128 exceeds the 1 bytes left" },
            { "83 83 FF FF FF 00", "length 16777215 exceeds" },
            { "83 02 3F 00 84", "at offset 4" },
        };
        for (const auto& k : cases) {
            const Bytes data = fromHex(k.hex);
            c.throws(
                Errc::CardData, [&] { (void)parseTlvs(data, "test TLV"); }, k.hex, k.part);
        }
        c.throws(
            Errc::CardData, [] { (void)parseTlvs(fromHex("83 05"), "FCP"); }, "context",
            "FCP: tag 83");
    });
}

void reader_stepsOneObjectAtATime(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const Bytes data = fromHex("83 02 3F 00 87 05 01");
        TlvReader reader(data);
        const auto first = reader.next();
        c.that(first.has_value() && first->tag == 0x83, "first object before the bad one");
        c.throws(
            Errc::CardData, [&] { (void)reader.next(); }, "second object", "tag 87");
    });
}

} // namespace

int runTlvTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(next_shortAndLongLengths_readValues),
        cmocka_unit_test(next_paddingBetweenObjects_isSkipped),
        cmocka_unit_test(constructed_bit6_ofFirstTagByte),
        cmocka_unit_test(next_malformed_throwsCardData),
        cmocka_unit_test(reader_stepsOneObjectAtATime),
    };
    return cmocka_run_group_tests_name("apdu_tlv", tests, nullptr, nullptr);
}
