// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_pkcs11: the PKCS#11 core (Module) over an in-process virtual card (the unit tests'
// VcardReaderProvider, one reader with a personalised st-cns11). The input is decoded into a
// sequence of up to 48 calls (open/close session, login, find with a template, get attribute
// values with a template of buffers, sign/decrypt init with a mechanism and its parameters,
// sign/decrypt with data, ...). The module is new for every input. A call may fail with a CK_RV
// (CkError) or a card error (tscns::Error); any other exception is a finding.
#include "fuzz_support.hpp"

#include "ckr.hpp"
#include "core/module.hpp"
#include "vcard_provider.hpp"

#include "tscns/vcard/personalize.hpp"

#include <array>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

namespace {
using namespace tscns;
using namespace tscns::pkcs11;

constexpr const char* kPin = "12345";
const vcard::CardImage* image = nullptr;

constexpr std::array<CK_ATTRIBUTE_TYPE, 24> kAttributes = { CKA_CLASS, CKA_TOKEN, CKA_PRIVATE,
    CKA_LABEL, CKA_ID, CKA_KEY_TYPE, CKA_MODULUS, CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT, CKA_VALUE,
    CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_CERTIFICATE_TYPE, CKA_SIGN, CKA_DECRYPT,
    CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ALWAYS_AUTHENTICATE, CKA_ALLOWED_MECHANISMS,
    CKA_PRIVATE_EXPONENT, CKA_APPLICATION, CKA_OBJECT_ID, CKA_CERTIFICATE_CATEGORY };
constexpr std::array<CK_MECHANISM_TYPE, 12> kMechanisms = { CKM_RSA_PKCS, CKM_RSA_X_509,
    CKM_RSA_PKCS_PSS, CKM_SHA1_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS,
    CKM_SHA512_RSA_PKCS, CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384_RSA_PKCS_PSS, CKM_SHA512_RSA_PKCS_PSS,
    CKM_SHA224_RSA_PKCS, CKM_SHA1_RSA_PKCS_PSS };
constexpr std::array<CK_MECHANISM_TYPE, 5> kHashes
    = { CKM_SHA_1, CKM_SHA224, CKM_SHA256, CKM_SHA384, CKM_SHA512 };
constexpr std::array<CK_RSA_PKCS_MGF_TYPE, 5> kMgfs
    = { CKG_MGF1_SHA1, CKG_MGF1_SHA224, CKG_MGF1_SHA256, CKG_MGF1_SHA384, CKG_MGF1_SHA512 };

CK_ULONG pick(fuzz::Input& in, const auto& table)
{
    const std::uint8_t b = in.byte();
    if (b < 240) return table[b % table.size()];
    return (CK_ULONG { in.u16() } << 16) | in.u16();
}

/// The objects a template points into: attribute structs and their value buffers.
struct Template {
    std::vector<CK_ATTRIBUTE> attributes;
    std::vector<Bytes> values;
};

/// For C_FindObjectsInit: values from the input (a one-byte value for CK_BBOOL and a CK_ULONG
/// for the class / key type, when the length byte says so).
Template findTemplate(fuzz::Input& in)
{
    Template t;
    const std::size_t n = in.byte() % 6;
    t.values.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const CK_ATTRIBUTE_TYPE type = pick(in, kAttributes);
        const std::uint8_t form = in.byte();
        Bytes v;
        if (form < 64) {
            const CK_ULONG value = in.byte() % 8; // a small CK_ULONG (class, key type)
            v.resize(sizeof value);
            std::memcpy(v.data(), &value, sizeof value);
        } else {
            const ByteView raw = in.chunk();
            v.assign(raw.begin(), raw.end());
        }
        t.values.push_back(std::move(v));
        t.attributes.push_back({ type, t.values.back().empty() ? nullptr : t.values.back().data(),
            static_cast<CK_ULONG>(t.values.back().size()) });
        if (form >= 250) t.attributes.back().pValue = nullptr; // length without a buffer
    }
    return t;
}

/// For C_GetAttributeValue: buffers of the sizes the input asks (NULL for a size query).
Template getTemplate(fuzz::Input& in)
{
    Template t;
    const std::size_t n = in.byte() % 8;
    t.values.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const CK_ATTRIBUTE_TYPE type = pick(in, kAttributes);
        const std::uint8_t form = in.byte();
        const std::size_t len = form < 128 ? form : (in.u16() % 4096);
        t.values.emplace_back(len, std::uint8_t { 0xA5 });
        const bool query = (form & 0x40) != 0 && form >= 128;
        t.attributes.push_back({ type, query || len == 0 ? nullptr : t.values.back().data(),
            static_cast<CK_ULONG>(len) });
    }
    return t;
}

struct Mechanism {
    CK_MECHANISM mechanism {};
    CK_RSA_PKCS_PSS_PARAMS pss {};
    Bytes raw;
};

void decodeMechanism(fuzz::Input& in, Mechanism& m)
{
    m.mechanism.mechanism = pick(in, kMechanisms);
    const std::uint8_t form = in.byte();
    if (form < 96) {
        m.mechanism.pParameter = nullptr;
        m.mechanism.ulParameterLen = 0;
    } else if (form < 192) {
        m.pss.hashAlg = pick(in, kHashes);
        m.pss.mgf = pick(in, kMgfs);
        m.pss.sLen = in.byte();
        m.mechanism.pParameter = &m.pss;
        m.mechanism.ulParameterLen = form < 188 ? sizeof m.pss : form % 32;
    } else {
        const ByteView raw = in.chunk();
        m.raw.assign(raw.begin(), raw.end());
        m.mechanism.pParameter = m.raw.empty() ? nullptr : m.raw.data();
        m.mechanism.ulParameterLen = m.raw.size();
    }
}

/// An output buffer: NULL (size query), too small, or big enough, as the input says.
CK_RV withOutput(fuzz::Input& in, const std::function<CK_RV(CK_BYTE_PTR, CK_ULONG_PTR)>& call)
{
    const std::uint8_t form = in.byte();
    Bytes buffer(form < 128 ? 512 : form, 0);
    CK_ULONG len = buffer.size();
    if ((form & 3) == 3) return call(nullptr, &len);
    return call(buffer.data(), &len);
}

void run(fuzz::Input& in, Module& module)
{
    std::vector<CK_SESSION_HANDLE> sessions;
    std::vector<CK_OBJECT_HANDLE> objects;
    auto session = [&] {
        const std::uint8_t b = in.byte();
        if (!sessions.empty() && b < 250) return sessions[b % sessions.size()];
        return CK_SESSION_HANDLE { b };
    };
    auto object = [&] {
        const std::uint8_t b = in.byte();
        if (!objects.empty() && b < 250) return objects[b % objects.size()];
        return CK_OBJECT_HANDLE { b };
    };
    for (int calls = 0; calls < 48 && !in.empty(); ++calls) {
        try {
            switch (in.byte() % 16) {
            case 0: {
                const CK_FLAGS flags = CKF_SERIAL_SESSION | (in.flag() ? CKF_RW_SESSION : 0);
                sessions.push_back(module.openSession(in.byte() % 3, flags));
                break;
            }
            case 1: {
                const CK_SESSION_HANDLE s = session();
                if (in.flag()) {
                    module.login(
                        s, CKU_USER, ByteView(reinterpret_cast<const std::uint8_t*>(kPin), 5));
                } else {
                    const CK_USER_TYPE user = in.byte() % 4;
                    module.login(s, user, in.chunk());
                }
                break;
            }
            case 2: {
                const CK_SESSION_HANDLE s = session();
                Template t = findTemplate(in);
                module.findObjectsInit(s, t.attributes.empty() ? nullptr : t.attributes.data(),
                    static_cast<CK_ULONG>(t.attributes.size()));
                for (const auto h : module.findObjects(s, in.byte() % 8 + 1))
                    objects.push_back(h);
                if (in.flag()) module.findObjectsFinal(s);
                break;
            }
            case 3: {
                const CK_SESSION_HANDLE s = session();
                const CK_OBJECT_HANDLE o = object();
                Template t = getTemplate(in);
                const CK_RV rv = module.getAttributeValue(s, o,
                    t.attributes.empty() ? nullptr : t.attributes.data(),
                    static_cast<CK_ULONG>(t.attributes.size()));
                // Every length the module reports must fit the buffer it wrote into.
                if (rv == CKR_OK)
                    for (std::size_t i = 0; i < t.attributes.size(); ++i)
                        if (t.attributes[i].pValue != nullptr
                            && t.attributes[i].ulValueLen != CK_UNAVAILABLE_INFORMATION
                            && t.attributes[i].ulValueLen > t.values[i].size())
                            __builtin_trap();
                break;
            }
            case 4: {
                const CK_SESSION_HANDLE s = session();
                Mechanism m;
                decodeMechanism(in, m);
                module.signInit(s, m.mechanism, object());
                break;
            }
            case 5: {
                const CK_SESSION_HANDLE s = session();
                const ByteView d = in.chunk();
                (void)withOutput(in,
                    [&](CK_BYTE_PTR out, CK_ULONG_PTR len) { return module.sign(s, d, out, len); });
                break;
            }
            case 6:
                module.signUpdate(session(), in.chunk());
                break;
            case 7: {
                const CK_SESSION_HANDLE s = session();
                (void)withOutput(in, [&](CK_BYTE_PTR out, CK_ULONG_PTR len) {
                    return module.signFinal(s, out, len);
                });
                break;
            }
            case 8: {
                const CK_SESSION_HANDLE s = session();
                Mechanism m;
                decodeMechanism(in, m);
                module.decryptInit(s, m.mechanism, object());
                break;
            }
            case 9: {
                const CK_SESSION_HANDLE s = session();
                const ByteView d = in.chunk16();
                (void)withOutput(in, [&](CK_BYTE_PTR out, CK_ULONG_PTR len) {
                    return module.decrypt(s, d, out, len);
                });
                break;
            }
            case 10:
                module.logout(session());
                break;
            case 11:
                module.closeSession(session());
                break;
            case 12:
                (void)module.sessionInfo(session());
                (void)module.tokenInfo(0);
                break;
            case 13: {
                const CK_SLOT_ID slot = in.byte() % 3;
                (void)module.mechanismList(slot);
                (void)module.mechanismInfo(slot, pick(in, kMechanisms));
                break;
            }
            case 14: {
                const CK_SESSION_HANDLE s = session();
                (void)module.objectSize(s, object());
                break;
            }
            default:
                module.cancelOperations(session(), in.byte());
                break;
            }
        } catch (const CkError&) {
        } catch (const Error&) {
        }
    }
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    vcard::PersonalizeOptions o;
    o.profile = "st-cns11";
    o.seed = 51;
    o.pin = kPin;
    o.puk = "87654321";
    image = new vcard::CardImage(vcard::personalize(o));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::Input in(data, size);
    auto provider = std::make_unique<testing::VcardReaderProvider>(
        std::vector<std::string> { "Virtual Reader 0", "Virtual Reader 1" });
    provider->insert(0, vcard::VirtualCnsCard::fromImage(*image));
    Module module(std::move(provider));
    run(in, module);
    return 0;
}
