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
#include "tscns/cns/profile.hpp"

#include <optional>
#include <string>

namespace tscns::cns {

/// What identification found out about a card.
struct Identification {
    Profile profile; ///< the layout to use
    std::optional<CnsAtrInfo> atrInfo; ///< when the ATR has the CNS structure
    std::string atrLabel; ///< label of the known-ATR table, if listed
    CardId cardId; ///< read by the probe
    Bytes idCartaRaw; ///< EF_IDCarta as read
};

/// Tries left on the user PIN, when the card tells.
struct PinStatus {
    std::optional<int> triesLeft; ///< nullopt: the card does not say
    bool verified = false; ///< already verified in this card session
    bool blocked = false;
};

class CnsCard {
public:
    /// Identifies the card: the ATR is only a hint (CNS ATRs are shared with other products,
    /// cns-card.md §8); the probe reads EF_IDCarta, which must hold a valid 16-digit card ID.
    /// Throws Error(NotCnsCard) when the probe fails, transport errors as they come.
    static Identification identify(apdu::CardChannel& channel, ByteView atr);

    /// Wraps `channel` (61xx/6Cxx handled). The channel must outlive this object.
    CnsCard(apdu::CardChannel& channel, Profile profile);

    [[nodiscard]] const Profile& profile() const noexcept { return profile_; }

    /// Reads a transparent EF by absolute path: SELECT with FCI for its size, then READ BINARY in
    /// chunks of at most 255 bytes. Without a size in the FCI, reads until a short chunk or the
    /// end-of-file status. Throws Error(CardRejected) with SW 6A82 when the file is absent, and
    /// Error(Transport) when the card returns less than the FCI size ("truncated") or more than
    /// asked.
    Bytes readFile(const Path& path);
    /// EF_IDCarta (3F00/1000/1003).
    CardId readCardId();
    /// EF_DatiPersonali (3F00/1100/1102), raw and parsed.
    Bytes readPersonalDataRaw();
    PersonalData readPersonalData();
    /// The DER authentication certificate at the profile's path. On a card whose ATR suggested
    /// the wrong family, the other family's path is tried once.
    Bytes readCertificate();

    /// Asks the card for the PIN tries left with an empty VERIFY (ISO 7816-4 §11.5.6). Not every
    /// card answers it; it never consumes a try.
    PinStatus pinStatus();
    /// VERIFY with the user PIN, exactly once (never retried). Throws Error(PinIncorrect) with
    /// retries(), Error(PinLocked), Error(PinLength).
    void verifyPin(const SecureBytes& pin);
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

private:
    apdu::ResponseApdu send(const apdu::CommandApdu& command);
    void pinCommand(apdu::CommandApdu& command, const char* what);

    apdu::CardChannel& raw_; ///< for PIN commands
    apdu::GetResponseChannel channel_; ///< for everything else
    Profile profile_;
};

} // namespace tscns::cns
