// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_cns_card: the CNS card logic over a card whose every answer comes from the input
// (docs/development.md §6): chunk 1 is the ATR, then each answer is a chunk with a 2-byte length
// (data ‖ SW1 SW2). Runs identification, then the reads a client does (EF_IDCarta,
// EF_DatiPersonali, the certificate), the PIN status, one VERIFY with a synthetic PIN, GET
// CHALLENGE and a raw RSA operation.
#include "fuzz_support.hpp"

#include "tscns/cns/cns_card.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace tscns;
    fuzz::Input in(data, size);
    const Bytes atr = [&] {
        const ByteView v = in.chunk();
        return Bytes(v.begin(), v.end());
    }();
    fuzz::StreamChannel channel(in, true);
    fuzz::refusalsAllowed([&] {
        const cns::Identification id = cns::CnsCard::identify(channel, atr);
        cns::CnsCard card(channel, id.profile);
        fuzz::refusalsAllowed([&] { (void)card.readCardId(); });
        fuzz::refusalsAllowed([&] { (void)card.readPersonalData(); });
        fuzz::refusalsAllowed([&] { (void)card.readCertificate(); });
        fuzz::refusalsAllowed([&] { (void)card.pinStatus(); });
        fuzz::refusalsAllowed([&] {
            SecureBytes pin(8);
            for (const char c : std::string_view("12345"))
                pin.push_back(static_cast<std::uint8_t>(c));
            card.verifyPin(pin);
        });
        fuzz::refusalsAllowed([&] { (void)card.getChallenge(8); });
        fuzz::refusalsAllowed([&] { (void)card.rsaRaw(Bytes(256, 0x01)); });
    });
    return 0;
}
