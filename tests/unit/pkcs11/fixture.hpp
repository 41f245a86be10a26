// SPDX-License-Identifier: LGPL-2.1-or-later
// Shared fixture of pkcs11_unit_tests: card images personalised once per group (RSA key
// generation is the slow part), and per test a Module over two virtual readers, the first
// holding a TS-CNS. Every helper here owns its objects and returns before any assertion, so it
// is safe inside TSCNS_CHECK (docs/development.md §6).
#pragma once

#include "ckr.hpp"
#include "core/module.hpp"
#include "fake_pin_pad.hpp"
#include "vcard_provider.hpp"

#include "tscns/vcard/card_image.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

// Last: cmocka's fail() macro clashes with standard headers included after it.
#include "checker.hpp"

namespace tscns::pkcs11::test {

inline constexpr const char* kPin = "12345";
inline constexpr const char* kPuk = "87654321";
inline constexpr const char* kReader0 = "Virtual Reader 0";
inline constexpr const char* kReader1 = "Virtual Reader 1";

struct Images {
    vcard::CardImage st; ///< st-cns11, RSA-2048 (STIncard mask)
    vcard::CardImage athena; ///< athena-cns10, RSA-1024
    vcard::CardImage idemia; ///< idemia-2021, RSA-2048, key in a DF
    vcard::CardImage foreign; ///< foreign-idemia: a CNS ATR, no CNS application
};

struct Fixture {
    const Images* images = nullptr;
    testing::VcardReaderProvider* provider = nullptr; ///< owned by module
    /// With stPadSetup: what the PIN pad of reader 0 does (outlives the module).
    std::unique_ptr<tscns::test::PadScript> pad;
    std::unique_ptr<Module> module;
};

/// Group setup/teardown: personalises the images (group state = Images*).
int imagesSetup(void** state);
int imagesTeardown(void** state);
/// Test setup: a Module over reader 0 (with a card from `which`) and reader 1 (empty).
int fixtureSetup(void** state, vcard::CardImage Images::*which);
int stSetup(void** state);
int athenaSetup(void** state);
int idemiaSetup(void** state);
int foreignSetup(void** state);
/// stSetup, with a PIN pad on reader 0 (PadReaderProvider; f->pad scripts it).
int stPadSetup(void** state);
int fixtureTeardown(void** state);
Fixture* fx(void** state);

/// A fresh card from an image (optionally with its PIN tries changed first).
std::unique_ptr<vcard::VirtualCnsCard> makeCard(const vcard::CardImage& image, int pinTries = -1);

/// Runs a core call and returns its CK_RV: CKR_OK, the CK_RV it returns, or the translation of
/// what it throws.
template <typename F> CK_RV rvOf(F&& fn)
{
    try {
        if constexpr (std::is_same_v<std::invoke_result_t<F>, CK_RV>)
            return fn();
        else {
            fn();
            return CKR_OK;
        }
    } catch (...) {
        return currentExceptionToCkr();
    }
}

/// "CKR_PIN_INCORRECT (0xa0)" and the like, for messages.
std::string rvName(CK_RV rv);
/// Records a mismatch of two CK_RVs.
void expectRv(::tscns::test::Checker& c, CK_RV actual, CK_RV expected, std::string_view what);

CK_SESSION_HANDLE open(Module& m, CK_SLOT_ID slot = 0, bool rw = false);
/// Object handles matching one CK_ULONG attribute (e.g. CKA_CLASS), or every object.
std::vector<CK_OBJECT_HANDLE> find(
    Module& m, CK_SESSION_HANDLE s, const CK_ATTRIBUTE* tmpl = nullptr, CK_ULONG count = 0);
std::vector<CK_OBJECT_HANDLE> findClass(Module& m, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls);
/// One attribute's value (throws CkError on a failing rv).
Bytes attribute(Module& m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
CK_ULONG ulongAttribute(Module& m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
bool boolAttribute(Module& m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
/// The private key's handle.
/// The private key's handle; when the session is not logged in, logs in (kPin) to find it and
/// logs out again (private objects are hidden before login).
CK_OBJECT_HANDLE privateKey(Module& m, CK_SESSION_HANDLE s);
/// C_Login(CKU_USER) with a PIN given as text.
void loginUser(Module& m, CK_SESSION_HANDLE s, std::string_view pin = kPin);
/// A fixed-width text field without its blank padding.
std::string trimmed(const unsigned char* field, std::size_t size);
/// Bytes as text.
std::string asString(const Bytes& bytes);
/// The DER certificate of an image (from its EF).
Bytes certificateDer(const vcard::CardImage& image);

} // namespace tscns::pkcs11::test
