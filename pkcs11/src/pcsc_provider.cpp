// SPDX-License-Identifier: LGPL-2.1-or-later
// The PC/SC ReaderProvider of tscns-pkcs11: connections and transactions through tscns::reader,
// reader states and waits with SCardGetStatusChange on contexts of their own (a blocking wait
// must not hold the context the other calls use: PCSC-lite serialises calls per context).
#include "provider_factory.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/reader/pcsc.hpp"

#include <PCSC/pcsclite.h>
#include <PCSC/winscard.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

namespace tscns::pkcs11 {

namespace {

    class PcscConnection final : public CardConnection {
    public:
        explicit PcscConnection(std::unique_ptr<reader::Card> card)
            : card_(std::move(card))
        {
        }
        [[nodiscard]] const Bytes& atr() const override { return card_->atr(); }
        [[nodiscard]] unsigned resetCount() const override { return card_->resetCount(); }
        [[nodiscard]] std::unique_ptr<apdu::CardChannel> beginTransaction() override
        {
            return std::make_unique<reader::Transaction>(card_->beginTransaction());
        }
        void resetCard() noexcept override
        {
            try {
                auto tx = card_->beginTransaction();
                tx.resetCardOnEnd(); // SCardEndTransaction(SCARD_RESET_CARD)
            } catch (...) {
                // The card has gone (and its security state with it).
            }
        }

    private:
        std::unique_ptr<reader::Card> card_;
    };

    /// The high word of a PC/SC reader state counts insertions and removals (PCSC-lite).
    std::uint32_t insertionOf(DWORD eventState)
    {
        return static_cast<std::uint32_t>((eventState >> 16) & 0xFFFF);
    }

    class PcscReaderProvider final : public ReaderProvider {
    public:
        PcscReaderProvider()
        {
            try {
                context_ = std::make_unique<reader::Context>();
            } catch (const Error&) {
                return; // no PC/SC service: no readers
            }
            if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &statusContext_)
                != SCARD_S_SUCCESS)
                statusContext_ = 0;
        }

        ~PcscReaderProvider() override
        {
            if (statusContext_ != 0) SCardReleaseContext(statusContext_);
            const SCARDCONTEXT w = waitContext_.load();
            if (w != 0) SCardReleaseContext(w);
        }
        PcscReaderProvider(const PcscReaderProvider&) = delete;
        PcscReaderProvider& operator=(const PcscReaderProvider&) = delete;

        std::vector<std::string> readerNames() override
        {
            if (!context_) return {};
            return context_->listReaders();
        }

        std::vector<ReaderStatus> status(const std::vector<std::string>& readers) override
        {
            std::vector<ReaderStatus> out(readers.size());
            if (statusContext_ == 0 || readers.empty()) return out;
            std::vector<SCARD_READERSTATE> states(readers.size());
            for (std::size_t i = 0; i < readers.size(); ++i) {
                states[i].szReader = readers[i].c_str();
                states[i].dwCurrentState = SCARD_STATE_UNAWARE;
            }
            // Timeout 0: the current state, no card I/O.
            const LONG rv = SCardGetStatusChange(
                statusContext_, 0, states.data(), static_cast<DWORD>(states.size()));
            if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) return out; // all read as empty
            for (std::size_t i = 0; i < readers.size(); ++i) {
                const SCARD_READERSTATE& s = states[i];
                if ((s.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) != 0) continue;
                out[i].present = (s.dwEventState & SCARD_STATE_PRESENT) != 0;
                out[i].insertion = insertionOf(s.dwEventState);
                if (out[i].present && s.cbAtr <= sizeof s.rgbAtr)
                    out[i].atr.assign(s.rgbAtr, s.rgbAtr + s.cbAtr);
            }
            return out;
        }

        std::unique_ptr<CardConnection> connect(const std::string& reader) override
        {
            if (!context_) throw Error(Errc::NoService, "the PC/SC service is not running");
            return std::make_unique<PcscConnection>(context_->connect(reader));
        }

        void waitForChange(const std::vector<std::string>& readers,
            std::chrono::milliseconds timeout) noexcept override
        {
            const std::lock_guard<std::mutex> guard(waitMutex_); // one waiter at a time
            SCARDCONTEXT ctx = waitContext_.load();
            if (ctx == 0) {
                if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx)
                    != SCARD_S_SUCCESS) {
                    std::this_thread::sleep_for(timeout);
                    return;
                }
                waitContext_.store(ctx);
            }
            if (readers.empty()) {
                // Nothing can change in a module without slots: wait for the cancel or timeout.
                SCARD_READERSTATE pnp {};
                pnp.szReader = "\\\\?PnP?\\Notification";
                pnp.dwCurrentState = SCARD_STATE_UNAWARE;
                (void)SCardGetStatusChange(ctx, static_cast<DWORD>(timeout.count()), &pnp, 1);
                return;
            }
            std::vector<SCARD_READERSTATE> states(readers.size());
            for (std::size_t i = 0; i < readers.size(); ++i) {
                states[i].szReader = readers[i].c_str();
                auto k = known_.find(readers[i]);
                states[i].dwCurrentState = k == known_.end() ? SCARD_STATE_UNAWARE : k->second;
            }
            const LONG rv = SCardGetStatusChange(ctx, static_cast<DWORD>(timeout.count()),
                states.data(), static_cast<DWORD>(states.size()));
            if (rv == SCARD_S_SUCCESS) {
                for (std::size_t i = 0; i < readers.size(); ++i)
                    known_[readers[i]]
                        = states[i].dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
            } else if (rv != SCARD_E_TIMEOUT && rv != SCARD_E_CANCELLED) {
                // The service went away or a reader vanished: do not spin.
                known_.clear();
                std::this_thread::sleep_for(timeout);
            }
        }

        void cancelWait() noexcept override
        {
            const SCARDCONTEXT ctx = waitContext_.load();
            if (ctx != 0) SCardCancel(ctx);
        }

    private:
        std::unique_ptr<reader::Context> context_; ///< listing and connections
        SCARDCONTEXT statusContext_ = 0; ///< reader states (under the module lock)
        std::mutex waitMutex_;
        std::atomic<SCARDCONTEXT> waitContext_ { 0 }; ///< blocking waits only
        std::map<std::string, DWORD> known_; ///< last states seen by the waiter
    };

} // namespace

std::unique_ptr<ReaderProvider> makeReaderProvider()
{
    return std::make_unique<PcscReaderProvider>();
}

} // namespace tscns::pkcs11
