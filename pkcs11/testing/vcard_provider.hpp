// SPDX-License-Identifier: LGPL-2.1-or-later
// VcardReaderProvider: a ReaderProvider over in-process VirtualCnsCards, for the unit tests of the
// core and for the test twin module. Test code only: no production target links it.
#pragma once

#include "core/reader_provider.hpp"

#include "tscns/vcard/virtual_card.hpp"

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tscns::pkcs11::testing {

class VcardReaderProvider final : public ReaderProvider {
public:
    /// Empty readers with these names.
    explicit VcardReaderProvider(std::vector<std::string> readerNames);
    ~VcardReaderProvider() override;

    // ---- Test controls (thread-safe)
    /// Puts a card into an empty reader (a new insertion, even for a card seen before).
    void insert(std::size_t reader, std::unique_ptr<vcard::VirtualCnsCard> card);
    /// Takes the card out; connections to it fail with Error(CardRemoved) from then on.
    std::unique_ptr<vcard::VirtualCnsCard> remove(std::size_t reader);
    /// Another application resets the card: its security state is gone; our connections notice
    /// at their next transaction (resetCount() grows), as reader::Card does.
    void resetByOtherApplication(std::size_t reader);
    /// The card in the reader, or nullptr (owned by the provider).
    vcard::VirtualCnsCard* card(std::size_t reader);
    /// APDUs that reached the card in this reader so far.
    [[nodiscard]] std::size_t apduCount(std::size_t reader) const;
    /// status() calls so far (no card I/O).
    [[nodiscard]] std::size_t statusCalls() const;
    /// A reader name list that fails: readerNames() throws Error(NoService).
    void failReaderNames(bool fail);

    // ---- ReaderProvider
    std::vector<std::string> readerNames() override;
    std::vector<ReaderStatus> status(const std::vector<std::string>& readers) override;
    std::unique_ptr<cns::CardLink> connect(const std::string& reader) override;
    void waitForChange(const std::vector<std::string>& readers,
        std::chrono::milliseconds timeout) noexcept override;
    void cancelWait() noexcept override;

    struct Reader {
        std::string name;
        std::unique_ptr<vcard::VirtualCnsCard> card;
        std::uint32_t insertion = 0; ///< +1 on every insertion and removal
        unsigned otherResets = 0;
        std::size_t apdus = 0;
    };

private:
    friend class VcardConnection;
    friend class VcardChannel;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Reader> readers_;
    std::size_t statusCalls_ = 0;
    unsigned changes_ = 0; ///< bumped by every insert/remove/cancel: wakes waitForChange()
    bool failNames_ = false;
};

} // namespace tscns::pkcs11::testing
