// SPDX-License-Identifier: LGPL-2.1-or-later
// CnsCard: the TS-CNS card logic over any CardChannel (PC/SC transaction, virtual card, script).
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/card_channel.hpp"
#include "tscns/apdu/get_response_channel.hpp"
#include "tscns/cns/atr_info.hpp"
#include "tscns/cns/card_id.hpp"
#include "tscns/cns/path.hpp"
#include "tscns/cns/personal_data.hpp"
#include "tscns/cns/pin_pad.hpp"
#include "tscns/cns/profile.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tscns::cns {

/// What identification found out about a card.
struct Identification {
    /// The layout to use. After identify() it is the ATR's suggestion corrected by the probe;
    /// the certificate's location is confirmed by the first readCertificate().
    Profile profile;
    std::optional<CnsAtrInfo> atrInfo; ///< when the ATR has the CNS structure
    std::string atrLabel; ///< label of the known-ATR table, if listed
    /// False for an ATR that is neither a CNS ATR nor in the known table ("unknown ATR"): the
    /// probe alone made it a TS-CNS.
    bool atrRecognised = false;
    /// Read by the probe. Its checks (type digit, Luhn) are reported, never a reason to refuse.
    /// Empty digits when the card has no readable EF_IDCarta but a CNS application (the card ID
    /// then comes from the certificate's CN).
    CardId cardId;
    Bytes idCartaRaw; ///< EF_IDCarta as read (empty when unreadable)
    /// What the probe noticed that a user may want to know (a failed check, a fallback taken).
    std::vector<std::string> notes;
};

/// Tries left on the user PIN, when the card tells.
struct PinStatus {
    std::optional<int> triesLeft; ///< nullopt: the card does not say
    bool verified = false; ///< already verified in this card session
    bool blocked = false;
};

class CnsCard {
public:
    /// Identifies the card and discovers its layout (docs/card-layouts.md has the order and the
    /// APDU cost). The ATR is only a hint (CNS ATRs are shared with other products): the probe
    /// reads EF_IDCarta at MF level; when it is not there, it selects the known CNS applications
    /// by AID (ACe 2025, ChipDoc, JSign4) and reads EF_IDCarta (or the ACe's D003) inside.
    /// Throws Error(NotCnsCard) when neither EF_IDCarta nor a CNS application answers; transport
    /// errors as they come.
    static Identification identify(apdu::CardChannel& channel, ByteView atr);

    /// Wraps `channel` (61xx/6Cxx handled). The channel (and `pad`, the reader's PIN pad when it
    /// has one) must outlive this object.
    CnsCard(apdu::CardChannel& channel, Profile profile, PinPad* pad = nullptr);

    /// The layout, as corrected by what this object found (readCertificate()).
    [[nodiscard]] const Profile& profile() const noexcept { return profile_; }
    /// True once a command carrying a PIN or PUK went to the card through this object.
    [[nodiscard]] bool pinSent() const noexcept { return pinSent_; }

    /// Reads a transparent EF: SELECT with FCI for its size, then READ BINARY in chunks of at
    /// most 255 bytes, never more than `maxBytes`. Without a size in the FCI (or with an FCI
    /// that does not parse), reads until a short chunk, 6282 or 6B00/6700. After 6B00/6700 one
    /// byte is asked at the same offset: refused, it is the end of the file; answered, the card
    /// refuses reads running past the end and is asked for half as many bytes. On a layout inside
    /// an application, a SELECT that fails selects the application and is tried once more. Throws
    /// Error(CardRejected) with SW 6A82 when the file is absent, and Error(Transport) when the card
    /// returns less than the FCI size ("truncated") or more than asked.
    Bytes readFile(const Path& path, std::size_t maxBytes = kMaxFileSize);
    /// EF_IDCarta (3F00/1000/1003), read tolerantly (CardId::read).
    CardId readCardId();
    /// EF_DatiPersonali (3F00/1100/1102), raw and parsed (best effort, with warnings).
    Bytes readPersonalDataRaw();
    PersonalData readPersonalData();
    /// The DER authentication certificate. Tries the layout's location first and then every other
    /// known one (docs/card-layouts.md), reads only as many bytes as the DER length needs, and
    /// ignores what follows it in the EF (padding). The location found is kept in profile().
    /// Throws Error(CardRejected, 6A82) when no location holds one, Error(CardData) when the EF
    /// holds no certificate.
    Bytes readCertificate();

    /// Asks the card for the PIN tries left with an empty VERIFY (ISO 7816-4 §11.5.6). Not every
    /// card answers it; it never consumes a try.
    PinStatus pinStatus();
    /// VERIFY with the user PIN, exactly once (never retried). Throws Error(PinIncorrect) with
    /// retries(), Error(PinLocked), Error(PinLength).
    void verifyPin(const SecureBytes& pin);
    /// True when a PIN pad was given: verifyPinOnPad() can be used.
    [[nodiscard]] bool hasPinPad() const noexcept { return pad_ != nullptr; }
    /// The same VERIFY as verifyPin, with the PIN typed on the reader's pad (one pad request,
    /// never retried). Same errors as verifyPin; the pad's own answers: Error(CardRejected) with
    /// SW 6400 (entry timed out) or 6401 (cancelled on the reader), no try spent on the card;
    /// Error(Transport) with 6B80 (the reader refused the request). Error(Unsupported) without
    /// a pad.
    void verifyPinOnPad();
    /// CHANGE REFERENCE DATA. Same errors as verifyPin (the old PIN is checked by the card).
    void changePin(const SecureBytes& oldPin, const SecureBytes& newPin);
    /// RESET RETRY COUNTER with the PUK and a new PIN. PinIncorrect/PinLocked refer to the PUK.
    void unblockPin(const SecureBytes& puk, const SecureBytes& newPin);

    /// The raw RSA private-key operation with the authentication key (the PIN must have been
    /// verified in this card session): MSE RESTORE, key DF selection where the profile has one,
    /// MSE SET (confidentiality template), PSO DECIPHER. `block` is modulus-sized. When the
    /// reader or card refuses the extended APDU, the command is resent with chaining.
    Bytes rsaRaw(ByteView block);

    /// Random bytes from GET CHALLENGE, in as many commands as the profile requires.
    Bytes getChallenge(std::size_t n);

    /// READ BINARY offsets stop at 7FFF (P1 bit 8 would mean an SFI): no EF can be larger.
    static constexpr std::size_t kMaxFileSize = 0x8000;

private:
    apdu::ResponseApdu send(const apdu::CommandApdu& command);
    void pinCommand(apdu::CommandApdu& command, const char* what);
    /// Turns a PIN command's status word into the errors of verifyPin (returns on 9000).
    static void checkPinAnswer(apdu::StatusWord status, const char* what);
    /// SELECT AID of the layout's application (not resent while it is the current one in this
    /// object); false when the card does not answer 9000.
    bool selectApplication();
    bool enterApplication(ByteView aid);
    /// The layout's application was selected through this object (one transaction).
    [[nodiscard]] bool applicationCurrent() const noexcept;
    /// `layout`'s application is the one selected last through this object.
    [[nodiscard]] bool inApplication(const Profile& layout) const noexcept;
    /// READ BINARY of the selected EF from offset 0 up to `limit` bytes (`size`, from the FCI,
    /// only tells whether a short read is a truncation). `shrink`, when given, may lower the
    /// limit from the bytes read so far (the certificate's DER length).
    Bytes readBody(const std::string& name, std::optional<std::size_t> size, std::size_t limit,
        std::optional<std::size_t> (*shrink)(ByteView) = nullptr);
    /// Tries the certificate locations (own layout, then the others unless confirmed) with `at`;
    /// the first that yields a value fixes the layout (profile()).
    std::optional<Bytes> searchCertificate(
        const std::function<std::optional<Bytes>(const Profile&, const Path&)>& at);
    /// Finds the layout by SELECT of the certificate EFs only; false when already confirmed or
    /// nothing is found.
    bool locateLayout();
    /// Key DF, MSE RESTORE, MSE SET of rsaRaw; PSO DECIPHER (with the chaining fallback).
    void prepareKey();
    Bytes decipher(ByteView block);
    /// Reads the certificate at one location of `layout`; nullopt when the EF is not there.
    std::optional<Bytes> certificateAt(const Profile& layout, const Path& path);

    apdu::CardChannel& raw_; ///< for PIN commands
    PinPad* pad_ = nullptr; ///< the reader's PIN pad, if any
    apdu::GetResponseChannel channel_; ///< for everything else
    Profile profile_;
    bool pinSent_ = false;
    Bytes currentAid_; ///< the application selected last through this object, if any
};

} // namespace tscns::cns
