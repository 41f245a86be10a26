// SPDX-License-Identifier: LGPL-2.1-or-later
// A card connection and its transactions.
#include "tscns/reader/pcsc.hpp"

#include "check.hpp"

#include "tscns/apdu/error.hpp"

#include <PCSC/pcsclite.h>
#include <PCSC/winscard.h>

#include <algorithm>
#include <utility>

namespace tscns::reader {

namespace {
    SCARDHANDLE hnd(std::intptr_t h)
    {
        return static_cast<SCARDHANDLE>(h);
    }
    // Extended APDUs: up to 65536 data bytes + SW.
    constexpr std::size_t kMaxResponse = 65536 + 2;
    // How long a failed transmit waits for pcscd to notice that the card was pulled: pcscd polls
    // most reader drivers a few times a second, later on a loaded machine.
    constexpr DWORD kRemovalWaitMs = 4000;
} // namespace

Card::Card(std::intptr_t context, std::intptr_t handle, std::uint32_t protocol, std::string reader,
    Bytes atr)
    : context_(context)
    , handle_(handle)
    , protocol_(protocol)
    , reader_(std::move(reader))
    , atr_(std::move(atr))
{
}

Card::~Card()
{
    SCardDisconnect(hnd(handle_), SCARD_LEAVE_CARD); // never throws
}

bool Card::cardWasRemoved() const noexcept
{
    // pcscd learns of a removal by polling the reader driver, so right after a failed transmit
    // the reader may still show the card. Ask the handle first (it reports a removal even when
    // another card is in the reader by now), then wait a bounded time for the reader state to
    // change; a transmit error with the card still there after that is a transport error.
    const auto handleGone = [this] {
        DWORD state = 0;
        DWORD proto = 0;
        DWORD atrLen = 0;
        const LONG rv
            = SCardStatus(hnd(handle_), nullptr, nullptr, &state, &proto, nullptr, &atrLen);
        return rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD
            || (rv == SCARD_S_SUCCESS && (state & SCARD_PRESENT) == 0);
    };
    if (handleGone()) return true;
    SCARD_READERSTATE st {};
    st.szReader = reader_.c_str();
    st.dwCurrentState = SCARD_STATE_UNAWARE;
    const auto ctx = static_cast<SCARDCONTEXT>(context_);
    if (SCardGetStatusChange(ctx, 0, &st, 1) != SCARD_S_SUCCESS) return handleGone();
    if ((st.dwEventState & SCARD_STATE_PRESENT) == 0) return true;
    const DWORD before = st.dwEventState;
    st.dwCurrentState = before & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    const LONG rv = SCardGetStatusChange(ctx, kRemovalWaitMs, &st, 1);
    if (rv == SCARD_S_SUCCESS)
        return (st.dwEventState & SCARD_STATE_PRESENT) == 0
            || (st.dwEventState >> 16) != (before >> 16);
    return handleGone();
}

void Card::reconnect()
{
    DWORD proto = 0;
    detail::check(SCardReconnect(hnd(handle_), SCARD_SHARE_SHARED,
                      SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, SCARD_LEAVE_CARD, &proto),
        "reconnecting to the card in \"" + reader_ + "\"");
    protocol_ = static_cast<std::uint32_t>(proto);
    ++resets_;
}

Transaction Card::beginTransaction()
{
    LONG rv = SCardBeginTransaction(hnd(handle_));
    if (rv == SCARD_W_RESET_CARD) {
        // Another application reset the card: whatever we knew of its state is gone.
        reconnect();
        rv = SCardBeginTransaction(hnd(handle_));
    }
    detail::check(rv, "starting a transaction with the card in \"" + reader_ + "\"");
    return Transaction(*this);
}

Bytes Card::control(std::uint32_t code, ByteView input)
{
    Bytes buf(MAX_BUFFER_SIZE_EXTENDED);
    DWORD len = 0;
    const LONG rv = SCardControl(hnd(handle_), static_cast<DWORD>(code), input.data(),
        static_cast<DWORD>(input.size()), buf.data(), static_cast<DWORD>(buf.size()), &len);
    detail::check(rv, "a control request to the reader \"" + reader_ + "\"");
    buf.resize(std::min<std::size_t>(len, buf.size())); // never more than the buffer
    return buf;
}

const ReaderFeatures& Card::features()
{
    if (!features_) features_ = queryFeatures(*this);
    return *features_;
}

Transaction::Transaction(Transaction&& other) noexcept
    : card_(other.card_)
    , count_(other.count_)
    , reset_(other.reset_)
{
    other.card_ = nullptr;
}

Transaction::~Transaction()
{
    if (card_ == nullptr) return;
    if (reset_) {
        // Drops the card's security state (verified PIN) before anyone else can use the card.
        // When the reset fails (mostly: the card is gone, and its state with it) the transaction
        // is still ended below; nothing here may throw.
        if (SCardEndTransaction(hnd(card_->handle_), SCARD_RESET_CARD) == SCARD_S_SUCCESS) return;
    }
    SCardEndTransaction(hnd(card_->handle_), SCARD_LEAVE_CARD);
}

void Transaction::endWithReset()
{
    if (card_ == nullptr) throw Error(Errc::Internal, "reset on a finished transaction");
    Card* card = std::exchange(card_, nullptr);
    const LONG rv = SCardEndTransaction(hnd(card->handle_), SCARD_RESET_CARD);
    if (rv == SCARD_S_SUCCESS || rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD) return;
    detail::check(rv, "resetting the card in \"" + card->reader_ + "\"");
}

apdu::ResponseApdu Transaction::transmit(const apdu::CommandApdu& command)
{
    if (card_ == nullptr) throw Error(Errc::Internal, "transmit on a moved-from transaction");
    const Bytes raw = command.encode();
    Bytes buf(kMaxResponse);
    DWORD len = static_cast<DWORD>(buf.size());
    const SCARD_IO_REQUEST* pci
        = card_->protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    const LONG rv = SCardTransmit(hnd(card_->handle_), pci, raw.data(),
        static_cast<DWORD>(raw.size()), nullptr, buf.data(), &len);
    // The command may carry a PIN: leave no copy of it behind.
    secureWipe(const_cast<std::uint8_t*>(raw.data()), raw.size());
    if (rv != SCARD_S_SUCCESS && rv != SCARD_W_REMOVED_CARD && rv != SCARD_W_RESET_CARD
        && card_->cardWasRemoved())
        throw Error(Errc::CardRemoved,
            "the card was removed from \"" + card_->reader_ + "\" during the operation");
    detail::check(rv, "sending an APDU to the card in \"" + card_->reader_ + "\"");
    ++count_;
    buf.resize(len);
    // vpcd (and some drivers) report success with an empty answer when the card leaves during
    // the exchange: that is a removal, not a malformed answer.
    if (len < 2 && card_->cardWasRemoved())
        throw Error(Errc::CardRemoved,
            "the card was removed from \"" + card_->reader_ + "\" during the operation");
    return apdu::ResponseApdu::decode(buf);
}

} // namespace tscns::reader
