// SPDX-License-Identifier: LGPL-2.1-or-later
// PC/SC context: reader listing, connection, events.
#include "tscns/reader/pcsc.hpp"

#include "check.hpp"

#include "tscns/apdu/error.hpp"

#include <PCSC/pcsclite.h>
#include <PCSC/winscard.h>

#include <cstring>
#include <set>

namespace tscns::reader {

namespace {
    SCARDCONTEXT ctx(std::intptr_t h)
    {
        return static_cast<SCARDCONTEXT>(h);
    }

    // The pseudo-reader that reports readers appearing and disappearing (PCSC-lite, Windows).
    constexpr const char* kPnpReader = "\\\\?PnP?\\Notification";

    std::vector<std::string> splitMultiString(const char* buf, DWORD len)
    {
        std::vector<std::string> out;
        const char* p = buf;
        const char* end = buf + len;
        while (p < end && *p != '\0') {
            const std::size_t n = strnlen(p, static_cast<std::size_t>(end - p));
            out.emplace_back(p, n);
            p += n + 1;
        }
        return out;
    }

    ReaderInfo infoFrom(const SCARD_READERSTATE& s)
    {
        ReaderInfo info;
        info.name = s.szReader;
        const DWORD st = s.dwEventState;
        info.cardPresent = (st & SCARD_STATE_PRESENT) != 0;
        info.inUse = (st & SCARD_STATE_INUSE) != 0;
        info.exclusive = (st & SCARD_STATE_EXCLUSIVE) != 0;
        info.mute = (st & SCARD_STATE_MUTE) != 0;
        if (info.cardPresent && s.cbAtr <= sizeof s.rgbAtr)
            info.atr.assign(s.rgbAtr, s.rgbAtr + s.cbAtr);
        return info;
    }
} // namespace

const char* eventKindName(EventKind kind) noexcept
{
    switch (kind) {
    case EventKind::ReaderAdded:
        return "reader-added";
    case EventKind::ReaderRemoved:
        return "reader-removed";
    case EventKind::CardInserted:
        return "card-inserted";
    case EventKind::CardRemoved:
        return "card-removed";
    }
    return "unknown";
}

Context::Context()
    : context_(0)
{
    SCARDCONTEXT c = 0;
    detail::check(SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &c),
        "connecting to the PC/SC service");
    context_ = static_cast<std::intptr_t>(c);
}

Context::~Context()
{
    SCardReleaseContext(ctx(context_)); // never throws: nothing to do on failure
}

std::vector<std::string> Context::listReaders() const
{
    for (int attempt = 0; attempt < 3; ++attempt) {
        DWORD len = 0;
        LONG rv = SCardListReaders(ctx(context_), nullptr, nullptr, &len);
        if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};
        detail::check(rv, "listing readers");
        std::vector<char> buf(len);
        rv = SCardListReaders(ctx(context_), nullptr, buf.data(), &len);
        if (rv == SCARD_E_INSUFFICIENT_BUFFER) continue; // a reader appeared in between
        if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};
        detail::check(rv, "listing readers");
        return splitMultiString(buf.data(), len);
    }
    throw Error(Errc::Transport, "listing readers: the reader list keeps changing");
}

std::vector<ReaderInfo> Context::readers() const
{
    const auto names = listReaders();
    if (names.empty()) return {};
    std::vector<SCARD_READERSTATE> states(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        states[i].szReader = names[i].c_str();
        states[i].dwCurrentState = SCARD_STATE_UNAWARE;
    }
    const LONG rv
        = SCardGetStatusChange(ctx(context_), 0, states.data(), static_cast<DWORD>(states.size()));
    if (rv != SCARD_E_TIMEOUT) detail::check(rv, "reading reader states");
    std::vector<ReaderInfo> out;
    out.reserve(names.size());
    for (const auto& s : states)
        out.push_back(infoFrom(s));
    return out;
}

std::unique_ptr<Card> Context::connect(const std::string& reader) const
{
    SCARDHANDLE h = 0;
    DWORD proto = 0;
    const LONG rv = SCardConnect(ctx(context_), reader.c_str(), SCARD_SHARE_SHARED,
        SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, &h, &proto);
    if (rv == SCARD_E_UNKNOWN_READER)
        throw Error(Errc::NoReader, "no reader named \"" + reader + "\"");
    detail::check(rv, "connecting to the card in \"" + reader + "\"");

    // The ATR as the reader reports it.
    char name[512];
    DWORD nameLen = sizeof name;
    DWORD state = 0;
    DWORD statusProto = 0;
    BYTE atr[MAX_ATR_SIZE];
    DWORD atrLen = sizeof atr;
    const LONG srv = SCardStatus(h, name, &nameLen, &state, &statusProto, atr, &atrLen);
    if (srv != SCARD_S_SUCCESS) {
        SCardDisconnect(h, SCARD_LEAVE_CARD);
        detail::check(srv, "reading the card status in \"" + reader + "\"");
    }
    return std::unique_ptr<Card>(new Card(context_, static_cast<std::intptr_t>(h),
        static_cast<std::uint32_t>(proto), reader, Bytes(atr, atr + atrLen)));
}

std::vector<Event> Context::waitForEvents(std::chrono::milliseconds timeout)
{
    std::vector<Event> events;
    // Current readers (and readers gone since the last call).
    const auto names = listReaders();
    const std::set<std::string> present(names.begin(), names.end());
    for (auto it = known_.begin(); it != known_.end();) {
        if (present.count(it->first) == 0) {
            if ((it->second & SCARD_STATE_PRESENT) != 0)
                events.push_back({ EventKind::CardRemoved, it->first, {} });
            events.push_back({ EventKind::ReaderRemoved, it->first, {} });
            it = known_.erase(it);
        } else {
            ++it;
        }
    }

    std::vector<SCARD_READERSTATE> states(names.size() + 1);
    for (std::size_t i = 0; i < names.size(); ++i) {
        states[i].szReader = names[i].c_str();
        auto k = known_.find(names[i]);
        states[i].dwCurrentState = k == known_.end() ? SCARD_STATE_UNAWARE : k->second;
    }
    SCARD_READERSTATE& pnp = states.back();
    pnp.szReader = kPnpReader;
    // PCSC-lite keeps the reader count in the high word of the PnP state.
    pnp.dwCurrentState = static_cast<DWORD>(names.size()) << 16;

    const bool firstCall = !primed_;
    primed_ = true;
    // New readers: report them, and query their state without waiting.
    bool anyNew = false;
    for (const auto& n : names) {
        if (known_.count(n) == 0) {
            events.push_back({ EventKind::ReaderAdded, n, {} });
            anyNew = true;
        }
    }
    const DWORD wait = (anyNew || !events.empty() || firstCall)
        ? 0
        : (timeout.count() < 0 ? INFINITE : static_cast<DWORD>(timeout.count()));

    LONG rv = SCardGetStatusChange(
        ctx(context_), wait, states.data(), static_cast<DWORD>(states.size()));
    if (rv == SCARD_E_TIMEOUT || rv == SCARD_E_CANCELLED) {
        if (!anyNew && events.empty()) return events;
    } else if (rv == SCARD_E_NO_READERS_AVAILABLE || rv == SCARD_E_UNKNOWN_READER) {
        // A reader vanished while we waited: the next call reports it.
        return events;
    } else {
        detail::check(rv, "waiting for card events");
    }

    for (std::size_t i = 0; i < names.size(); ++i) {
        const SCARD_READERSTATE& s = states[i];
        const DWORD now = s.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
        auto k = known_.find(names[i]);
        const bool wasPresent = k != known_.end() && (k->second & SCARD_STATE_PRESENT) != 0;
        const bool isPresent = (now & SCARD_STATE_PRESENT) != 0;
        // The high word counts insertions/removals: a quick remove+insert shows only there.
        const bool counterMoved = k != known_.end() && ((k->second >> 16) != (now >> 16));
        if (wasPresent && (!isPresent || counterMoved))
            events.push_back({ EventKind::CardRemoved, names[i], {} });
        if (isPresent && (!wasPresent || counterMoved)) {
            const ReaderInfo info = infoFrom(s);
            events.push_back({ EventKind::CardInserted, names[i], info.atr });
        }
        known_[names[i]] = static_cast<std::uint32_t>(now);
    }
    return events;
}

void Context::cancel() noexcept
{
    SCardCancel(ctx(context_));
}

} // namespace tscns::reader
