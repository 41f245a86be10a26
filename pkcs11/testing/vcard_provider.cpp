// SPDX-License-Identifier: LGPL-2.1-or-later
// In-process readers with virtual cards.
#include "vcard_provider.hpp"

#include "tscns/apdu/error.hpp"

namespace tscns::pkcs11::testing {

/// One transaction: forwards to the card while the insertion it was opened on lasts.
class VcardChannel final : public cns::LinkTransaction {
public:
    VcardChannel(VcardReaderProvider& provider, std::size_t reader, std::uint32_t insertion)
        : provider_(provider)
        , reader_(reader)
        , insertion_(insertion)
    {
    }
    apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override
    {
        const std::lock_guard<std::mutex> lock(provider_.mutex_);
        auto& r = provider_.readers_[reader_];
        if (!r.card || r.insertion != insertion_)
            throw Error(Errc::CardRemoved, "the virtual card was removed");
        ++r.apdus;
        return r.card->transmit(command);
    }
    void endWithReset() override
    {
        const std::lock_guard<std::mutex> lock(provider_.mutex_);
        auto& r = provider_.readers_[reader_];
        // A card that has gone took its state with it.
        if (r.card && r.insertion == insertion_) r.card->reset();
    }

private:
    VcardReaderProvider& provider_;
    std::size_t reader_;
    std::uint32_t insertion_;
};

class VcardConnection final : public cns::CardLink {
public:
    VcardConnection(VcardReaderProvider& provider, std::size_t reader, std::uint32_t insertion,
        Bytes atr, unsigned otherResets)
        : provider_(provider)
        , reader_(reader)
        , insertion_(insertion)
        , atr_(std::move(atr))
        , seenOtherResets_(otherResets)
    {
    }
    [[nodiscard]] const Bytes& atr() const override { return atr_; }
    [[nodiscard]] unsigned resetCount() const override { return resets_; }
    [[nodiscard]] std::unique_ptr<cns::LinkTransaction> beginTransaction() override
    {
        const std::lock_guard<std::mutex> lock(provider_.mutex_);
        auto& r = provider_.readers_[reader_];
        if (!r.card || r.insertion != insertion_)
            throw Error(Errc::CardRemoved, "the virtual card was removed");
        if (r.otherResets != seenOtherResets_) {
            // reader::Card::beginTransaction: SCARD_W_RESET_CARD, reconnect, count it.
            seenOtherResets_ = r.otherResets;
            ++resets_;
        }
        return std::make_unique<VcardChannel>(provider_, reader_, insertion_);
    }

private:
    VcardReaderProvider& provider_;
    std::size_t reader_;
    std::uint32_t insertion_;
    Bytes atr_;
    unsigned seenOtherResets_;
    unsigned resets_ = 0;
};

VcardReaderProvider::VcardReaderProvider(std::vector<std::string> readerNames)
{
    for (auto& n : readerNames) {
        Reader r;
        r.name = std::move(n);
        readers_.push_back(std::move(r));
    }
}

VcardReaderProvider::~VcardReaderProvider() = default;

void VcardReaderProvider::insert(std::size_t reader, std::unique_ptr<vcard::VirtualCnsCard> card)
{
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        auto& r = readers_.at(reader);
        card->powerOn();
        r.card = std::move(card);
        ++r.insertion;
        ++changes_;
    }
    changed_.notify_all();
}

std::unique_ptr<vcard::VirtualCnsCard> VcardReaderProvider::remove(std::size_t reader)
{
    std::unique_ptr<vcard::VirtualCnsCard> out;
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        auto& r = readers_.at(reader);
        out = std::move(r.card);
        if (out) {
            out->powerOff();
            ++r.insertion;
        }
        ++changes_;
    }
    changed_.notify_all();
    return out;
}

void VcardReaderProvider::resetByOtherApplication(std::size_t reader)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    auto& r = readers_.at(reader);
    if (r.card) r.card->reset();
    ++r.otherResets;
}

vcard::VirtualCnsCard* VcardReaderProvider::card(std::size_t reader)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    return readers_.at(reader).card.get();
}

std::size_t VcardReaderProvider::apduCount(std::size_t reader) const
{
    const std::lock_guard<std::mutex> lock(mutex_);
    return readers_.at(reader).apdus;
}

std::size_t VcardReaderProvider::statusCalls() const
{
    const std::lock_guard<std::mutex> lock(mutex_);
    return statusCalls_;
}

void VcardReaderProvider::failReaderNames(bool fail)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    failNames_ = fail;
}

std::vector<std::string> VcardReaderProvider::readerNames()
{
    const std::lock_guard<std::mutex> lock(mutex_);
    if (failNames_) throw Error(Errc::NoService, "no PC/SC service (test)");
    std::vector<std::string> out;
    for (const auto& r : readers_)
        out.push_back(r.name);
    return out;
}

std::vector<ReaderStatus> VcardReaderProvider::status(const std::vector<std::string>& names)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    ++statusCalls_;
    std::vector<ReaderStatus> out(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        for (const auto& r : readers_) {
            if (r.name != names[i]) continue;
            out[i].insertion = r.insertion;
            out[i].present = r.card != nullptr;
            if (r.card) out[i].atr = r.card->atr();
        }
    }
    return out;
}

std::unique_ptr<cns::CardLink> VcardReaderProvider::connect(const std::string& name)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = 0; i < readers_.size(); ++i) {
        const auto& r = readers_[i];
        if (r.name != name) continue;
        if (!r.card) throw Error(Errc::CardAbsent, "no card in \"" + name + "\"");
        return std::make_unique<VcardConnection>(
            *this, i, r.insertion, r.card->atr(), r.otherResets);
    }
    throw Error(Errc::NoReader, "no reader named \"" + name + "\"");
}

void VcardReaderProvider::waitForChange(
    const std::vector<std::string>& /*readers*/, std::chrono::milliseconds timeout) noexcept
{
    std::unique_lock<std::mutex> lock(mutex_);
    const unsigned start = changes_;
    changed_.wait_for(lock, timeout, [&] { return changes_ != start; });
}

void VcardReaderProvider::cancelWait() noexcept
{
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        ++changes_;
    }
    changed_.notify_all();
}

} // namespace tscns::pkcs11::testing
