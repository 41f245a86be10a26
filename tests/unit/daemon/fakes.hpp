// SPDX-License-Identifier: LGPL-2.1-or-later
// Doubles for the daemon core: a CardService over an in-process VirtualCnsCard (the real
// CnsCardSession logic runs against it) and a scripted UserInterface.
#pragma once

#include "core/card_service.hpp"
#include "core/user_interface.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/vcard/card_image.hpp"
#include "tscns/vcard/virtual_card.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tscns::test {

/// A CardService with one virtual card. Sessions run CnsCardSession over the card (through a
/// channel that counts APDUs and fails like a pulled card after removeCard()); a session that
/// sent a PIN ends with card.reset(), as the PC/SC one ends its transaction with a reset.
class FakeCardService final : public daemon::CardService {
public:
    explicit FakeCardService(const vcard::CardImage& image);
    ~FakeCardService() override;

    [[nodiscard]] daemon::Presence presence() const override;
    std::unique_ptr<daemon::CardSession> open() override;

    /// The card leaves the reader: presence changes, APDUs fail with CardRemoved.
    void removeCard();
    /// The card leaves without the event watch noticing yet: APDUs fail with CardRemoved.
    void pullCardWithoutEvent() { removed_ = true; }
    /// open() throws this (e.g. Error(NoReader)) from now on.
    void failOpens(Errc code, const std::string& message);

    [[nodiscard]] vcard::VirtualCnsCard& card() { return *card_; }
    [[nodiscard]] int opens() const { return opens_; }
    [[nodiscard]] int apdus() const { return apdus_; }
    [[nodiscard]] int resets() const { return resets_; }

    /// Used by the session channel.
    apdu::ResponseApdu transmit(const apdu::CommandApdu& command);
    void resetCard();

private:
    std::unique_ptr<vcard::VirtualCnsCard> card_;
    mutable std::mutex mutex_;
    daemon::Presence presence_;
    std::optional<std::pair<Errc, std::string>> openError_;
    std::atomic<bool> removed_ { false };
    std::atomic<int> opens_ { 0 };
    std::atomic<int> apdus_ { 0 };
    std::atomic<int> resets_ { 0 };
};

/// A UserInterface that answers as told and records what it was shown.
class FakeUi final : public daemon::UserInterface {
public:
    enum class Mode {
        Answer, ///< askPin: the next PIN of `pins` (the last repeats); confirm: `consent`
        Cancel, ///< DaemonError(UserCancelled)
        Timeout, ///< DaemonError(UserTimeout)
        Block, ///< waits until the operation is cancelled (or release()), then as Answer
    };

    void setMode(Mode mode);
    void setPins(std::vector<std::string> pins);
    void setConsent(bool consent);
    /// Lets a blocked dialog answer.
    void release();

    SecureBytes askPin(const daemon::DialogText& text, std::chrono::seconds timeout,
        daemon::OperationControl& control) override;
    void confirm(const daemon::DialogText& text, std::chrono::seconds timeout,
        daemon::OperationControl& control) override;

    [[nodiscard]] int pinDialogs() const { return pinDialogs_; }
    [[nodiscard]] int confirmDialogs() const { return confirmDialogs_; }
    [[nodiscard]] bool inDialog() const { return inDialog_; }
    [[nodiscard]] std::vector<daemon::DialogText> shown() const;
    [[nodiscard]] std::chrono::seconds lastTimeout() const;

private:
    void enter(const daemon::DialogText& text, std::chrono::seconds timeout,
        daemon::OperationControl& control);

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    Mode mode_ = Mode::Answer;
    std::vector<std::string> pins_;
    std::size_t nextPin_ = 0;
    bool consent_ = true;
    bool released_ = false;
    std::vector<daemon::DialogText> shown_;
    std::chrono::seconds lastTimeout_ { 0 };
    std::atomic<int> pinDialogs_ { 0 };
    std::atomic<int> confirmDialogs_ { 0 };
    std::atomic<bool> inDialog_ { false };
};

/// Polls `condition` every 5 ms for up to `limit`; true when it became true.
bool waitUntil(const std::function<bool()>& condition,
    std::chrono::milliseconds limit = std::chrono::milliseconds(5000));

} // namespace tscns::test
