// SPDX-License-Identifier: LGPL-2.1-or-later
// Fixture and helpers of pkcs11_unit_tests.
#include "fixture.hpp"

#include "pad_provider.hpp"

#include "tscns/vcard/personalize.hpp"
#include "tscns/vcard/profiles.hpp"
#include "tscns/vcard/virtual_card.hpp"

#include <cstdio>
#include <exception>

namespace tscns::pkcs11::test {

namespace {
    vcard::CardImage personalizeProfile(const char* profile, std::uint64_t seed)
    {
        vcard::PersonalizeOptions o;
        o.profile = profile;
        o.seed = seed;
        o.pin = kPin;
        o.puk = kPuk;
        return vcard::personalize(o);
    }
} // namespace

int imagesSetup(void** state)
{
    try {
        auto images = std::make_unique<Images>();
        images->st = personalizeProfile("st-cns11", 51);
        images->athena = personalizeProfile("athena-cns10", 52);
        images->idemia = personalizeProfile("idemia-2021", 53);
        images->foreign = personalizeProfile("foreign-idemia", 54);
        *state = images.release();
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "personalization failed: %s\n", e.what());
        return -1;
    }
}

int imagesTeardown(void** state)
{
    delete static_cast<Images*>(*state);
    *state = nullptr;
    return 0;
}

std::unique_ptr<vcard::VirtualCnsCard> makeCard(const vcard::CardImage& image, int pinTries)
{
    vcard::CardImage copy = image;
    if (pinTries >= 0) copy.state.pinTriesLeft = pinTries;
    return vcard::VirtualCnsCard::fromImage(std::move(copy));
}

int fixtureSetup(void** state, vcard::CardImage Images::*which)
{
    const auto* images = static_cast<const Images*>(*state);
    auto f = std::make_unique<Fixture>();
    f->images = images;
    try {
        auto provider = std::make_unique<testing::VcardReaderProvider>(
            std::vector<std::string> { kReader0, kReader1 });
        provider->insert(0, makeCard(images->*which));
        f->provider = provider.get();
        f->module = std::make_unique<Module>(std::move(provider));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fixture setup failed: %s\n", e.what());
        return -1;
    }
    *state = f.release();
    return 0;
}

int stPadSetup(void** state)
{
    const auto* images = static_cast<const Images*>(*state);
    auto f = std::make_unique<Fixture>();
    f->images = images;
    try {
        auto inner = std::make_unique<testing::VcardReaderProvider>(
            std::vector<std::string> { kReader0, kReader1 });
        inner->insert(0, makeCard(images->st));
        f->provider = inner.get();
        f->pad = std::make_unique<tscns::test::PadScript>();
        f->pad->typed = kPin;
        f->module = std::make_unique<Module>(
            std::make_unique<PadReaderProvider>(std::move(inner), *f->pad, kReader0));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fixture setup failed: %s\n", e.what());
        return -1;
    }
    *state = f.release();
    return 0;
}

int stSetup(void** state)
{
    return fixtureSetup(state, &Images::st);
}
int athenaSetup(void** state)
{
    return fixtureSetup(state, &Images::athena);
}
int idemiaSetup(void** state)
{
    return fixtureSetup(state, &Images::idemia);
}
int foreignSetup(void** state)
{
    return fixtureSetup(state, &Images::foreign);
}

int fixtureTeardown(void** state)
{
    auto* f = static_cast<Fixture*>(*state);
    const Images* images = f->images;
    delete f;
    *state = const_cast<Images*>(images);
    return 0;
}

Fixture* fx(void** state)
{
    return static_cast<Fixture*>(*state);
}

std::string rvName(CK_RV rv)
{
    struct Name {
        CK_RV rv;
        const char* name;
    };
    static constexpr Name kNames[] = {
        { CKR_OK, "CKR_OK" },
        { CKR_HOST_MEMORY, "CKR_HOST_MEMORY" },
        { CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID" },
        { CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR" },
        { CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD" },
        { CKR_NO_EVENT, "CKR_NO_EVENT" },
        { CKR_ACTION_PROHIBITED, "CKR_ACTION_PROHIBITED" },
        { CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE" },
        { CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID" },
        { CKR_DATA_INVALID, "CKR_DATA_INVALID" },
        { CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE" },
        { CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR" },
        { CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED" },
        { CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID" },
        { CKR_ENCRYPTED_DATA_LEN_RANGE, "CKR_ENCRYPTED_DATA_LEN_RANGE" },
        { CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED" },
        { CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID" },
        { CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT" },
        { CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED" },
        { CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID" },
        { CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID" },
        { CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID" },
        { CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE" },
        { CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED" },
        { CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT" },
        { CKR_PIN_INVALID, "CKR_PIN_INVALID" },
        { CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE" },
        { CKR_PIN_LOCKED, "CKR_PIN_LOCKED" },
        { CKR_FUNCTION_CANCELED, "CKR_FUNCTION_CANCELED" },
        { CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID" },
        { CKR_SESSION_PARALLEL_NOT_SUPPORTED, "CKR_SESSION_PARALLEL_NOT_SUPPORTED" },
        { CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY" },
        { CKR_SESSION_READ_ONLY_EXISTS, "CKR_SESSION_READ_ONLY_EXISTS" },
        { CKR_SESSION_READ_WRITE_SO_EXISTS, "CKR_SESSION_READ_WRITE_SO_EXISTS" },
        { CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT" },
        { CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED" },
        { CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED" },
        { CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN" },
        { CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN" },
        { CKR_USER_ANOTHER_ALREADY_LOGGED_IN, "CKR_USER_ANOTHER_ALREADY_LOGGED_IN" },
        { CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID" },
        { CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL" },
        { CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED" },
    };
    char hex[24];
    std::snprintf(hex, sizeof hex, "0x%lx", rv);
    for (const auto& n : kNames)
        if (n.rv == rv) return std::string(n.name) + " (" + hex + ")";
    return hex;
}

void expectRv(::tscns::test::Checker& c, CK_RV actual, CK_RV expected, std::string_view what)
{
    if (actual != expected)
        c.report(std::string(what) + ": got " + rvName(actual) + ", expected " + rvName(expected));
}

CK_SESSION_HANDLE open(Module& m, CK_SLOT_ID slot, bool rw)
{
    return m.openSession(slot, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0));
}

std::vector<CK_OBJECT_HANDLE> find(
    Module& m, CK_SESSION_HANDLE s, const CK_ATTRIBUTE* tmpl, CK_ULONG count)
{
    m.findObjectsInit(s, tmpl, count);
    std::vector<CK_OBJECT_HANDLE> out;
    for (;;) {
        const auto part = m.findObjects(s, 2);
        if (part.empty()) break;
        out.insert(out.end(), part.begin(), part.end());
    }
    m.findObjectsFinal(s);
    return out;
}

std::vector<CK_OBJECT_HANDLE> findClass(Module& m, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls)
{
    CK_ATTRIBUTE t { CKA_CLASS, &cls, sizeof cls };
    return find(m, s, &t, 1);
}

Bytes attribute(Module& m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    CK_ATTRIBUTE a { type, nullptr, 0 };
    CK_RV rv = m.getAttributeValue(s, o, &a, 1);
    if (rv != CKR_OK) throw CkError(rv);
    Bytes out(a.ulValueLen);
    a.pValue = out.data();
    rv = m.getAttributeValue(s, o, &a, 1);
    if (rv != CKR_OK) throw CkError(rv);
    out.resize(a.ulValueLen);
    return out;
}

CK_ULONG ulongAttribute(Module& m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    CK_ULONG v = 0;
    CK_ATTRIBUTE a { type, &v, sizeof v };
    const CK_RV rv = m.getAttributeValue(s, o, &a, 1);
    if (rv != CKR_OK) throw CkError(rv);
    return v;
}

bool boolAttribute(Module& m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    CK_BBOOL v = CK_FALSE;
    CK_ATTRIBUTE a { type, &v, sizeof v };
    const CK_RV rv = m.getAttributeValue(s, o, &a, 1);
    if (rv != CKR_OK) throw CkError(rv);
    return v != CK_FALSE;
}

CK_OBJECT_HANDLE privateKey(Module& m, CK_SESSION_HANDLE s)
{
    auto keys = findClass(m, s, CKO_PRIVATE_KEY);
    if (keys.empty()) {
        // Private objects are visible only to the logged-in user: log in, take the handle, and
        // log out again so that the caller's login state is as it was.
        loginUser(m, s);
        keys = findClass(m, s, CKO_PRIVATE_KEY);
        m.logout(s);
    }
    if (keys.size() != 1) throw CkError(CKR_GENERAL_ERROR);
    return keys[0];
}

void loginUser(Module& m, CK_SESSION_HANDLE s, std::string_view pin)
{
    m.login(s, CKU_USER, asBytes(pin));
}

std::string trimmed(const unsigned char* field, std::size_t size)
{
    std::string s(reinterpret_cast<const char*>(field), size);
    while (!s.empty() && s.back() == ' ')
        s.pop_back();
    return s;
}

std::string asString(const Bytes& bytes)
{
    return std::string(bytes.begin(), bytes.end());
}

Bytes certificateDer(const vcard::CardImage& image)
{
    const vcard::Profile& p = vcard::requireProfile(image.record.profile);
    return image.files.at(vcard::parseFilePath(p.certPath));
}

} // namespace tscns::pkcs11::test
