// SPDX-License-Identifier: LGPL-2.1-or-later
// Reader choice and the PC/SC CardLink.
#include "tscns/reader/cns_access.hpp"

#include "tscns/apdu/error.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace tscns::reader {

namespace {
    std::string lower(std::string s)
    {
        std::transform(s.begin(), s.end(), s.begin(),
            [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return s;
    }

    class PcscTransaction final : public cns::LinkTransaction {
    public:
        PcscTransaction(Transaction tx, Card& card)
            : tx_(std::move(tx))
        {
            if (auto code = card.features().verifyPinDirect) pad_.emplace(card, *code);
        }
        apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override
        {
            return tx_.transmit(command);
        }
        void endWithReset() override { tx_.endWithReset(); }
        cns::PinPad* pinPad() noexcept override { return pad_ ? &*pad_ : nullptr; }

    private:
        Transaction tx_;
        std::optional<ControlPinPad> pad_; ///< with FEATURE_VERIFY_PIN_DIRECT
    };

    class PcscCardLink final : public cns::CardLink {
    public:
        explicit PcscCardLink(std::unique_ptr<Card> card)
            : card_(std::move(card))
        {
        }
        [[nodiscard]] const Bytes& atr() const override { return card_->atr(); }
        [[nodiscard]] unsigned resetCount() const override { return card_->resetCount(); }
        [[nodiscard]] std::unique_ptr<cns::LinkTransaction> beginTransaction() override
        {
            return std::make_unique<PcscTransaction>(card_->beginTransaction(), *card_);
        }
        [[nodiscard]] bool hasPinPad() const override
        {
            return card_->features().verifyPinDirect.has_value();
        }

    private:
        std::unique_ptr<Card> card_;
    };
} // namespace

std::string pickReader(const Context& context, const std::optional<std::string>& wanted)
{
    const auto readers = context.readers();
    if (readers.empty()) throw Error(Errc::NoReader, "no smart card reader found");
    if (!wanted || wanted->empty()) {
        for (const auto& r : readers)
            if (r.cardPresent) return r.name;
        throw Error(Errc::CardAbsent,
            readers.size() == 1
                ? "no card in the reader \"" + readers[0].name + "\""
                : "no card in any of the " + std::to_string(readers.size()) + " readers");
    }
    for (const auto& r : readers)
        if (r.name == *wanted) return r.name;
    if (std::all_of(wanted->begin(), wanted->end(), [](unsigned char c) { return std::isdigit(c); })
        && wanted->size() < 6) {
        const unsigned long n = std::stoul(*wanted);
        if (n < readers.size()) return readers[n].name;
        throw Error(Errc::NoReader,
            "no reader number " + *wanted + " (there are " + std::to_string(readers.size()) + ")");
    }
    const std::string needle = lower(*wanted);
    std::optional<std::string> found;
    for (const auto& r : readers) {
        if (lower(r.name).find(needle) != std::string::npos) {
            if (found)
                throw Error(Errc::NoReader,
                    "\"" + *wanted
                        + "\" matches more than one reader: give its full name or number");
            found = r.name;
        }
    }
    if (!found) throw Error(Errc::NoReader, "no reader matches \"" + *wanted + "\"");
    return *found;
}

std::unique_ptr<cns::CardLink> makeCardLink(std::unique_ptr<Card> card)
{
    return std::make_unique<PcscCardLink>(std::move(card));
}

OpenedCns openCns(const Context& context, const std::optional<std::string>& wanted)
{
    OpenedCns out;
    out.reader = pickReader(context, wanted);
    out.connection
        = std::make_unique<cns::CnsConnection>(makeCardLink(context.connect(out.reader)));
    return out;
}

} // namespace tscns::reader
