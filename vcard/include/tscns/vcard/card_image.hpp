// SPDX-License-Identifier: LGPL-2.1-or-later
// The on-disk card image: personalization record, PIN state, keys, certificates and raw EFs.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tscns::vcard {

using Fid = std::uint16_t;
/// A file path from the MF, MF included: { 0x3F00, 0x1100, 0x1101 }.
using FilePath = std::vector<Fid>;

inline constexpr Fid kMfFid = 0x3F00;
inline constexpr int kPinTriesMax = 3; ///< cns-card.md §5
inline constexpr int kPukTriesMax = 10; ///< PUK count unknown on real cards (§5); 10 is ours

/// Parses "3F00/1100/1101" or "3F00-1100-1101" (4 hex digits per FID, MF first).
/// Throws Error(BadArgument) otherwise.
FilePath parseFilePath(std::string_view text);
/// "3F00-1100-1101" (upper-case hex joined by `separator`).
std::string filePathName(const FilePath& path, char separator = '-');

/// How this card departs from the usual answers, as real cards do (docs/vcard.md). Chosen at
/// `tscns-vcard new`, kept in card.json "quirks"; an image without it has the defaults.
struct CardQuirks {
    std::string pad = "none"; ///< certificate EF padding: "none", "00" or "ff"
    std::size_t efSize = 0; ///< certificate EF size with padding (0: exactly the certificate)
    std::string personalHeader = "including"; ///< EF_DatiPersonali header: "including"|"excluding"
    bool noFci = false; ///< SELECT answers 90 00 without FCI/FCP
    std::string readEnd = "9000"; ///< READ BINARY past the end: "9000", "6282" or "6b00"
    bool aidRequired = false; ///< nothing reachable before SELECT AID (profiles that allow it)
    friend bool operator==(const CardQuirks&, const CardQuirks&) = default;
};

/// Throws Error(BadArgument) for a value outside the sets above.
void checkQuirks(const CardQuirks& quirks);

/// DIR/card.json: what the card was personalized with. Dates are "YYYY-MM-DD".
struct CardRecord {
    int format = 1;
    std::string profile;
    std::string atrHex; ///< upper-case hex with spaces
    std::string cardId; ///< 16 digits, EF_IDCarta
    std::string codiceFiscale;
    std::string surname;
    std::string givenName;
    std::string sex; ///< "M" or "F"
    std::string birthDate;
    std::string birthPlace; ///< Belfiore code
    std::string residence; ///< Belfiore code of the residence municipality
    std::string issuer; ///< EF_DatiPersonali field 1, type digit + region, e.g. "6030"
    std::string issueDate;
    std::string expiryDate;
    std::string pin; ///< initial PIN (the current one is in CardState)
    std::string puk;
    unsigned keyBits = 2048;
    std::uint64_t seed = 0;
    CardQuirks quirks;
};

/// DIR/state.json: reference data and retry counters as the card currently holds them.
struct CardState {
    std::string pin;
    std::string puk;
    int pinTriesLeft = kPinTriesMax;
    int pukTriesLeft = kPukTriesMax;

    friend bool operator==(const CardState&, const CardState&) = default;
};

struct CardImage {
    CardRecord record;
    CardState state;
    /// EF contents by path; DFs are implied by these paths plus the profile's DFs.
    std::map<FilePath, Bytes> files;
    std::string caCertPem; ///< test CA certificate
    std::string caKeyPem; ///< test CA private key (for CRLs in tests)
    std::string certPem; ///< authentication certificate (also DER in its EF)
    std::string keyPem; ///< card private key (PKCS#8 PEM); this is a TEST card
};

/// Reads DIR (card.json, state.json, *.pem, ef/*). A missing state.json is created from the
/// record. Throws Error(BadArgument) naming the file and the problem for a missing or corrupt
/// image. Key and certificate PEMs are read as text and checked by the card at load time.
CardImage readCardImage(const std::filesystem::path& dir);
/// Writes a complete image to DIR (created if needed). Refuses a non-empty DIR unless `force`,
/// in which case the previous image's files (card.json, state.json, *.pem, ef/) are replaced.
/// Throws Error(BadArgument) on refusal or an I/O failure.
void writeCardImage(const std::filesystem::path& dir, const CardImage& image, bool force);
/// Writes DIR/state.json atomically (temporary file + rename).
void writeCardState(const std::filesystem::path& dir, const CardState& state);

/// The record as pretty-printed JSON (card.json's content).
std::string cardRecordJson(const CardRecord& record);

} // namespace tscns::vcard
