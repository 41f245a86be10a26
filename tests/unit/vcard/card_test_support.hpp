// SPDX-License-Identifier: LGPL-2.1-or-later
// Shared fixture for the VirtualCnsCard tests: temporary card images, APDU exchange checks.
// Objects with destructors live in the heap-allocated fixtures, never across an assertion.
#pragma once

#include "tscns/vcard/card_image.hpp"
#include "tscns/vcard/virtual_card.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

// cmocka last: its fail() macro clashes with std::basic_ios::fail() in later includes.
#include "test_support.hpp"

namespace tscns::vcard::test {

/// Images personalized once per test binary (group setup), one per profile.
struct ImageSet {
    std::filesystem::path root;
    std::filesystem::path st; ///< st-cns11, RSA-2048
    std::filesystem::path athena; ///< athena-cns10, RSA-1024
    std::filesystem::path idemia; ///< idemia-2021
    std::filesystem::path foreign; ///< foreign-idemia
    std::filesystem::path aceLocked; ///< ace-2025, AID required, EF padded with FF, read end 62 82
    std::filesystem::path jsign; ///< st-2022-nfc
    std::filesystem::path infocamere; ///< infocamere-1204, no FCI, read end 6B 00
};

/// Per-test state: a private copy of one image, the card loaded from it, the last answer.
struct CardFixture {
    const ImageSet* images = nullptr;
    std::filesystem::path dir;
    std::unique_ptr<VirtualCnsCard> card;
    CardImage image; ///< the image as read from dir at setup
    Bytes data; ///< response data of the last exchange
    std::uint16_t sw = 0;
    std::string error; ///< failure description for fail_msg
};

using tscns::test::makeTempDir; // tests/support
using tscns::test::removeTree;

/// cmocka group setup/teardown creating and removing the ImageSet.
int imagesSetup(void** state);
int imagesTeardown(void** state);

/// Per-test setup for a profile's image: copy it to a fresh directory and load it.
int stSetup(void** state);
int athenaSetup(void** state);
int idemiaSetup(void** state);
int foreignSetup(void** state);
int aceLockedSetup(void** state);
int jsignSetup(void** state);
int infocamereSetup(void** state);
/// Deletes the fixture and its directory, then hands the ImageSet back to cmocka.
int cardTeardown(void** state);

/// Reloads the card from the fixture directory (a new VirtualCnsCard on the same files).
bool reload(CardFixture* f);

/// Sends `commandHex` through process() and checks the status word and, when given, the data.
/// Stores data and SW in the fixture; on mismatch fills f->error and returns false.
bool exchange(CardFixture* f, std::string_view commandHex, std::uint16_t expectedSw,
    const char* expectedDataHex = nullptr);
/// Same with raw command bytes.
bool exchangeBytes(CardFixture* f, ByteView command, std::uint16_t expectedSw);

/// VERIFY block: ASCII PIN padded with FF to 8 bytes, as hex.
std::string pinBlockHex(std::string_view pin);

} // namespace tscns::vcard::test

/// Fails the test with the fixture's error text when `call` returns false.
#define VT_CHECK(f, call)                                                                          \
    do {                                                                                           \
        if (!(call)) fail_msg("%s", (f)->error.c_str());                                           \
    } while (0)
