// SPDX-License-Identifier: LGPL-2.1-or-later
// ReaderWatch over SCardGetStatusChange.
#include "tscns/reader/reader_watch.hpp"

#include <PCSC/pcsclite.h>
#include <PCSC/winscard.h>

#include <thread>

namespace tscns::reader {

namespace {
    /// The high word of a PC/SC reader state counts insertions and removals (PCSC-lite).
    std::uint32_t insertionOf(DWORD eventState)
    {
        return static_cast<std::uint32_t>((eventState >> 16) & 0xFFFF);
    }
} // namespace

ReaderWatch::ReaderWatch() noexcept
{
    SCARDCONTEXT c = 0;
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &c) == SCARD_S_SUCCESS)
        statusContext_ = static_cast<std::intptr_t>(c);
}

ReaderWatch::~ReaderWatch()
{
    if (statusContext_ != 0) SCardReleaseContext(static_cast<SCARDCONTEXT>(statusContext_));
    const std::intptr_t w = waitContext_.load();
    if (w != 0) SCardReleaseContext(static_cast<SCARDCONTEXT>(w));
}

std::vector<ReaderState> ReaderWatch::states(const std::vector<std::string>& readers)
{
    std::vector<ReaderState> out(readers.size());
    if (statusContext_ == 0 || readers.empty()) return out;
    std::vector<SCARD_READERSTATE> st(readers.size());
    for (std::size_t i = 0; i < readers.size(); ++i) {
        st[i].szReader = readers[i].c_str();
        st[i].dwCurrentState = SCARD_STATE_UNAWARE;
    }
    const LONG rv = SCardGetStatusChange(
        static_cast<SCARDCONTEXT>(statusContext_), 0, st.data(), static_cast<DWORD>(st.size()));
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) return out; // all read as empty
    for (std::size_t i = 0; i < readers.size(); ++i) {
        const SCARD_READERSTATE& s = st[i];
        if ((s.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) != 0) continue;
        out[i].present = (s.dwEventState & SCARD_STATE_PRESENT) != 0;
        out[i].insertion = insertionOf(s.dwEventState);
        if (out[i].present && s.cbAtr <= sizeof s.rgbAtr)
            out[i].atr.assign(s.rgbAtr, s.rgbAtr + s.cbAtr);
    }
    return out;
}

void ReaderWatch::waitForChange(
    const std::vector<std::string>& readers, std::chrono::milliseconds timeout) noexcept
{
    const std::lock_guard<std::mutex> guard(waitMutex_); // one waiter at a time
    auto ctx = static_cast<SCARDCONTEXT>(waitContext_.load());
    if (ctx == 0) {
        if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) {
            std::this_thread::sleep_for(timeout);
            return;
        }
        waitContext_.store(static_cast<std::intptr_t>(ctx));
    }
    if (readers.empty()) {
        // Nothing can change without readers: wait for the cancel or the timeout.
        SCARD_READERSTATE pnp {};
        pnp.szReader = "\\\\?PnP?\\Notification";
        pnp.dwCurrentState = SCARD_STATE_UNAWARE;
        (void)SCardGetStatusChange(ctx, static_cast<DWORD>(timeout.count()), &pnp, 1);
        return;
    }
    std::vector<SCARD_READERSTATE> st(readers.size());
    for (std::size_t i = 0; i < readers.size(); ++i) {
        st[i].szReader = readers[i].c_str();
        auto k = known_.find(readers[i]);
        st[i].dwCurrentState = k == known_.end() ? SCARD_STATE_UNAWARE : k->second;
    }
    const LONG rv = SCardGetStatusChange(
        ctx, static_cast<DWORD>(timeout.count()), st.data(), static_cast<DWORD>(st.size()));
    if (rv == SCARD_S_SUCCESS) {
        for (std::size_t i = 0; i < readers.size(); ++i)
            known_[readers[i]] = static_cast<std::uint32_t>(
                st[i].dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED));
    } else if (rv != SCARD_E_TIMEOUT && rv != SCARD_E_CANCELLED) {
        // The service went away or a reader vanished: do not spin.
        known_.clear();
        std::this_thread::sleep_for(timeout);
    }
}

void ReaderWatch::cancel() noexcept
{
    const std::intptr_t ctx = waitContext_.load();
    if (ctx != 0) SCardCancel(static_cast<SCARDCONTEXT>(ctx));
}

} // namespace tscns::reader
