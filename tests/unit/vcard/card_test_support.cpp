// SPDX-License-Identifier: LGPL-2.1-or-later
// Fixture implementation for the VirtualCnsCard tests.
#include "card_test_support.hpp"

#include "tscns/vcard/personalize.hpp"

#include <cstdlib>
#include <exception>
#include <system_error>
#include <unistd.h>

namespace tscns::vcard::test {

namespace fs = std::filesystem;

namespace {

    fs::path personalizeInto(const fs::path& root, const char* name, const char* profile,
        std::uint64_t seed, const CardQuirks& quirks = {})
    {
        PersonalizeOptions o {};
        o.quirks = quirks;
        o.profile = profile;
        o.seed = seed;
        o.pin = "12345";
        o.puk = "87654321";
        const fs::path dir = root / name;
        writeCardImage(dir, personalize(o), false);
        return dir;
    }

    int cardSetup(void** state, fs::path ImageSet::*which)
    {
        auto* images = static_cast<const ImageSet*>(*state);
        auto* f = new CardFixture;
        f->images = images;
        try {
            f->dir = makeTempDir("tscns-vcard-card");
            fs::copy(images->*which, f->dir, fs::copy_options::recursive);
            f->image = readCardImage(f->dir);
            f->card = VirtualCnsCard::load(f->dir);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "card setup failed: %s\n", e.what());
            removeTree(f->dir);
            delete f;
            return -1;
        }
        *state = f;
        return 0;
    }

} // namespace

int imagesSetup(void** state)
{
    auto* images = new ImageSet;
    try {
        images->root = makeTempDir("tscns-vcard-images");
        images->st = personalizeInto(images->root, "st", "st-cns11", 11);
        images->athena = personalizeInto(images->root, "athena", "athena-cns10", 12);
        images->idemia = personalizeInto(images->root, "idemia", "idemia-2021", 13);
        images->foreign = personalizeInto(images->root, "foreign", "foreign-idemia", 14);
        CardQuirks locked;
        locked.aidRequired = true;
        locked.pad = "ff";
        locked.efSize = 2048;
        locked.readEnd = "6282";
        images->aceLocked = personalizeInto(images->root, "ace", "ace-2025", 15, locked);
        images->jsign = personalizeInto(images->root, "jsign", "st-2022-nfc", 16);
        CardQuirks bare;
        bare.noFci = true;
        bare.readEnd = "6b00";
        images->infocamere
            = personalizeInto(images->root, "infocamere", "infocamere-1204", 17, bare);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "image setup failed: %s\n", e.what());
        removeTree(images->root);
        delete images;
        return -1;
    }
    *state = images;
    return 0;
}

int imagesTeardown(void** state)
{
    auto* images = static_cast<ImageSet*>(*state);
    if (images != nullptr) removeTree(images->root);
    delete images;
    *state = nullptr;
    return 0;
}

int stSetup(void** state)
{
    return cardSetup(state, &ImageSet::st);
}
int athenaSetup(void** state)
{
    return cardSetup(state, &ImageSet::athena);
}
int idemiaSetup(void** state)
{
    return cardSetup(state, &ImageSet::idemia);
}
int foreignSetup(void** state)
{
    return cardSetup(state, &ImageSet::foreign);
}
int aceLockedSetup(void** state)
{
    return cardSetup(state, &ImageSet::aceLocked);
}
int jsignSetup(void** state)
{
    return cardSetup(state, &ImageSet::jsign);
}
int infocamereSetup(void** state)
{
    return cardSetup(state, &ImageSet::infocamere);
}

int cardTeardown(void** state)
{
    auto* f = static_cast<CardFixture*>(*state);
    const ImageSet* images = f->images;
    f->card.reset();
    removeTree(f->dir);
    delete f;
    *state = const_cast<ImageSet*>(images);
    return 0;
}

bool reload(CardFixture* f)
{
    try {
        f->card.reset();
        f->card = VirtualCnsCard::load(f->dir);
        return true;
    } catch (const std::exception& e) {
        f->error = std::string("reload failed: ") + e.what();
        return false;
    }
}

bool exchangeBytes(CardFixture* f, ByteView command, std::uint16_t expectedSw)
{
    Bytes response;
    try {
        response = f->card->process(command);
    } catch (const std::exception& e) {
        f->error = std::string("process() threw: ") + e.what();
        return false;
    }
    if (response.size() < 2) {
        f->error = "response shorter than a status word";
        return false;
    }
    f->sw = static_cast<std::uint16_t>((response[response.size() - 2] << 8) | response.back());
    f->data.assign(response.begin(), response.end() - 2);
    if (f->sw != expectedSw) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "expected SW %04X, got %04X", expectedSw, f->sw);
        std::string cmd = toHexSpaced(command);
        if (cmd.size() > 120) cmd = cmd.substr(0, 120) + "...";
        f->error = std::string(buf) + "\n  command: " + cmd + "\n  data: " + toHexSpaced(f->data);
        return false;
    }
    return true;
}

bool exchange(CardFixture* f, std::string_view commandHex, std::uint16_t expectedSw,
    const char* expectedDataHex)
{
    Bytes command;
    Bytes expected;
    try {
        command = fromHex(commandHex);
        if (expectedDataHex != nullptr) expected = fromHex(expectedDataHex);
    } catch (const std::exception& e) {
        f->error = std::string("bad hex in test: ") + e.what();
        return false;
    }
    if (!exchangeBytes(f, command, expectedSw)) return false;
    if (expectedDataHex != nullptr && f->data != expected) {
        f->error = "data differ\n  command:  " + std::string(commandHex)
            + "\n  actual:   " + toHexSpaced(f->data) + "\n  expected: " + toHexSpaced(expected);
        return false;
    }
    return true;
}

std::string pinBlockHex(std::string_view pin)
{
    Bytes block(8, 0xFF);
    for (std::size_t i = 0; i < pin.size() && i < 8; ++i)
        block[i] = static_cast<std::uint8_t>(pin[i]);
    return toHex(block);
}

} // namespace tscns::vcard::test
