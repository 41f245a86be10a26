// SPDX-License-Identifier: LGPL-2.1-or-later
// Personalization of a virtual TS-CNS: synthetic holder, IDs, PIN/PUK, keys and certificates.
#pragma once

#include "tscns/vcard/card_image.hpp"
#include "tscns/vcard/profiles.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace tscns::vcard {

struct PersonalizeOptions {
    std::string profile { kDefaultProfile };
    std::uint64_t seed = 1;
    /// The seed of the holder (names, birth, codice fiscale) and of the test CA; default: seed.
    /// Cards with different seeds and one holder seed are one person's cards (a renewal) from
    /// one CA: the same ca.pem.
    std::optional<std::uint64_t> holderSeed;
    std::optional<unsigned> keyBits; ///< 1024 or 2048; default: the profile's
    std::optional<std::string> pin; ///< 5-8 digits; default: 5 digits from the seed
    std::optional<std::string> puk; ///< 8 digits; default: 8 digits from the seed
    std::string region = "030"; ///< 3-digit issuer region code (030 = Lombardia, cns-card.md §2)
    /// 16 digits for EF_IDCarta (and D003, the certificate CN), Luhn check digit or not;
    /// default: type 6 + region + 11 digits from the seed + the Luhn digit.
    std::optional<std::string> cardId;
    /// The ATR the card answers (hex, 2-33 bytes), e.g. one no middleware knows; default: the
    /// profile's.
    std::optional<std::string> atrHex;
    CardQuirks quirks; ///< see CardQuirks; checked against the profile
    /// Default certificate EF size when `quirks.pad` asks for padding and no size is given.
    static constexpr std::size_t kDefaultPaddedEfSize = 2048;
};

/// Throws Error(BadArgument) when personalize() would reject the options (checked first by the
/// tool, so that a bad option is a usage error and costs no key generation).
void checkPersonalizeOptions(const PersonalizeOptions& options);

/// Builds a complete card image, deterministically from the options: the same options give the
/// same holder, IDs, PIN/PUK, EFs, keys and certificates (keys: with the same OpenSSL version).
/// The holder is synthetic; the codice fiscale and the card ID's Luhn digit are valid. Throws
/// Error(BadArgument) for invalid options (unknown profile, PIN not 5-8 digits, PUK not 8 digits,
/// key size other than 1024/2048, region not 3 digits).
CardImage personalize(const PersonalizeOptions& options);

} // namespace tscns::vcard
