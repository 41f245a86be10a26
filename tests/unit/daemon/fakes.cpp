// SPDX-License-Identifier: LGPL-2.1-or-later
// FakeCardService and FakeUi.
#include "fakes.hpp"

#include "core/daemon_error.hpp"

#include <thread>

namespace tscns::test {

namespace {
    /// The transaction a session uses: through the service, so that APDUs are counted, a removed
    /// card fails as PC/SC does, and the reset after a PIN is seen.
    class ServiceTransaction final : public cns::LinkTransaction {
    public:
        explicit ServiceTransaction(FakeCardService& service)
            : service_(service)
        {
        }
        apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override
        {
            return service_.transmit(command);
        }
        void endWithReset() override { service_.resetCard(); }

    private:
        FakeCardService& service_;
    };

    class ServiceLink final : public cns::CardLink {
    public:
        explicit ServiceLink(FakeCardService& service)
            : service_(service)
        {
        }
        [[nodiscard]] const Bytes& atr() const override { return service_.card().atr(); }
        [[nodiscard]] unsigned resetCount() const override { return 0; }
        [[nodiscard]] std::unique_ptr<cns::LinkTransaction> beginTransaction() override
        {
            return std::make_unique<ServiceTransaction>(service_);
        }

    private:
        FakeCardService& service_;
    };

    class FakeSession final : public daemon::CardSession {
    public:
        explicit FakeSession(FakeCardService& service)
            : inner_(std::make_unique<ServiceLink>(service))
        {
        }
        [[nodiscard]] const std::string& cardId() const override { return inner_.cardId(); }
        const Bytes& certificate() override { return inner_.certificate(); }
        cns::PinStatus pinStatus() override { return inner_.pinStatus(); }
        void verifyPin(const SecureBytes& pin) override { inner_.verifyPin(pin); }
        Bytes rsaRaw(ByteView block) override { return inner_.rsaRaw(block); }
        void finish() override { inner_.finish(); }

    private:
        daemon::CnsCardSession inner_;
    };
} // namespace

FakeCardService::FakeCardService(const vcard::CardImage& image)
    : card_(vcard::VirtualCnsCard::fromImage(image))
{
    presence_.readers = 1;
    presence_.cardPresent = true;
    presence_.generation = 1;
}

FakeCardService::~FakeCardService() = default;

daemon::Presence FakeCardService::presence() const
{
    const std::lock_guard lock(mutex_);
    return presence_;
}

std::unique_ptr<daemon::CardSession> FakeCardService::open()
{
    ++opens_;
    {
        const std::lock_guard lock(mutex_);
        if (openError_) throw Error(openError_->first, openError_->second);
        if (!presence_.cardPresent) throw Error(Errc::CardAbsent, "no card in the reader");
    }
    return std::make_unique<FakeSession>(*this);
}

void FakeCardService::removeCard()
{
    removed_ = true;
    const std::lock_guard lock(mutex_);
    presence_.cardPresent = false;
    ++presence_.generation;
}

void FakeCardService::failOpens(Errc code, const std::string& message)
{
    const std::lock_guard lock(mutex_);
    openError_ = std::make_pair(code, message);
}

apdu::ResponseApdu FakeCardService::transmit(const apdu::CommandApdu& command)
{
    if (removed_) throw Error(Errc::CardRemoved, "the card was removed (fake)");
    ++apdus_;
    return card_->transmit(command);
}

void FakeCardService::resetCard()
{
    ++resets_;
    card_->reset();
}

void FakeUi::setMode(Mode mode)
{
    const std::lock_guard lock(mutex_);
    mode_ = mode;
}

void FakeUi::setPins(std::vector<std::string> pins)
{
    const std::lock_guard lock(mutex_);
    pins_ = std::move(pins);
    nextPin_ = 0;
}

void FakeUi::setConsent(bool consent)
{
    const std::lock_guard lock(mutex_);
    consent_ = consent;
}

void FakeUi::release()
{
    {
        const std::lock_guard lock(mutex_);
        released_ = true;
    }
    cv_.notify_all();
}

std::vector<daemon::DialogText> FakeUi::shown() const
{
    const std::lock_guard lock(mutex_);
    return shown_;
}

std::chrono::seconds FakeUi::lastTimeout() const
{
    const std::lock_guard lock(mutex_);
    return lastTimeout_;
}

void FakeUi::enter(
    const daemon::DialogText& text, std::chrono::seconds timeout, daemon::OperationControl& control)
{
    Mode mode;
    {
        const std::lock_guard lock(mutex_);
        shown_.push_back(text);
        lastTimeout_ = timeout;
        mode = mode_;
    }
    switch (mode) {
    case Mode::Answer:
        return;
    case Mode::Cancel:
        throw daemon::DaemonError(daemon::Problem::UserCancelled, "cancelled (fake)");
    case Mode::Timeout:
        throw daemon::DaemonError(daemon::Problem::UserTimeout, "timeout (fake)");
    case Mode::Block: {
        inDialog_ = true;
        // Like the pinentry: a cancel closes the dialog at once. The hook runs under the
        // control's lock, so the wait below must not take that lock (it reads a flag).
        std::atomic<bool> cancelled { false };
        const auto hook = control.onCancel([this, &cancelled] {
            cancelled = true;
            {
                const std::lock_guard lock(mutex_);
            }
            cv_.notify_all();
        });
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return released_ || cancelled.load(); });
        lock.unlock();
        inDialog_ = false;
        control.throwIfCancelled();
        return;
    }
    }
}

SecureBytes FakeUi::askPin(
    const daemon::DialogText& text, std::chrono::seconds timeout, daemon::OperationControl& control)
{
    ++pinDialogs_;
    enter(text, timeout, control);
    const std::lock_guard lock(mutex_);
    const std::string pin
        = pins_.empty() ? std::string() : pins_[std::min(nextPin_, pins_.size() - 1)];
    ++nextPin_;
    return SecureBytes(asBytes(pin));
}

void FakeUi::confirm(
    const daemon::DialogText& text, std::chrono::seconds timeout, daemon::OperationControl& control)
{
    ++confirmDialogs_;
    enter(text, timeout, control);
    const std::lock_guard lock(mutex_);
    if (!consent_) throw daemon::DaemonError(daemon::Problem::UserCancelled, "denied (fake)");
}

bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds limit)
{
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return condition();
}

} // namespace tscns::test
