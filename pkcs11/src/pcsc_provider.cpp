// SPDX-License-Identifier: LGPL-2.1-or-later
// The PC/SC ReaderProvider of tscns-pkcs11: everything through tscns::reader (connections,
// transactions, reader states and waits); no PC/SC call of its own.
#include "provider_factory.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/reader/cns_access.hpp"
#include "tscns/reader/pcsc.hpp"
#include "tscns/reader/reader_watch.hpp"

namespace tscns::pkcs11 {

namespace {

    class PcscReaderProvider final : public ReaderProvider {
    public:
        PcscReaderProvider()
        {
            try {
                context_ = std::make_unique<reader::Context>();
            } catch (const Error&) {
                return; // no PC/SC service: no readers
            }
        }

        std::vector<std::string> readerNames() override
        {
            if (!context_) return {};
            return context_->listReaders();
        }

        std::vector<ReaderStatus> status(const std::vector<std::string>& readers) override
        {
            std::vector<ReaderStatus> out;
            out.reserve(readers.size());
            for (auto& s : watch_.states(readers)) {
                ReaderStatus r;
                r.present = s.present;
                r.atr = std::move(s.atr);
                r.insertion = s.insertion;
                out.push_back(std::move(r));
            }
            return out;
        }

        std::unique_ptr<cns::CardLink> connect(const std::string& reader) override
        {
            if (!context_) throw Error(Errc::NoService, "the PC/SC service is not running");
            return reader::makeCardLink(context_->connect(reader));
        }

        void waitForChange(const std::vector<std::string>& readers,
            std::chrono::milliseconds timeout) noexcept override
        {
            watch_.waitForChange(readers, timeout);
        }

        void cancelWait() noexcept override { watch_.cancel(); }

    private:
        std::unique_ptr<reader::Context> context_; ///< listing and connections
        reader::ReaderWatch watch_; ///< states and waits, on contexts of its own
    };

} // namespace

std::unique_ptr<ReaderProvider> makeReaderProvider()
{
    return std::make_unique<PcscReaderProvider>();
}

} // namespace tscns::pkcs11
