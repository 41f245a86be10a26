// SPDX-License-Identifier: LGPL-2.1-or-later
// LinkServer: connect, serve, remove, reinsert, reconnect.
#include "link_server.hpp"

#include "link_policy_card.hpp"

#include "tscns/apdu/error.hpp"

#include <exception>
#include <utility>

namespace tscns::vcard {

namespace {

    using Clock = std::chrono::steady_clock;
    using std::chrono::milliseconds;

    /// One connection attempt may take this long before the next one starts.
    constexpr milliseconds kAttemptTimeout { 2000 };
    /// Pause between attempts, and before reconnecting after vpcd closed the connection.
    constexpr milliseconds kRetryPause { 100 };

} // namespace

LinkServer::LinkServer(
    CardBackend& card, RunOptions options, int stopFd, std::FILE* diag, ApduLog* log)
    : card_(card)
    , options_(std::move(options))
    , stopFd_(stopFd)
    , diag_(diag)
    , log_(log)
{
}

void LinkServer::info(const std::string& text)
{
    if (diag_ != nullptr) std::fprintf(diag_, "tscns-vcard: %s\n", text.c_str());
}

void LinkServer::note(const std::string& text)
{
    if (log_ != nullptr) log_->event(text);
}

int LinkServer::run() noexcept
{
    try {
        return serve();
    } catch (const std::exception& e) {
        try {
            info(e.what());
            note(std::string("error: ") + e.what());
        } catch (...) {
            // Out of memory while reporting: the exit status still says it.
        }
        return 1;
    }
}

int LinkServer::serve()
{
    PolicyCard card(card_,
        CardPolicy { options_.latency, options_.baud, options_.faults, options_.garbageAt,
            options_.muteAt, options_.muteGiveUp, options_.pullAt },
        log_, diag_, stopFd_);
    const std::string where = options_.vpcd.toString();
    for (bool first = true;; first = false) {
        std::optional<VpcdLink> link;
        switch (connectWithRetry(first, link)) {
        case ConnectResult::Stopped:
            return 0;
        case ConnectResult::Failed:
            return 1;
        case ConnectResult::Connected:
            break;
        }
        ++connections_;
        info("card " + options_.cardDir.string() + " inserted in vpcd " + where);
        note("inserted in vpcd " + where);

        switch (serveConnection(*link, card)) {
        case Outcome::Stopped:
            note("stopped: card removed from the reader");
            return 0;
        case Outcome::VpcdClosed:
            note("vpcd closed the connection");
            if (options_.reconnect && !options_.exitAfterRemoval) {
                info("vpcd closed the connection; reconnecting");
                if (!sleepUnlessStopped(kRetryPause, stopFd_)) return 0;
                continue;
            }
            info("vpcd closed the connection; card removed");
            return 0;
        case Outcome::Pulled: {
            const std::string after = std::to_string(answered_) + " APDUs";
            note("card pulled after " + after + (dropped_ ? " (no answer)" : " (--remove-after)"));
            if (options_.reinsertAfter && !options_.exitAfterRemoval) {
                info("card pulled after " + after + "; reinserting in "
                    + std::to_string(options_.reinsertAfter->count()) + " ms");
                if (!sleepUnlessStopped(*options_.reinsertAfter, stopFd_)) return 0;
                continue;
            }
            info("card pulled after " + after);
            return 0;
        }
        }
    }
}

LinkServer::ConnectResult LinkServer::connectWithRetry(bool first, std::optional<VpcdLink>& link)
{
    // The first connection may race pcscd starting its vpcd driver, so it is retried for the
    // connect timeout. Later ones (--reconnect, reinsertion) wait as long as it takes: pcscd may be
    // restarted at any time, and a stop request still ends the wait.
    const auto deadline = Clock::now() + options_.connectTimeout;
    bool announced = false;
    for (;;) {
        try {
            link = VpcdLink::connect(options_.vpcd, kAttemptTimeout, stopFd_);
            return link ? ConnectResult::Connected : ConnectResult::Stopped;
        } catch (const Error& e) {
            if (e.code() != Errc::NoService) throw;
            if (first && Clock::now() >= deadline) {
                info(e.message() + "; is pcscd running with the vpcd driver (vsmartcard-vpcd)?");
                return ConnectResult::Failed;
            }
            if (!first && !announced) {
                info("waiting for vpcd: " + e.message());
                announced = true;
            }
        }
        if (!sleepUnlessStopped(kRetryPause, stopFd_)) return ConnectResult::Stopped;
    }
}

LinkServer::Outcome LinkServer::serveConnection(VpcdLink& link, PolicyCard& card)
{
    for (;;) {
        switch (link.step(card, stopFd_)) {
        case LinkEvent::Stopped:
            // Closing the socket is what removes the card from the reader.
            link.close();
            card.powerOff();
            return Outcome::Stopped;
        case LinkEvent::Closed:
            return Outcome::VpcdClosed;
        case LinkEvent::Dropped:
            // --pull-at or --mute-at: the link already closed the connection.
            if (stopRequested(stopFd_)) return Outcome::Stopped;
            dropped_ = true;
            return Outcome::Pulled;
        case LinkEvent::ApduAnswered:
            ++answered_;
            if (options_.removeAfter && !pulled_ && answered_ >= *options_.removeAfter) {
                pulled_ = true;
                link.close();
                card.powerOff();
                return Outcome::Pulled;
            }
            break;
        case LinkEvent::PowerOff:
        case LinkEvent::PowerOn:
        case LinkEvent::Reset:
        case LinkEvent::AtrSent:
        case LinkEvent::Ignored:
            break;
        }
    }
}

} // namespace tscns::vcard
