// SPDX-License-Identifier: LGPL-2.1-or-later
// FCP/FCI parsing: the ACe 2025 answers of cns-card.md §1, security attributes, malformed input.
#include "checker.hpp"
#include "groups.hpp"

#include "tscns/apdu/file_info.hpp"

using namespace tscns;
using namespace tscns::apdu;

namespace {

/// tag ‖ short length ‖ value (test data stays below 128 bytes per object).
Bytes tlv(std::uint8_t tag, const Bytes& value)
{
    Bytes out { tag, static_cast<std::uint8_t>(value.size()) };
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

Bytes cat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

/// EF 1102 on an ACe 2025 (cns-card.md §1).
Bytes ef1102Fci()
{
    return tlv(0x6F,
        cat({ fromHex("80 02 01 90"), fromHex("82 03 01 00 00"), fromHex("83 02 11 02"),
            fromHex("85 01 01"), fromHex("86 09 00 FF FF FF FF FF FF FF FF"), fromHex("8A 01 05"),
            tlv(0xCB, Bytes(0x18, 0xFF)) }));
}

/// MF answered to SELECT of the CNS AID on an ACe 2025 (cns-card.md §1).
Bytes mfFci()
{
    return tlv(0x6F,
        cat({ fromHex("81 02 12 34"), fromHex("82 03 38 00 00"),
            tlv(0x84, fromHex("A0 00 00 05 30 00 0B 10 40 01 02 1A")), fromHex("83 02 3F 00"),
            fromHex("85 01 01"), tlv(0x86, Bytes(9, 0xFF)), fromHex("8A 01 05"),
            tlv(0xCB, Bytes(0x18, 0xFF)) }));
}

void parse_ef1102Fci_decodesEverything(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto info = FileInfo::parse(ef1102Fci());
        c.that(info.templ == FileTemplate::Fci, "template 6F");
        c.eq(info.size(), std::optional<std::size_t>(400), "size from tag 80");
        c.eq(info.dataSize, std::optional<std::size_t>(400), "tag 80");
        c.that(!info.allocatedSize, "no tag 81");
        c.eq(info.descriptor, std::optional<std::uint8_t>(0x01), "descriptor");
        c.that(info.isTransparentEf() && !info.isDf(), "transparent EF");
        c.eq(info.fid, std::optional<std::uint16_t>(0x1102), "FID");
        c.that(!info.dfName, "no DF name");
        c.eq(info.lifeCycle, std::optional<std::uint8_t>(0x05), "LCS");
        c.that(info.security.has_value(), "security attributes");
        if (!info.security) return;
        c.that(info.security->ef(EfOperation::Read).kind == AccessCondition::Kind::Always,
            "read free");
        c.that(info.security->ef(EfOperation::Update).kind == AccessCondition::Kind::Never,
            "update never");
        c.that(info.security->ef(EfOperation::Decrease).kind == AccessCondition::Kind::Never,
            "dec never");
        c.eq(info.security->encodedSize(), 9u, "9 bytes sent");
    });
}

void parse_mfFci_decodesDf(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto info = FileInfo::parse(mfFci());
        c.that(info.isDf(), "DF");
        c.eq(info.fid, std::optional<std::uint16_t>(0x3F00), "FID 3F00");
        c.that(info.dfName.has_value(), "DF name present");
        if (info.dfName) c.hex(*info.dfName, "A0 00 00 05 30 00 0B 10 40 01 02 1A", "AID");
        c.that(!info.dataSize, "no tag 80");
        c.eq(info.size(), std::optional<std::size_t>(0x1234), "size falls back to tag 81");
        c.that(info.security
                && info.security->df(DfOperation::Create).kind == AccessCondition::Kind::Never,
            "create never");
    });
}

void parse_iasStyleFcp_skipsUnknownTags(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        // 80 02 size · 82 01 01 · 88 01 SFI · 83 02 FID · 8A 01 05 · A1 08 (8C/9C), cns-card.md §1.
        const Bytes fcp = tlv(0x62,
            cat({ fromHex("80 02 07 5D"), fromHex("82 01 01"), fromHex("88 01 08"),
                fromHex("83 02 C0 01"), fromHex("8A 01 05"),
                fromHex("A1 08 8C 03 01 02 03 9C 01 00") }));
        const auto info = FileInfo::parse(fcp);
        c.that(info.templ == FileTemplate::Fcp, "template 62");
        c.eq(info.size(), std::optional<std::size_t>(0x75D), "size");
        c.eq(info.fid, std::optional<std::uint16_t>(0xC001), "FID");
        c.that(info.isTransparentEf(), "EF");
        c.that(!info.security, "no tag 86");

        const auto df = FileInfo::parse(fromHex("62 03 82 01 38"));
        c.that(df.isDf(), "82 01 38 is a DF");
        const auto fmd = FileInfo::parse(fromHex("64 00"));
        c.that(fmd.templ == FileTemplate::Fmd && !fmd.kind, "empty FMD");
        const auto padded = FileInfo::parse(fromHex("62 04 83 02 10 00 00 00"));
        c.eq(padded.fid, std::optional<std::uint16_t>(0x1000), "trailing 00 padding allowed");
    });
}

void securityAttributes_decodeCnsBytes(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto sa = SecurityAttributes::parse(fromHex("00 10 66 3A 1F"));
        c.eq(sa.encodedSize(), 5u, "encoded size");
        c.that(sa.at(0).kind == AccessCondition::Kind::Always, "00 always");
        c.that(sa.at(1).kind == AccessCondition::Kind::Pin && sa.at(1).reference == 0x10, "10 PIN");
        c.that(sa.at(2).kind == AccessCondition::Kind::Never, "66 never");
        c.that(sa.at(3).kind == AccessCondition::Kind::Unknown, "3A unknown");
        c.that(sa.at(4).kind == AccessCondition::Kind::Pin && sa.at(4).reference == 0x1F, "1F CHV");
        c.that(
            sa.at(5).kind == AccessCondition::Kind::Never && sa.at(5).raw == 0xFF, "missing = FF");
        c.eq(sa.at(1).toString(), std::string_view("PIN 10"), "toString PIN");
        c.eq(sa.at(3).toString(), std::string_view("unknown (3A)"), "toString unknown");
        c.eq(sa.at(0).toString(), std::string_view("always"), "toString always");
        c.eq(sa.at(8).toString(), std::string_view("never"), "toString never");
        c.throws(
            Errc::CardData, [&] { (void)sa.at(9); }, "index 9");
        c.throws(
            Errc::CardData, [] { (void)SecurityAttributes::parse(Bytes(10, 0)); }, "10 bytes",
            "at most 9");
        // The IDEMIA 2021 key DF ACL (cns-card.md §1).
        const auto keyDf = SecurityAttributes::parse(fromHex("FF 10 10 FF FF FF FF 10 FF"));
        c.that(keyDf.df(DfOperation::UpdateObjects).reference == 0x10, "key DF update PIN");
        c.that(
            keyDf.df(DfOperation::Create).kind == AccessCondition::Kind::Pin, "key DF create PIN");
    });
}

void fileKindOf_descriptorBytes(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        c.that(fileKindOf(0x01) == FileKind::TransparentEf, "01");
        c.that(fileKindOf(0x41) == FileKind::TransparentEf, "41 shareable");
        c.that(fileKindOf(0x09) == FileKind::TransparentEf, "09 internal");
        c.that(fileKindOf(0x38) == FileKind::Df, "38");
        c.that(fileKindOf(0x78) == FileKind::Df, "78 shareable DF");
        c.that(fileKindOf(0x02) == FileKind::RecordEf, "02 linear fixed");
        c.that(fileKindOf(0x04) == FileKind::RecordEf, "04 linear variable");
        c.that(fileKindOf(0x06) == FileKind::RecordEf, "06 cyclic");
        c.that(fileKindOf(0x00) == FileKind::Other, "00");
        c.that(fileKindOf(0x81) == FileKind::Other, "81 proprietary");
    });
}

void parse_malformed_throwsCardData(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        struct Case {
            const char* hex;
            const char* part;
        };
        const Case cases[] = {
            { "", "empty answer" },
            { "00 00", "empty answer" },
            { "70 02 83 00", "outer tag 70" },
            { "6F 00 6F 00", "unexpected tag 6F after the template" },
            { "6F 10 83 02", "length 16 exceeds" },
            { "6F 04 83 05 3F 00", "tag 83: length 5 exceeds" },
            { "6F 05 83 03 3F 00 01", "tag 83 (file identifier) has 3 bytes, expected 2" },
            { "6F 02 83 00", "tag 83 (file identifier) has 0 bytes" },
            { "6F 02 80 00", "tag 80 (size) has 0 bytes" },
            { "6F 07 80 05 01 02 03 04 05", "tag 80 (size) has 5 bytes" },
            { "6F 02 82 00", "tag 82 (file descriptor) is empty" },
            { "6F 02 84 00", "tag 84 (DF name) has 0 bytes" },
            { "6F 0C 86 0A 00 00 00 00 00 00 00 00 00 00", "at most 9" },
            { "6F 04 8A 02 05 05", "tag 8A (life cycle status) has 2 bytes" },
            { "6F 08 83 02 3F 00 83 02 3F 00", "tag 83 appears twice" },
            { "6F 08 80 02 01 90 81 02 01", "length 8 exceeds the 7 bytes left" },
        };
        for (const auto& k : cases) {
            const Bytes data = fromHex(k.hex);
            c.throws(
                Errc::CardData, [&] { (void)FileInfo::parse(data); }, k.hex, k.part);
        }
        Bytes longName = tlv(0x6F, tlv(0x84, Bytes(17, 0xA0)));
        c.throws(
            Errc::CardData, [&] { (void)FileInfo::parse(longName); }, "17-byte AID",
            "tag 84 (DF name) has 17 bytes");
    });
}

void parse_everyTruncation_ofRealAnswers_isRejected(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        for (const Bytes& full : { ef1102Fci(), mfFci() }) {
            for (std::size_t n = 0; n < full.size(); ++n) {
                const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
                c.throws(
                    Errc::CardData, [&] { (void)FileInfo::parse(cut); },
                    "truncated to " + std::to_string(n));
            }
        }
    });
}

} // namespace

int runFileInfoTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_ef1102Fci_decodesEverything),
        cmocka_unit_test(parse_mfFci_decodesDf),
        cmocka_unit_test(parse_iasStyleFcp_skipsUnknownTags),
        cmocka_unit_test(securityAttributes_decodeCnsBytes),
        cmocka_unit_test(fileKindOf_descriptorBytes),
        cmocka_unit_test(parse_malformed_throwsCardData),
        cmocka_unit_test(parse_everyTruncation_ofRealAnswers_isRejected),
    };
    return cmocka_run_group_tests_name("apdu_file_info", tests, nullptr, nullptr);
}
