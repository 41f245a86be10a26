// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_vcard_apdu: the virtual card's APDU handling. A fresh VirtualCnsCard (personalised once,
// st-cns11 or idemia-2021 by the first byte) gets a sequence of raw command APDUs, each a chunk
// with a 2-byte length; a chunk of length 1 is a reader event instead (00 power off, 01 power
// on, 02 reset). process() promises never to throw and to answer at least SW1 SW2.
#include "fuzz_support.hpp"

#include "tscns/vcard/personalize.hpp"
#include "tscns/vcard/virtual_card.hpp"

namespace {
const tscns::vcard::CardImage* images[2] = { nullptr, nullptr };

tscns::vcard::CardImage personalizeProfile(const char* profile, std::uint64_t seed)
{
    tscns::vcard::PersonalizeOptions o;
    o.profile = profile;
    o.seed = seed;
    o.pin = "12345";
    o.puk = "87654321";
    return tscns::vcard::personalize(o);
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    images[0] = new tscns::vcard::CardImage(personalizeProfile("st-cns11", 81));
    images[1] = new tscns::vcard::CardImage(personalizeProfile("idemia-2021", 82));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace tscns;
    fuzz::Input in(data, size);
    const auto card = vcard::VirtualCnsCard::fromImage(*images[in.byte() & 1]);
    while (!in.empty()) {
        const ByteView command = in.chunk16();
        if (command.size() == 1) {
            switch (command[0]) {
            case 0x00:
                card->powerOff();
                continue;
            case 0x01:
                card->powerOn();
                continue;
            case 0x02:
                card->reset();
                continue;
            default:
                break;
            }
        }
        const Bytes answer = card->process(command);
        if (answer.size() < 2 || answer.size() > 65538) __builtin_trap();
    }
    return 0;
}
