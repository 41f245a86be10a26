// SPDX-License-Identifier: LGPL-2.1-or-later
// The PC/SC CardService of tscnsd: a background thread follows reader and card events
// (reader::Context::waitForEvents), so presence is answered from memory; each operation opens
// its own context, connection and transaction.
#pragma once

#include "core/card_service.hpp"

#include "tscns/reader/pcsc.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace tscns::daemon {

class PcscCardService final : public CardService {
public:
    /// `readerPreference`: exact reader name or a unique case-insensitive part of it; empty for
    /// the first reader holding a card.
    explicit PcscCardService(std::string readerPreference);
    ~PcscCardService() override;

    /// Starts the event thread.
    void start();
    /// Stops and joins it. Idempotent.
    void stop() noexcept;

    [[nodiscard]] Presence presence() const override;
    std::unique_ptr<CardSession> open() override;

private:
    void monitorLoop();
    void applyEvents(const std::vector<reader::Event>& events);
    [[nodiscard]] bool preferred(const std::string& reader) const;

    std::string preference_;
    mutable std::mutex mutex_;
    Presence presence_;
    std::map<std::string, bool> readers_; ///< name → card present
    reader::Context* monitorContext_ = nullptr; ///< for cancel(); guarded by mutex_
    std::atomic<bool> stop_ { false };
    std::thread thread_;
};

} // namespace tscns::daemon
