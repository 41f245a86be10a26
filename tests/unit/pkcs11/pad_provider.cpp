// SPDX-License-Identifier: LGPL-2.1-or-later
// PadReaderProvider implementation.
#include "pad_provider.hpp"

#include <utility>

namespace tscns::pkcs11::test {

namespace {
    class PadTransaction final : public cns::LinkTransaction {
    public:
        PadTransaction(std::unique_ptr<cns::LinkTransaction> inner, tscns::test::PadScript& script)
            : inner_(std::move(inner))
            , pad_(script, *inner_)
        {
        }
        apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override
        {
            return inner_->transmit(command);
        }
        void endWithReset() override { inner_->endWithReset(); }
        cns::PinPad* pinPad() noexcept override { return &pad_; }

    private:
        std::unique_ptr<cns::LinkTransaction> inner_;
        tscns::test::FakePinPad pad_;
    };

    class PadLink final : public cns::CardLink {
    public:
        PadLink(std::unique_ptr<cns::CardLink> inner, tscns::test::PadScript& script)
            : inner_(std::move(inner))
            , script_(script)
        {
        }
        [[nodiscard]] const Bytes& atr() const override { return inner_->atr(); }
        [[nodiscard]] unsigned resetCount() const override { return inner_->resetCount(); }
        [[nodiscard]] std::unique_ptr<cns::LinkTransaction> beginTransaction() override
        {
            return std::make_unique<PadTransaction>(inner_->beginTransaction(), script_);
        }
        [[nodiscard]] bool hasPinPad() const override { return true; }

    private:
        std::unique_ptr<cns::CardLink> inner_;
        tscns::test::PadScript& script_;
    };
} // namespace

PadReaderProvider::PadReaderProvider(std::unique_ptr<testing::VcardReaderProvider> inner,
    tscns::test::PadScript& script, std::string padReader)
    : inner_(std::move(inner))
    , script_(script)
    , padReader_(std::move(padReader))
{
}

std::unique_ptr<cns::CardLink> PadReaderProvider::connect(const std::string& reader)
{
    auto link = inner_->connect(reader);
    if (reader != padReader_) return link;
    return std::make_unique<PadLink>(std::move(link), script_);
}

} // namespace tscns::pkcs11::test
