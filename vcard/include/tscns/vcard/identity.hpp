// SPDX-License-Identifier: LGPL-2.1-or-later
// Holder identity encodings of the TS-CNS: dates, codice fiscale, Luhn card IDs, EF_DatiPersonali.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace tscns::vcard {

/// A calendar date (proleptic Gregorian).
struct Date {
    int year = 1970;
    int month = 1;
    int day = 1;

    /// "YYYY-MM-DD"; throws Error(BadArgument) for anything else or an impossible date.
    static Date parseIso(std::string_view text);
    [[nodiscard]] std::string iso() const; ///< "YYYY-MM-DD"
    [[nodiscard]] std::string ddmmyyyy() const; ///< "DDMMYYYY" (EF_DatiPersonali, cns-card.md §3)
    [[nodiscard]] bool valid() const noexcept;
    /// Same day `years` later; 29 February becomes 28 February in a non-leap year.
    [[nodiscard]] Date plusYears(int years) const noexcept;
    /// `days` after this date (days may be negative).
    [[nodiscard]] Date plusDays(long days) const noexcept;

    friend bool operator==(const Date&, const Date&) = default;
};

int daysInMonth(int year, int month) noexcept;

/// The codice fiscale (16 characters) of a person: surname and given-name codes (consonant
/// rules), year, month letter, day (+40 for women), Belfiore code of the birth place and the
/// check character. Omocodia variants are not produced. Throws Error(BadArgument) for an invalid
/// sex ('M'/'F'), date or Belfiore code (one letter and three digits).
std::string codiceFiscale(std::string_view surname, std::string_view givenName, Date birth,
    char sex, std::string_view belfiore);
/// The check character for the first 15 characters of a codice fiscale.
char codiceFiscaleCheckChar(std::string_view first15);
/// True when `cf` has 16 characters and a correct check character.
bool codiceFiscaleValid(std::string_view cf) noexcept;

/// Luhn check digit ('0'..'9') to append to a string of decimal digits.
char luhnCheckDigit(std::string_view digits);
/// True when the last digit is the Luhn check digit of the others.
bool luhnValid(std::string_view digits) noexcept;

/// The 16 fields of EF_DatiPersonali in file order (cns-card.md §3).
enum class DatiField : std::size_t {
    Issuer = 0,
    IssueDate,
    ExpiryDate,
    Surname,
    GivenName,
    BirthDate,
    Sex,
    Height,
    CodiceFiscale,
    Citizenship,
    BirthMunicipality,
    BirthCountry,
    BirthCertificate,
    ResidenceMunicipality,
    ResidenceAddress,
    Expatriation,
};
inline constexpr std::size_t kDatiFieldCount = 16;
inline constexpr std::size_t kDatiPersonaliSize = 400; ///< FCP size 0x0190 (cns-card.md §1)
using DatiPersonali = std::array<std::string, kDatiFieldCount>;

/// EF_DatiPersonali: six ASCII hex digits giving the total length including those six
/// characters (the value the real card carries, cns-card.md §3) or, with `headerCountsItself`
/// false, the length of what follows them (OpenSC's reading); then per field two upper-case hex
/// digits of length and the ASCII value; zero-padded to `efSize`. Throws Error(BadArgument)
/// when a field is longer than 255 bytes or the result does not fit.
Bytes encodeDatiPersonali(const DatiPersonali& fields, std::size_t efSize = kDatiPersonaliSize,
    bool headerCountsItself = true);

} // namespace tscns::vcard
