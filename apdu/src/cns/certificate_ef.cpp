// SPDX-License-Identifier: LGPL-2.1-or-later
// The certificate's extent inside its EF (cns-card.md: padded EFs, Infocamere "1204" form).
#include "tscns/cns/certificate_ef.hpp"

#include "tscns/apdu/error.hpp"

namespace tscns::cns {

namespace {
    constexpr std::uint8_t kSequence = 0x30;
    constexpr std::size_t kWrappedHeader = 5;
    constexpr std::uint8_t kWrappedMarker = 0x01;

    enum class Header { Complete, NeedMore, NotDer };

    /// The DER SEQUENCE header at `at`: its total length (header + contents) in `total`.
    /// Definite lengths only, at most 3 length bytes (certificates are far below 16 MB).
    Header derHeader(ByteView data, std::size_t at, std::size_t& total) noexcept
    {
        if (data.size() <= at) return Header::NeedMore;
        if (data[at] != kSequence) return Header::NotDer;
        if (data.size() <= at + 1) return Header::NeedMore;
        const std::uint8_t first = data[at + 1];
        if (first < 0x80) {
            total = 2 + static_cast<std::size_t>(first);
            return Header::Complete;
        }
        const std::size_t n = first & 0x7F;
        if (n == 0 || n > 3) return Header::NotDer; // indefinite length or absurd size
        if (data.size() < at + 2 + n) return Header::NeedMore;
        std::size_t length = 0;
        for (std::size_t i = 0; i < n; ++i)
            length = (length << 8) | data[at + 2 + i];
        // DER uses the shortest length form; a long form for a length below 128 is not DER.
        if (length < 0x80 || (n > 1 && data[at + 2] == 0)) return Header::NotDer;
        total = 2 + n + length;
        return Header::Complete;
    }

    [[noreturn]] void fail(const std::string& what)
    {
        throw Error(Errc::CardData, "certificate EF: " + what);
    }
} // namespace

std::optional<CertificateExtent> certificateExtent(ByteView prefix) noexcept
{
    std::size_t total = 0;
    switch (derHeader(prefix, 0, total)) {
    case Header::Complete:
        return CertificateExtent { CertificateForm::Der, 0, total };
    case Header::NeedMore:
        return std::nullopt;
    case Header::NotDer:
        break;
    }
    if (prefix.empty() || prefix[0] != kWrappedMarker) return std::nullopt;
    if (derHeader(prefix, kWrappedHeader, total) == Header::Complete)
        return CertificateExtent { CertificateForm::Wrapped1204, kWrappedHeader, total };
    return std::nullopt;
}

CertificateEf extractCertificate(ByteView ef)
{
    if (ef.empty()) fail("empty");
    const auto extent = certificateExtent(ef);
    if (!extent) {
        if (ef[0] == 0x00 || ef[0] == 0xFF) fail("no certificate (the EF holds only padding)");
        fail("neither a DER certificate nor the wrapped 1204 form (first byte "
            + toHexSpaced(ef.subspan(0, 1)) + ")");
    }
    if (ef.size() < extent->end())
        fail("cut short: " + std::to_string(ef.size() - extent->derOffset) + " of "
            + std::to_string(extent->derLength) + " certificate bytes");
    CertificateEf out;
    out.form = extent->form;
    out.der.assign(ef.begin() + static_cast<std::ptrdiff_t>(extent->derOffset),
        ef.begin() + static_cast<std::ptrdiff_t>(extent->end()));
    out.trailingBytes = ef.size() - extent->end();
    if (extent->form == CertificateForm::Wrapped1204) {
        const std::size_t announced = (static_cast<std::size_t>(ef[1]) << 8) | ef[2];
        if (announced != extent->derLength)
            out.warnings.push_back("the wrapper announces " + std::to_string(announced)
                + " bytes, the DER header " + std::to_string(extent->derLength));
    }
    return out;
}

} // namespace tscns::cns
