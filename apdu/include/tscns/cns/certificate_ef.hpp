// SPDX-License-Identifier: LGPL-2.1-or-later
// The certificate EF as cards hold it: a DER certificate, or the Infocamere "1204" wrapped form,
// followed by whatever fills a fixed-size EF (00 or FF padding, or anything else).
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace tscns::cns {

enum class CertificateForm {
    Der, ///< the DER certificate from offset 0
    Wrapped1204, ///< 01 <DER length, 2 bytes big endian> 00 00 <DER> (3F00/2FFF/8228)
};

/// Where the certificate lies in the EF, as its own header tells.
struct CertificateExtent {
    CertificateForm form = CertificateForm::Der;
    std::size_t derOffset = 0; ///< 0, or 5 for the wrapped form
    std::size_t derLength = 0; ///< the whole DER SEQUENCE, tag and length included

    /// The EF bytes needed to hold the whole certificate.
    [[nodiscard]] std::size_t end() const noexcept { return derOffset + derLength; }
};

/// The extent, from the first bytes of the EF (the DER header needs at most 4, the wrapped form
/// 9): nullopt while `prefix` is too short to tell or holds neither form. Never throws.
[[nodiscard]] std::optional<CertificateExtent> certificateExtent(ByteView prefix) noexcept;

struct CertificateEf {
    Bytes der; ///< exactly the DER certificate
    CertificateForm form = CertificateForm::Der;
    std::size_t trailingBytes = 0; ///< EF bytes after the certificate (ignored)
    std::vector<std::string> warnings; ///< e.g. a wrapper length that disagrees with the DER
};

/// The certificate in the EF content (or the part of it read so far), by the DER header's
/// length; whatever follows it is ignored and counted. Tries DER at offset 0, then the wrapped
/// form (DER at offset 5; the wrapper's own length in bytes 1..2 is only checked, a mismatch is
/// a warning). Only the outer header is read here: X.509 parsing is OpenSSL's (tscns::crypto).
/// Throws Error(CardData) when neither form is there or the data ends inside the certificate.
[[nodiscard]] CertificateEf extractCertificate(ByteView ef);

} // namespace tscns::cns
