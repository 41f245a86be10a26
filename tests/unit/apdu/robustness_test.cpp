// SPDX-License-Identifier: LGPL-2.1-or-later
// Every parser of untrusted bytes, fed random, truncated and mutated input: it either succeeds or
// throws tscns::Error(CardData) (card data) or Error(BadArgument) (paths and codici fiscali,
// which callers give too), never anything else (the ASan/UBSan build checks the bounds).
#include "checker.hpp"
#include "groups.hpp"

#include "tscns/apdu/atr.hpp"
#include "tscns/apdu/file_info.hpp"
#include "tscns/apdu/tlv.hpp"
#include "tscns/cns/atr_info.hpp"
#include "tscns/cns/card_id.hpp"
#include "tscns/cns/certificate_ef.hpp"
#include "tscns/cns/codice_fiscale.hpp"
#include "tscns/cns/known_atrs.hpp"
#include "tscns/cns/path.hpp"
#include "tscns/cns/personal_data.hpp"
#include "tscns/cns/profile.hpp"
#include "tscns/cns/subject_cn.hpp"

#include <cstdint>
#include <functional>

using namespace tscns;
using namespace tscns::apdu;
using namespace tscns::cns;

namespace {

/// Deterministic generator (splitmix64), so failures reproduce.
class Random {
public:
    explicit Random(std::uint64_t seed)
        : state_(seed)
    {
    }
    std::uint64_t next()
    {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
    Bytes bytes(std::size_t maxLength, std::string_view alphabet = {})
    {
        Bytes out(below(maxLength + 1));
        for (auto& b : out)
            b = alphabet.empty() ? static_cast<std::uint8_t>(next())
                                 : static_cast<std::uint8_t>(alphabet[below(alphabet.size())]);
        return out;
    }

private:
    std::uint64_t state_;
};

using Parser = std::function<void(ByteView)>;

std::string_view text(ByteView b)
{
    return { reinterpret_cast<const char*>(b.data()), b.size() };
}

/// The error a parser may throw: CardData for what comes from the card, BadArgument for values
/// that callers give as well.
Errc expectedCode(std::string_view name)
{
    return name.starts_with("Path") || name.starts_with("codice fiscale") ? Errc::BadArgument
                                                                          : Errc::CardData;
}

/// Runs the parser; records anything but success or the parser's one error code.
void feed(test::Checker& c, const Parser& parse, ByteView input, std::string_view name)
{
    // An exactly sized heap copy, so that ASan sees any read past the end of the input.
    const Bytes exact(input.begin(), input.end());
    try {
        parse(exact);
    } catch (const Error& e) {
        if (e.code() != expectedCode(name))
            c.report(std::string(name) + " [" + toHexSpaced(input)
                + "]: Errc::" + std::string(errcName(e.code())) + ": " + e.message());
        if (e.message().empty()) c.report(std::string(name) + ": empty error message");
    } catch (const std::exception& e) {
        c.report(std::string(name) + " [" + toHexSpaced(input) + "]: std::exception: " + e.what());
    }
}

/// All truncations and single-byte mutations of a valid input.
void mutate(test::Checker& c, const Parser& parse, ByteView valid, std::string_view name)
{
    for (std::size_t n = 0; n <= valid.size(); ++n)
        feed(c, parse, valid.first(n), name);
    static constexpr std::uint8_t kValues[]
        = { 0x00, 0x01, 0x20, 0x30, 0x39, 0x41, 0x46, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0xFF };
    Bytes work(valid.begin(), valid.end());
    for (std::size_t i = 0; i < work.size(); ++i) {
        const std::uint8_t original = work[i];
        for (auto v : kValues) {
            work[i] = v;
            feed(c, parse, work, name);
        }
        work[i] = original;
    }
    Bytes longer(valid.begin(), valid.end());
    longer.push_back(0x31);
    feed(c, parse, longer, name);
}

const Parser kAtr = [](ByteView b) {
    const auto atr = Atr::parse(b);
    (void)interpretCnsAtr(atr);
    (void)matchesCnsStrict(atr);
    (void)profileForAtr(b);
};
const Parser kTlv = [](ByteView b) { (void)parseTlvs(b); };
const Parser kFileInfo = [](ByteView b) { (void)FileInfo::parse(b); };
const Parser kPersonal = [](ByteView b) { (void)PersonalData::parse(b); };
const Parser kCardId = [](ByteView b) { (void)CardId::read(b); };
const Parser kSubject = [](ByteView b) { (void)SubjectCn::parse(text(b)); };
const Parser kPath = [](ByteView b) { (void)Path::parse(text(b)); };
const Parser kCertEf = [](ByteView b) {
    (void)certificateExtent(b);
    (void)extractCertificate(b);
};
const Parser kCf = [](ByteView b) { validateCodiceFiscale(text(b)); };

void randomInput_parsersThrowOnlyTheirErrc(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        Random rnd(0x75C5);
        for (int i = 0; i < 5000; ++i) {
            const Bytes any = rnd.bytes(64);
            feed(c, kAtr, any, "ATR");
            feed(c, kTlv, any, "TLV");
            feed(c, kFileInfo, any, "FileInfo");
            feed(c, kPersonal, any, "PersonalData");
            feed(c, kCardId, any, "CardId");
            feed(c, kCertEf, any, "CertificateEf");
            feed(c, kCertEf, rnd.bytes(40, "\x30\x01\x81\x82\x83\x00\xFF\x05"),
                "CertificateEf (headers)");
            feed(c, kSubject, any, "SubjectCn");
            feed(c, kPath, any, "Path");
            feed(c, kCf, any, "codice fiscale");
            // Inputs close to the expected alphabets reach deeper.
            feed(c, kPersonal, rnd.bytes(120, "0123456789ABCDEF\0"), "PersonalData (hex)");
            feed(c, kPath, rnd.bytes(24, "3F0/1"), "Path (alphabet)");
            feed(c, kFileInfo,
                rnd.bytes(40, "\x62\x6F\x80\x81\x82\x83\x84\x86\x8A\x01\x02\x03\x09"),
                "FileInfo (tags)");
            feed(c, kTlv, rnd.bytes(40, "\x5F\x1F\x81\x82\x83\x84\x80\x01\x02\x00\xFF"),
                "TLV (tags)");
        }
    });
}

void mutatedInput_parsersThrowOnlyTheirErrc(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        for (const auto& k : knownAtrs())
            mutate(c, kAtr, fromHex(k.hex), "ATR");
        const Bytes fci
            = fromHex("6F 38 80 02 01 90 82 03 01 00 00 83 02 11 02 85 01 01 86 09 00 FF FF"
                      " FF FF FF FF FF FF 8A 01 05 CB 18 FF FF FF FF FF FF FF FF FF FF FF FF"
                      " FF FF FF FF FF FF FF FF FF FF FF FF");
        c.noThrow([&] { (void)FileInfo::parse(fci); }, "FCI sample is valid");
        mutate(c, kFileInfo, fci, "FileInfo");
        mutate(c, kTlv, fci, "TLV");
        const std::string_view pd = "0000650460300801022024080102203005ROSSI05MARIO080101198001M00"
                                    "10RSSMRA80A01F205X0004F205000004F2050000";
        c.noThrow([&] { (void)PersonalData::parse(asBytes(pd)); }, "personal data sample is valid");
        mutate(c, kPersonal, asBytes(pd), "PersonalData");
        mutate(c, kCardId, asBytes("6030012345678904"), "CardId");
        mutate(c, kSubject,
            asBytes("RSSMRA80A01F205X/6030012345678904.AAECAwQFBgcICQoLDA0ODxAREhM="), "SubjectCn");
        mutate(c, kPath, asBytes("3F00/1400/9001/2002"), "Path");
        mutate(c, kCertEf, fromHex("30 81 84 30 81 81 02 01 01 00 00"), "CertificateEf");
        mutate(c, kCertEf, fromHex("01 00 05 00 00 30 03 02 01 01 FF FF"), "CertificateEf 1204");
        mutate(c, kCf, asBytes("RSSMRA80A01F205X"), "codice fiscale");
    });
}

} // namespace

int runRobustnessTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(randomInput_parsersThrowOnlyTheirErrc),
        cmocka_unit_test(mutatedInput_parsersThrowOnlyTheirErrc),
    };
    return cmocka_run_group_tests_name("apdu_robustness", tests, nullptr, nullptr);
}
