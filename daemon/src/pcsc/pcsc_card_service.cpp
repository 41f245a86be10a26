// SPDX-License-Identifier: LGPL-2.1-or-later
// PcscCardService.
#include "pcsc/pcsc_card_service.hpp"

#include "core/log.hpp"

#include "tscns/reader/cns_access.hpp"

#include "tscns/apdu/error.hpp"

#include <algorithm>
#include <optional>

namespace tscns::daemon {

namespace {
    std::string lower(std::string s)
    {
        std::transform(s.begin(), s.end(), s.begin(),
            [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
        return s;
    }

    /// One card, one transaction (CnsCardSession), on a context that outlives it.
    class PcscSession final : public CardSession {
    public:
        PcscSession(std::unique_ptr<reader::Context> context, const std::string& reader)
            : context_(std::move(context))
            , session_(reader::makeCardLink(context_->connect(reader)))
        {
        }
        [[nodiscard]] const std::string& cardId() const override { return session_.cardId(); }
        const Bytes& certificate() override { return session_.certificate(); }
        cns::PinStatus pinStatus() override { return session_.pinStatus(); }
        void verifyPin(const SecureBytes& pin) override { session_.verifyPin(pin); }
        Bytes rsaRaw(ByteView block) override { return session_.rsaRaw(block); }
        void finish() override { session_.finish(); }

    private:
        std::unique_ptr<reader::Context> context_;
        CnsCardSession session_;
    };
} // namespace

PcscCardService::PcscCardService(std::string readerPreference)
    : preference_(std::move(readerPreference))
{
}

PcscCardService::~PcscCardService()
{
    stop();
}

void PcscCardService::start()
{
    thread_ = std::thread([this] { monitorLoop(); });
}

void PcscCardService::stop() noexcept
{
    stop_ = true;
    {
        const std::lock_guard lock(mutex_);
        if (monitorContext_ != nullptr) monitorContext_->cancel();
    }
    if (thread_.joinable()) thread_.join();
}

Presence PcscCardService::presence() const
{
    const std::lock_guard lock(mutex_);
    return presence_;
}

bool PcscCardService::preferred(const std::string& reader) const
{
    return preference_.empty() || reader == preference_
        || lower(reader).find(lower(preference_)) != std::string::npos;
}

void PcscCardService::applyEvents(const std::vector<reader::Event>& events)
{
    const std::lock_guard lock(mutex_);
    for (const auto& e : events) {
        switch (e.kind) {
        case reader::EventKind::ReaderAdded:
            readers_.emplace(e.reader, false);
            break;
        case reader::EventKind::ReaderRemoved:
            readers_.erase(e.reader);
            break;
        case reader::EventKind::CardInserted:
            readers_[e.reader] = true;
            break;
        case reader::EventKind::CardRemoved:
            readers_[e.reader] = false;
            break;
        }
        logDebug(std::string("pcsc: ") + reader::eventKindName(e.kind) + " " + e.reader);
    }
    presence_.serviceAvailable = true;
    presence_.readers = readers_.size();
    presence_.cardPresent = std::any_of(readers_.begin(), readers_.end(),
        [this](const auto& r) { return r.second && preferred(r.first); });
    ++presence_.generation; // any change may be another card
}

void PcscCardService::monitorLoop()
{
    bool reportedDown = false;
    while (!stop_) {
        try {
            reader::Context ctx;
            {
                const std::lock_guard lock(mutex_);
                monitorContext_ = &ctx;
                readers_.clear();
            }
            if (reportedDown) logInfo("pcsc: the PC/SC service is back");
            reportedDown = false;
            try {
                while (!stop_) {
                    const auto events = ctx.waitForEvents(std::chrono::milliseconds(1000));
                    if (!events.empty()) applyEvents(events);
                }
            } catch (...) {
                const std::lock_guard lock(mutex_);
                monitorContext_ = nullptr;
                throw;
            }
            const std::lock_guard lock(mutex_);
            monitorContext_ = nullptr;
        } catch (...) {
            std::string what = "unknown failure";
            try {
                throw;
            } catch (const std::exception& e) {
                what = e.what();
            } catch (...) {
            }
            {
                const std::lock_guard lock(mutex_);
                presence_.serviceAvailable = false;
                presence_.readers = 0;
                presence_.cardPresent = false;
                ++presence_.generation;
                readers_.clear();
            }
            if (!reportedDown) logWarning("pcsc: " + what + "; retrying");
            reportedDown = true;
            for (int i = 0; i < 20 && !stop_; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
}

std::unique_ptr<CardSession> PcscCardService::open()
{
    auto context = std::make_unique<reader::Context>();
    // The same reader choice as the tool's --reader: exact name, number or unique part.
    const std::string chosen = reader::pickReader(
        *context, preference_.empty() ? std::nullopt : std::optional<std::string>(preference_));
    return std::make_unique<PcscSession>(std::move(context), chosen);
}

} // namespace tscns::daemon
