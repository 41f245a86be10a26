// SPDX-License-Identifier: LGPL-2.1-or-later
// VirtualCnsCard: an in-process TS-CNS card (file system, PIN/PUK, RSA key) that answers APDUs
// as cns-card.md says the real card does. Its dispatch is written from the card documentation,
// independently of the production CNS command set; it shares only the codec.
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/card_channel.hpp"
#include "tscns/vcard/card_image.hpp"
#include "tscns/vcard/profiles.hpp"

#include <filesystem>
#include <memory>

namespace tscns::vcard {

class VirtualCnsCard : public apdu::CardChannel {
public:
    /// Loads a card image written by `tscns-vcard new DIR`. PIN/PUK state changes are written back
    /// to DIR/state.json at once (a real card keeps its counters across power cycles).
    /// Throws tscns::Error(BadArgument) with a clear message for a missing or corrupt image.
    static std::unique_ptr<VirtualCnsCard> load(const std::filesystem::path& dir);
    /// A card from an image in memory (e.g. fresh from personalize()); its PIN/PUK state lives
    /// in memory only. Throws tscns::Error(BadArgument) like load().
    static std::unique_ptr<VirtualCnsCard> fromImage(CardImage image);

    ~VirtualCnsCard() override;
    VirtualCnsCard(const VirtualCnsCard&) = delete;
    VirtualCnsCard& operator=(const VirtualCnsCard&) = delete;

    /// The ATR of the card's profile (TCK included).
    [[nodiscard]] const Bytes& atr() const;
    /// Power on / power off / warm reset. Each clears the security state (verified PIN, current
    /// DF, MSE state, pending chain). A loaded card starts powered (inserted in a powered
    /// reader); process() on a card that is off powers it on first, as a reader would.
    void powerOn();
    void powerOff();
    void reset();
    [[nodiscard]] bool powered() const;

    /// One raw command APDU in, one raw response (data ‖ SW1 SW2) out. Never throws: malformed
    /// APDUs get the status word a card would answer (6700, 6D00, ...), an internal failure
    /// (e.g. state.json cannot be written) gets 6F00. Not thread-safe: one caller at a time.
    Bytes process(ByteView command);
    /// CardChannel: encode, process, decode.
    apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override;

    // Inspection for tests.
    [[nodiscard]] int pinTriesLeft() const;
    [[nodiscard]] int pukTriesLeft() const;
    [[nodiscard]] bool pinVerified() const;
    [[nodiscard]] const Profile& profile() const;
    /// The image the card runs on; image().state holds the live PIN/PUK state.
    [[nodiscard]] const CardImage& image() const;

    struct Impl;

private:
    explicit VirtualCnsCard(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace tscns::vcard
