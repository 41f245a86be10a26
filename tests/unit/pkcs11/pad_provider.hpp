// SPDX-License-Identifier: LGPL-2.1-or-later
// PadReaderProvider: VcardReaderProvider with a PIN pad on one reader. It wraps the connections
// the virtual-card provider makes (the same seam, nothing of it replaced): the wrapped link says
// it has a pad, and each transaction offers a FakePinPad whose VERIFY goes to the virtual card.
#pragma once

#include "fake_pin_pad.hpp"
#include "vcard_provider.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace tscns::pkcs11::test {

class PadReaderProvider final : public ReaderProvider {
public:
    /// `script` (what the user types, the pad's own answers) must outlive the provider.
    PadReaderProvider(std::unique_ptr<testing::VcardReaderProvider> inner,
        tscns::test::PadScript& script, std::string padReader);

    [[nodiscard]] testing::VcardReaderProvider& inner() noexcept { return *inner_; }

    std::vector<std::string> readerNames() override { return inner_->readerNames(); }
    std::vector<ReaderStatus> status(const std::vector<std::string>& readers) override
    {
        return inner_->status(readers);
    }
    std::unique_ptr<cns::CardLink> connect(const std::string& reader) override;
    void waitForChange(const std::vector<std::string>& readers,
        std::chrono::milliseconds timeout) noexcept override
    {
        inner_->waitForChange(readers, timeout);
    }
    void cancelWait() noexcept override { inner_->cancelWait(); }

private:
    std::unique_ptr<testing::VcardReaderProvider> inner_;
    tscns::test::PadScript& script_;
    std::string padReader_;
};

} // namespace tscns::pkcs11::test
