// SPDX-License-Identifier: LGPL-2.1-or-later
// The certificate EF: DER by its own length, padding ignored, the Infocamere "1204" wrapped form.
#include "checker.hpp"
#include "groups.hpp"

#include "tscns/cns/certificate_ef.hpp"

#include <algorithm>

using namespace tscns;
using namespace tscns::cns;

namespace {

/// A DER SEQUENCE of `contents` bytes (header in the shortest form): what the EF parser sees of
/// a certificate. X.509 itself is OpenSSL's business, not this parser's.
Bytes sequence(std::size_t contents)
{
    Bytes out { 0x30 };
    if (contents < 0x80) {
        out.push_back(static_cast<std::uint8_t>(contents));
    } else if (contents <= 0xFF) {
        out.insert(out.end(), { 0x81, static_cast<std::uint8_t>(contents) });
    } else {
        out.insert(out.end(),
            { 0x82, static_cast<std::uint8_t>(contents >> 8),
                static_cast<std::uint8_t>(contents & 0xFF) });
    }
    for (std::size_t i = 0; i < contents; ++i)
        out.push_back(static_cast<std::uint8_t>(i * 7 + 1));
    return out;
}

Bytes padded(Bytes b, std::size_t size, std::uint8_t fill)
{
    b.resize(size, fill);
    return b;
}

Bytes wrapped(const Bytes& der, std::size_t announced)
{
    const Bytes header = fromHex("01 "
        + toHexSpaced(Bytes { static_cast<std::uint8_t>(announced >> 8),
            static_cast<std::uint8_t>(announced & 0xFF) })
        + " 00 00");
    Bytes out = header;
    out.reserve(header.size() + der.size());
    for (const std::uint8_t b : der)
        out.push_back(b);
    return out;
}

void extract_derWithPadding_takesTheDerLength(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const Bytes der = sequence(1200); // 1204 bytes, like an RSA-2048 CNS certificate
        for (const int fill : { 0x00, 0xFF, 0x5A }) {
            const auto ef = extractCertificate(padded(der, 2048, static_cast<std::uint8_t>(fill)));
            c.bytes(ef.der, der, "DER out of a 2048-byte EF");
            c.eq(ef.trailingBytes, std::size_t { 2048 - 1204 }, "trailing bytes counted");
            c.that(ef.form == CertificateForm::Der, "plain DER");
            c.that(ef.warnings.empty(), "padding is no warning");
        }
        const auto exact = extractCertificate(der);
        c.bytes(exact.der, der, "EF of exactly the certificate");
        c.eq(exact.trailingBytes, std::size_t { 0 }, "nothing after it");
        c.bytes(extractCertificate(sequence(100)).der, sequence(100), "81 length form");
        c.bytes(extractCertificate(sequence(20)).der, sequence(20), "short length form");
    });
}

void extract_wrapped1204_takesDerFromOffset5(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const Bytes der = sequence(900);
        const auto ef = extractCertificate(padded(wrapped(der, der.size()), 1500, 0x00));
        c.that(ef.form == CertificateForm::Wrapped1204, "wrapped form");
        c.bytes(ef.der, der, "DER from offset 5");
        c.eq(ef.trailingBytes, std::size_t { 1500 - 5 - der.size() }, "padding after it");
        c.that(ef.warnings.empty(), "lengths agree");
        const auto odd = extractCertificate(wrapped(der, 17));
        c.bytes(odd.der, der, "the DER header decides");
        c.that(!odd.warnings.empty() && odd.warnings[0].find("announces 17") != std::string::npos,
            "a disagreeing wrapper length is a warning");
    });
}

void extent_fromThePrefix(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const Bytes der = sequence(1200);
        c.that(!certificateExtent(ByteView(der).first(1)), "1 byte: cannot tell yet");
        c.that(!certificateExtent(ByteView(der).first(3)), "3 bytes: length cut");
        const auto e = certificateExtent(ByteView(der).first(4));
        c.that(e && e->end() == 1204 && e->derOffset == 0, "4 bytes tell the extent");
        const Bytes w = wrapped(der, der.size());
        c.that(!certificateExtent(ByteView(w).first(7)), "wrapped: 7 bytes not enough");
        const auto we = certificateExtent(ByteView(w).first(9));
        c.that(we && we->form == CertificateForm::Wrapped1204 && we->end() == 1209,
            "wrapped: 9 bytes tell the extent");
        c.that(!certificateExtent(fromHex("00 00 00 00 00 00 00 00 00")), "padding only");
        c.that(!certificateExtent(fromHex("30 80 00 00")), "indefinite length is not DER");
        c.that(!certificateExtent(fromHex("30 81 05")), "long form for a short length");
        c.that(!certificateExtent(fromHex("30 84 00 00 10 00")), "4 length bytes");
    });
}

void extract_noCertificate_throwsCardData(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        c.throws(
            Errc::CardData, [] { (void)extractCertificate(ByteView {}); }, "empty", "empty");
        c.throws(
            Errc::CardData, [] { (void)extractCertificate(Bytes(64, 0x00)); }, "zeros",
            "only padding");
        c.throws(
            Errc::CardData, [] { (void)extractCertificate(Bytes(64, 0xFF)); }, "FF",
            "only padding");
        c.throws(
            Errc::CardData, [] { (void)extractCertificate(fromHex("04 03 01 02 03")); },
            "OCTET STRING", "first byte 04");
        const Bytes der = sequence(1200);
        c.throws(
            Errc::CardData, [&] { (void)extractCertificate(ByteView(der).first(1000)); },
            "truncated", "cut short: 1000 of 1204");
        const Bytes w = wrapped(der, der.size());
        c.throws(
            Errc::CardData, [&] { (void)extractCertificate(ByteView(w).first(600)); },
            "truncated wrapped", "cut short: 595 of 1204");
    });
}

} // namespace

int runCertificateEfTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(extract_derWithPadding_takesTheDerLength),
        cmocka_unit_test(extract_wrapped1204_takesDerFromOffset5),
        cmocka_unit_test(extent_fromThePrefix),
        cmocka_unit_test(extract_noCertificate_throwsCardData),
    };
    return cmocka_run_group_tests_name("cns_certificate_ef", tests, nullptr, nullptr);
}
