// SPDX-License-Identifier: LGPL-2.1-or-later
// VirtualCnsCard: the TS-CNS command set as cns-card.md describes the real card (§1 files,
// §5 PINs, §6 crypto sequences, §8 quirks and the OpenSC-through-vpcd appendix). Written from
// the card documentation, independently of the production CNS command builders.
#include "tscns/vcard/virtual_card.hpp"

#include "file_tree.hpp"
#include "ossl.hpp"
#include "tscns/apdu/error.hpp"

#include <openssl/crypto.h>

#include <algorithm>

#include <optional>
#include <utility>

namespace tscns::vcard {

namespace fs = std::filesystem;
using apdu::CommandApdu;
using apdu::ResponseApdu;
using apdu::StatusWord;
namespace sw = apdu::sw;

namespace {

    // INS codes (ISO 7816-4 §5.4 and the CNS functional specification as cited in §6).
    constexpr std::uint8_t kInsSelect = 0xA4;
    constexpr std::uint8_t kInsReadBinary = 0xB0;
    constexpr std::uint8_t kInsVerify = 0x20;
    constexpr std::uint8_t kInsChangeReferenceData = 0x24;
    constexpr std::uint8_t kInsResetRetryCounter = 0x2C;
    constexpr std::uint8_t kInsManageSecurityEnvironment = 0x22;
    constexpr std::uint8_t kInsPerformSecurityOperation = 0x2A;
    constexpr std::uint8_t kInsGetChallenge = 0x84;
    constexpr std::uint8_t kInsGetData = 0xCA;

    constexpr std::uint8_t kClaChaining = 0x10; // ISO 7816-4 §5.1.1 command chaining
    constexpr std::size_t kPinBlock = 8; // PIN/PUK stored length, FF-padded (§5)
    constexpr std::size_t kMaxChainData = 0xFFFF;

    struct Reply {
        Bytes data;
        StatusWord sw = sw::kSuccess;
    };

    Reply status(StatusWord s)
    {
        return { {}, s };
    }
    Reply triesLeft(int n)
    {
        return status(StatusWord(0x63, static_cast<std::uint8_t>(0xC0 | n)));
    }

    // The stored reference data as the card compares it: ASCII, right-padded with FF to 8 (§5),
    // built in a buffer that wipes itself.
    bool matches(ByteView presented, const std::string& stored)
    {
        SecureBytes ref(kPinBlock);
        for (std::size_t i = 0; i < kPinBlock; ++i)
            ref.push_back(i < stored.size() ? static_cast<std::uint8_t>(stored[i]) : 0xFF);
        return presented.size() == ref.size()
            && CRYPTO_memcmp(presented.data(), ref.data(), ref.size()) == 0;
    }

    // A new PIN block: 5-8 ASCII digits, then FF up to 8 bytes (§5); nullopt otherwise.
    std::optional<std::string> newPin(ByteView block)
    {
        std::string pin;
        std::size_t i = 0;
        for (; i < block.size() && block[i] != 0xFF; ++i) {
            if (block[i] < '0' || block[i] > '9') return std::nullopt;
            pin.push_back(static_cast<char>(block[i]));
        }
        for (; i < block.size(); ++i)
            if (block[i] != 0xFF) return std::nullopt;
        if (pin.size() < 5 || pin.size() > 8) return std::nullopt;
        return pin;
    }

    enum class SecurityOp { None, Decipher, Sign, Authenticate };

    struct Chain {
        std::uint8_t ins = 0;
        std::uint8_t p1 = 0;
        std::uint8_t p2 = 0;
        Bytes data;
    };

} // namespace

struct VirtualCnsCard::Impl {
    const Profile* profile = nullptr;
    CardImage image;
    std::optional<fs::path> dir; // state.json is written here when set
    Bytes atr;
    ossl::PkeyPtr key;
    std::size_t modulusLen = 0;
    std::optional<FileTree> tree; // refers to image.files: Impl never moves (unique_ptr)

    bool powered = true;
    // Security state, cleared on power off/on and reset.
    FilePath currentDf { kMfFid };
    std::optional<FilePath> currentEf;
    bool pinVerified = false;
    bool pukVerified = false;
    SecurityOp securityOp = SecurityOp::None;
    FilePath mseDf;
    std::optional<Chain> chain;
    bool applicationSelected = false; ///< the CNS application was selected by AID

    // From the profile and the image's quirks (makeImpl).
    Bytes aid;
    Bytes otherAid;
    bool aidRequired = false;

    /// On a card that needs SELECT AID first, nothing of the CNS is reachable before it.
    [[nodiscard]] bool locked() const noexcept { return aidRequired && !applicationSelected; }

    void clearSecurityState()
    {
        applicationSelected = false;
        currentDf = FilePath { kMfFid };
        currentEf.reset();
        pinVerified = false;
        pukVerified = false;
        securityOp = SecurityOp::None;
        mseDf.clear();
        chain.reset();
    }

    void persist() const
    {
        if (dir) writeCardState(*dir, image.state);
    }

    Reply dispatch(CommandApdu cmd);
    Reply select(const CommandApdu& cmd);
    Reply readBinary(const CommandApdu& cmd);
    Reply verify(const CommandApdu& cmd);
    Reply changeReferenceData(const CommandApdu& cmd);
    Reply resetRetryCounter(const CommandApdu& cmd);
    Reply manageSecurityEnvironment(const CommandApdu& cmd);
    Reply performSecurityOperation(const CommandApdu& cmd);
    Reply getChallenge(const CommandApdu& cmd);
    Reply selectAid(const CommandApdu& cmd);
    Reply getData(const CommandApdu& cmd);

    Reply wrongPin();
    Reply wrongPuk();
};

// ---- dispatch -------------------------------------------------------------------------------

Reply VirtualCnsCard::Impl::dispatch(CommandApdu cmd)
{
    // Only the basic interindustry class, with or without the chaining bit: no secure messaging,
    // no logical channels (ST 2021 answered 6E00 to unknown classes, §8).
    if ((cmd.cla & ~kClaChaining) != 0x00) {
        chain.reset();
        return status(sw::kClaNotSupported);
    }

    // Command chaining (ISO 7816-4 §5.1.1): OpenSC sends the 257-byte RSA-2048 DECIPHER as
    // 10 2A 80 86 FF ... + 00 2A 80 86 02 ... through vpcd (appendix). Intermediate parts are
    // buffered and acknowledged; any other command drops a pending chain.
    if (cmd.isChained()) {
        if (cmd.ins != kInsPerformSecurityOperation) {
            chain.reset();
            return status(sw::kChainingNotSupported);
        }
        if (chain && (chain->ins != cmd.ins || chain->p1 != cmd.p1 || chain->p2 != cmd.p2))
            chain.reset();
        if (!chain) chain = Chain { cmd.ins, cmd.p1, cmd.p2, {} };
        if (chain->data.size() + cmd.data.size() > kMaxChainData) {
            chain.reset();
            return status(sw::kWrongLength);
        }
        chain->data.insert(chain->data.end(), cmd.data.begin(), cmd.data.end());
        return status(sw::kSuccess);
    }
    if (chain) {
        if (chain->ins == cmd.ins && chain->p1 == cmd.p1 && chain->p2 == cmd.p2) {
            Bytes all = std::move(chain->data);
            all.insert(all.end(), cmd.data.begin(), cmd.data.end());
            cmd.data = std::move(all);
        }
        chain.reset();
    }

    // Before SELECT AID of the application (aid-required cards): files, PINs and keys answer as
    // if absent (6A82 for files, 6A88 for references).
    if (locked() && cmd.ins != kInsSelect && cmd.ins != kInsGetChallenge && cmd.ins != kInsGetData)
        return status(cmd.ins == kInsReadBinary ? sw::kCommandNotAllowed : sw::kReferenceNotFound);

    switch (cmd.ins) {
    case kInsSelect:
        return select(cmd);
    case kInsGetData:
        return getData(cmd);
    case kInsReadBinary:
        return readBinary(cmd);
    case kInsVerify:
        return verify(cmd);
    case kInsChangeReferenceData:
        return changeReferenceData(cmd);
    case kInsResetRetryCounter:
        return resetRetryCounter(cmd);
    case kInsManageSecurityEnvironment:
        return manageSecurityEnvironment(cmd);
    case kInsPerformSecurityOperation:
        return performSecurityOperation(cmd);
    case kInsGetChallenge:
        return getChallenge(cmd);
    default:
        // GET DATA (CA/CB) probes of other drivers, GET RESPONSE (no 61xx here), everything else.
        return status(sw::kInsNotSupported);
    }
}

// ---- SELECT (ISO 7816-4 §7.1.1; cns-card.md §8 "SELECT as OpenSC sends it") ------------------

Reply VirtualCnsCard::Impl::select(const CommandApdu& cmd)
{
    // P2: 00 = FCI (template 6F, as the ACe 2025), 04 = FCP (62), 0C = no data.
    if (cmd.p2 != 0x00 && cmd.p2 != 0x04 && cmd.p2 != 0x0C) return status(sw::kIncorrectP1P2);

    std::optional<FilePath> target;
    switch (cmd.p1) {
    case 0x00: // by FID; empty data = MF
        if (cmd.data.empty()) {
            target = FilePath { kMfFid };
        } else if (cmd.data.size() == 2) {
            target
                = tree->resolveFid(currentDf, static_cast<Fid>((cmd.data[0] << 8) | cmd.data[1]));
        } else {
            return status(sw::kWrongLength);
        }
        break;
    case 0x04: // by DF name: the CNS application of AID-based cards, else "not found" (§8)
        return selectAid(cmd);
    case 0x08: // path from the MF, MF excluded
    case 0x09: // path from the current DF
        if (cmd.data.empty() || cmd.data.size() % 2 != 0) return status(sw::kWrongLength);
        target = tree->resolvePath(cmd.p1 == 0x08 ? FilePath { kMfFid } : currentDf, cmd.data);
        break;
    default:
        return status(sw::kIncorrectP1P2);
    }
    if (!target || locked()) return status(sw::kFileNotFound); // current file unchanged

    Reply reply;
    if (cmd.p2 != 0x0C && !image.record.quirks.noFci) {
        reply.data = tree->controlInfo(*target, cmd.p2 == 0x00 ? 0x6F : 0x62);
        if (cmd.le && *cmd.le < reply.data.size())
            return status(StatusWord(0x6C, static_cast<std::uint8_t>(reply.data.size())));
    }
    if (tree->isDf(*target)) {
        currentDf = *target;
        currentEf.reset();
    } else {
        currentDf.assign(target->begin(), target->end() - 1);
        currentEf = *target;
    }
    return reply;
}

Reply VirtualCnsCard::Impl::selectAid(const CommandApdu& cmd)
{
    if (cmd.data.empty() || cmd.data.size() > 16) return status(sw::kWrongLength);
    const bool cns
        = !aid.empty() && std::equal(cmd.data.begin(), cmd.data.end(), aid.begin(), aid.end());
    const bool other = !otherAid.empty()
        && std::equal(cmd.data.begin(), cmd.data.end(), otherAid.begin(), otherAid.end());
    if (!cns && !other) return status(sw::kFileNotFound);
    // Another application leaves the CNS one: its files need the CNS AID again.
    applicationSelected = cns;
    currentDf = FilePath { kMfFid };
    currentEf.reset();
    Reply reply;
    if (cns && cmd.p2 != 0x0C && !image.record.quirks.noFci) {
        // FCI as the ACe 2025 answers it (cns-card.md §1): memory size, DF, AID, FID 3F00,
        // life cycle and access bytes.
        Bytes body { 0x81, 0x02, 0x7F, 0xFF, 0x82, 0x03, 0x38, 0x00, 0x00, 0x84,
            static_cast<std::uint8_t>(aid.size()) };
        body.insert(body.end(), aid.begin(), aid.end());
        const Bytes rest
            = fromHex("83 02 3F 00 85 01 01 86 09 FF FF FF FF FF FF FF FF FF 8A 01 05");
        body.insert(body.end(), rest.begin(), rest.end());
        reply.data = { 0x6F, static_cast<std::uint8_t>(body.size()) };
        reply.data.insert(reply.data.end(), body.begin(), body.end());
        if (cmd.le && *cmd.le != 0 && *cmd.le < reply.data.size())
            return status(StatusWord(0x6C, static_cast<std::uint8_t>(reply.data.size())));
    }
    return reply;
}

// ---- GET DATA (ST 2022: 00 CA 01 80 names the application, "JSign4") ---------------------------

Reply VirtualCnsCard::Impl::getData(const CommandApdu& cmd)
{
    if (profile->getDataName.empty() || cmd.p1 != 0x01 || cmd.p2 != 0x80)
        return status(sw::kInsNotSupported); // the GET DATA probes of other drivers (§8)
    const std::string_view name = profile->getDataName;
    return { Bytes(name.begin(), name.end()), sw::kSuccess };
}

// ---- READ BINARY (§8: chunks <= FF, short last chunk with 9000, 6B00 past the end) ----------

Reply VirtualCnsCard::Impl::readBinary(const CommandApdu& cmd)
{
    // P1 bit 8 set = short EF identifier; no EF of this card has one.
    if ((cmd.p1 & 0x80) != 0) return status(sw::kIncorrectP1P2);
    if (!cmd.data.empty() || !cmd.le) return status(sw::kWrongLength);
    if (!currentEf) return status(sw::kCommandNotAllowed); // 6986: no current EF
    const Bytes& content = tree->ef(*currentEf);
    const std::size_t offset = (std::size_t { cmd.p1 } << 8) | cmd.p2;
    if (offset >= content.size()) return status(sw::kWrongP1P2); // 6B00
    const std::size_t n = std::min(*cmd.le, content.size() - offset);
    // A read running past the end: the remaining bytes with 90 00 (the ACe 2025, §8), with
    // 62 82 "end of file reached", or refused with 6B00 (quirks.readEnd).
    const bool pastEnd = n < *cmd.le;
    const std::string& end = image.record.quirks.readEnd;
    if (pastEnd && end == "6b00") return status(sw::kWrongP1P2);
    const auto first = content.begin() + static_cast<std::ptrdiff_t>(offset);
    return { Bytes(first, first + static_cast<std::ptrdiff_t>(n)),
        pastEnd && end == "6282" ? sw::kEndOfFile : sw::kSuccess };
}

// ---- PIN management (§5) ----------------------------------------------------------------------

Reply VirtualCnsCard::Impl::wrongPin()
{
    pinVerified = false;
    if (image.state.pinTriesLeft > 0) --image.state.pinTriesLeft;
    persist();
    // The attempt that uses the last try blocks the PIN: 63C2, 63C1, then 6983.
    if (image.state.pinTriesLeft == 0) return status(sw::kAuthMethodBlocked);
    return triesLeft(image.state.pinTriesLeft);
}

Reply VirtualCnsCard::Impl::wrongPuk()
{
    pukVerified = false;
    if (image.state.pukTriesLeft > 0) --image.state.pukTriesLeft;
    persist();
    if (image.state.pukTriesLeft == 0) return status(sw::kAuthMethodBlocked);
    return triesLeft(image.state.pukTriesLeft);
}

Reply VirtualCnsCard::Impl::verify(const CommandApdu& cmd)
{
    if (cmd.p1 != 0x00) return status(sw::kIncorrectP1P2);
    const bool isPin = profile->acceptsPinRef(cmd.p2);
    const bool isPuk = profile->acceptsPukRef(cmd.p2);
    if (!isPin && !isPuk) return status(sw::kReferenceNotFound);
    CardState& st = image.state;
    const int left = isPin ? st.pinTriesLeft : st.pukTriesLeft;
    const int max = isPin ? kPinTriesMax : kPukTriesMax;
    bool& verified = isPin ? pinVerified : pukVerified;

    if (cmd.data.empty()) { // tries query (ISO 7816-4 §7.5.6)
        if (left == 0) return status(sw::kAuthMethodBlocked);
        if (verified) return status(sw::kSuccess);
        return triesLeft(left);
    }
    if (cmd.data.size() != kPinBlock) return status(sw::kWrongLength);
    if (left == 0) return status(sw::kAuthMethodBlocked); // even with the right value
    if (!matches(cmd.data, isPin ? st.pin : st.puk)) return isPin ? wrongPin() : wrongPuk();
    verified = true;
    if (left != max) {
        (isPin ? st.pinTriesLeft : st.pukTriesLeft) = max;
        persist();
    }
    return status(sw::kSuccess);
}

Reply VirtualCnsCard::Impl::changeReferenceData(const CommandApdu& cmd)
{
    // 00 24 00 ref 10 <old 8><new 8> (§5).
    if (cmd.p1 != 0x00) return status(sw::kIncorrectP1P2);
    if (profile->acceptsPukRef(cmd.p2)) return status(sw::kConditionsNotSatisfied); // PUK fixed
    if (!profile->acceptsPinRef(cmd.p2)) return status(sw::kReferenceNotFound);
    if (cmd.data.size() != 2 * kPinBlock) return status(sw::kWrongLength);
    CardState& st = image.state;
    if (st.pinTriesLeft == 0) return status(sw::kAuthMethodBlocked);
    const ByteView data(cmd.data);
    if (!matches(data.first(kPinBlock), st.pin)) return wrongPin();
    st.pinTriesLeft = kPinTriesMax;
    const auto pin = newPin(data.subspan(kPinBlock));
    if (!pin) {
        persist();
        return status(sw::kWrongData);
    }
    st.pin = *pin;
    pinVerified = true;
    persist();
    return status(sw::kSuccess);
}

Reply VirtualCnsCard::Impl::resetRetryCounter(const CommandApdu& cmd)
{
    // P1 00: <PUK 8><new PIN 8>; P1 01: <PUK 8> only, the PIN is kept (ISO 7816-4 §7.5.10).
    if (cmd.p1 != 0x00 && cmd.p1 != 0x01) return status(sw::kIncorrectP1P2);
    if (!profile->acceptsPinRef(cmd.p2)) return status(sw::kReferenceNotFound);
    const std::size_t expected = cmd.p1 == 0x00 ? 2 * kPinBlock : kPinBlock;
    if (cmd.data.size() != expected) return status(sw::kWrongLength);
    CardState& st = image.state;
    if (st.pukTriesLeft == 0) return status(sw::kAuthMethodBlocked);
    const ByteView data(cmd.data);
    if (!matches(data.first(kPinBlock), st.puk)) return wrongPuk();
    st.pukTriesLeft = kPukTriesMax;
    if (cmd.p1 == 0x00) {
        const auto pin = newPin(data.subspan(kPinBlock));
        if (!pin) {
            persist();
            return status(sw::kWrongData);
        }
        st.pin = *pin;
    }
    st.pinTriesLeft = kPinTriesMax;
    pinVerified = false;
    persist();
    return status(sw::kSuccess);
}

// ---- MSE (§6 steps 2-3) -----------------------------------------------------------------------

Reply VirtualCnsCard::Impl::manageSecurityEnvironment(const CommandApdu& cmd)
{
    if (cmd.p1 == 0xF3) {
        // RESTORE SE #3: the specification wants a trailing 00 it calls Lc, OpenSC sends it as
        // Le (§6 step 2); both forms, and none, are accepted.
        if (!(cmd.data.empty() || (cmd.data.size() == 1 && cmd.data[0] == 0x00)))
            return status(sw::kWrongLength);
        if (cmd.p2 != 0x03) return status(sw::kReferenceNotFound);
        securityOp = SecurityOp::None;
        mseDf.clear();
        return status(sw::kSuccess);
    }
    if (cmd.p1 != 0xF1 && cmd.p1 != 0x41) return status(sw::kIncorrectP1P2);
    SecurityOp op = SecurityOp::None;
    switch (cmd.p2) {
    case 0xB8:
        op = SecurityOp::Decipher;
        break; // confidentiality template
    case 0xB6:
        op = SecurityOp::Sign;
        break; // digital signature template
    case 0xA4:
        op = SecurityOp::Authenticate;
        break; // authentication template (unused, #1271)
    default:
        return status(sw::kIncorrectP1P2);
    }
    // Control reference template: simple TLVs; only tag 83 (key reference) matters (§6 step 3).
    std::optional<std::uint8_t> keyRef;
    for (std::size_t i = 0; i < cmd.data.size();) {
        if (i + 2 > cmd.data.size()) return status(sw::kWrongData);
        const std::uint8_t tag = cmd.data[i];
        const std::size_t len = cmd.data[i + 1];
        if (i + 2 + len > cmd.data.size()) return status(sw::kWrongData);
        if (tag == 0x83) {
            if (len != 1) return status(sw::kWrongData);
            keyRef = cmd.data[i + 2];
        }
        i += 2 + len;
    }
    if (!keyRef) return status(sw::kWrongData);
    if (!key || !profile->cnsApplication || *keyRef != profile->keyRef)
        return status(sw::kReferenceNotFound);
    securityOp = op;
    // IDEMIA 2021: the key lives in a DF that must be current now, else PSO answers 6984 (§8).
    mseDf = currentDf;
    return status(sw::kSuccess);
}

// ---- PSO DECIPHER / COMPUTE DIGITAL SIGNATURE (§6) --------------------------------------------

Reply VirtualCnsCard::Impl::performSecurityOperation(const CommandApdu& cmd)
{
    const bool decipher = cmd.p1 == 0x80 && cmd.p2 == 0x86;
    const bool sign = cmd.p1 == 0x9E && cmd.p2 == 0x9A;
    if (!decipher && !sign) return status(sw::kIncorrectP1P2);
    if (!pinVerified) return status(sw::kSecurityNotSatisfied);
    if (securityOp != (decipher ? SecurityOp::Decipher : SecurityOp::Sign) || !key)
        return status(sw::kConditionsNotSatisfied);
    if (!profile->keyDf.empty() && mseDf != parseFilePath(profile->keyDf))
        return status(sw::kReferenceDataNotUsable);

    Bytes result;
    if (decipher) {
        // 00 <modulus-length block>: padding indicator 00, then the raw RSA private operation
        // (OpenSC emulates signing through it, §6).
        if (cmd.data.size() != 1 + modulusLen) return status(sw::kWrongLength);
        if (cmd.data[0] != 0x00) return status(sw::kWrongData);
        result = ossl::rsaRawPrivate(key.get(), ByteView(cmd.data).subspan(1));
    } else {
        // A full block is used as is (host padding, what OpenSC sends); a shorter input (a
        // DigestInfo) gets PKCS#1 v1.5 type 1 padding first (§6 "Other operations").
        if (cmd.data.empty() || cmd.data.size() > modulusLen) return status(sw::kWrongLength);
        if (cmd.data.size() == modulusLen) {
            result = ossl::rsaRawPrivate(key.get(), cmd.data);
        } else {
            if (cmd.data.size() + 11 > modulusLen) return status(sw::kWrongLength);
            result = ossl::rsaPkcs1Sign(key.get(), cmd.data);
        }
    }
    if (result.empty()) return status(sw::kWrongData); // block not below the modulus
    return { std::move(result), sw::kSuccess };
}

// ---- GET CHALLENGE (§6: IDEMIA 2021 gives at most 32 bytes) ----------------------------------

Reply VirtualCnsCard::Impl::getChallenge(const CommandApdu& cmd)
{
    if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return status(sw::kIncorrectP1P2);
    if (!cmd.data.empty() || !cmd.le || *cmd.le > profile->maxChallenge)
        return status(sw::kWrongLength);
    return { ossl::randomBytes(*cmd.le), sw::kSuccess };
}

// ---- public API ---------------------------------------------------------------------------------

namespace {

    std::unique_ptr<VirtualCnsCard::Impl> makeImpl(CardImage image, std::optional<fs::path> dir)
    {
        auto impl = std::make_unique<VirtualCnsCard::Impl>();
        const std::string where = dir ? dir->string() + ": " : std::string();
        impl->profile = findProfile(image.record.profile);
        if (impl->profile == nullptr) (void)requireProfile(image.record.profile); // throws
        try {
            impl->atr = fromHex(image.record.atrHex);
        } catch (const Error& e) {
            throw Error(Errc::BadArgument, "card image: " + where + "bad ATR: " + e.message());
        }
        if (impl->atr.size() < 2 || impl->atr.size() > 33)
            throw Error(Errc::BadArgument, "card image: " + where + "ATR must have 2 to 33 bytes");
        if (!image.keyPem.empty() || impl->profile->cnsApplication) {
            if (image.keyPem.empty())
                throw Error(Errc::BadArgument, "card image: " + where + "key.pem is missing");
            impl->key = ossl::cachedPrivateKeyPem(image.keyPem);
            if (!impl->key || EVP_PKEY_is_a(impl->key.get(), "RSA") != 1)
                throw Error(Errc::BadArgument,
                    "card image: " + where + "key.pem does not hold an RSA private key");
            impl->modulusLen = ossl::modulusBytes(impl->key.get());
        }
        impl->image = std::move(image);
        impl->dir = std::move(dir);
        impl->tree.emplace(impl->image.files, *impl->profile);
        impl->aid = impl->profile->aid();
        if (!impl->profile->otherAidHex.empty())
            impl->otherAid = fromHex(impl->profile->otherAidHex);
        impl->aidRequired = impl->profile->aidRequired || impl->image.record.quirks.aidRequired;
        return impl;
    }

} // namespace

VirtualCnsCard::VirtualCnsCard(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl))
{
}

VirtualCnsCard::~VirtualCnsCard() = default;

std::unique_ptr<VirtualCnsCard> VirtualCnsCard::load(const fs::path& dir)
{
    return std::unique_ptr<VirtualCnsCard>(new VirtualCnsCard(makeImpl(readCardImage(dir), dir)));
}

std::unique_ptr<VirtualCnsCard> VirtualCnsCard::fromImage(CardImage image)
{
    return std::unique_ptr<VirtualCnsCard>(
        new VirtualCnsCard(makeImpl(std::move(image), std::nullopt)));
}

const Bytes& VirtualCnsCard::atr() const
{
    return impl_->atr;
}

void VirtualCnsCard::powerOn()
{
    impl_->powered = true;
    impl_->clearSecurityState();
}

void VirtualCnsCard::powerOff()
{
    impl_->powered = false;
    impl_->clearSecurityState();
}

void VirtualCnsCard::reset()
{
    impl_->powered = true;
    impl_->clearSecurityState();
}

bool VirtualCnsCard::powered() const
{
    return impl_->powered;
}

Bytes VirtualCnsCard::process(ByteView command)
{
    Reply reply;
    try {
        if (!impl_->powered) powerOn();
        CommandApdu cmd;
        bool decoded = true;
        try {
            cmd = CommandApdu::decode(command);
        } catch (const Error&) {
            decoded = false; // header too short, Lc not matching the body, ...
        }
        if (decoded) {
            reply = impl_->dispatch(std::move(cmd));
        } else {
            impl_->chain.reset();
            reply = status(sw::kWrongLength);
        }
    } catch (...) {
        reply = status(sw::kNoPreciseDiagnosis);
    }
    try {
        reply.data.push_back(reply.sw.sw1());
        reply.data.push_back(reply.sw.sw2());
        return std::move(reply.data);
    } catch (...) {
        return Bytes {};
    }
}

ResponseApdu VirtualCnsCard::transmit(const CommandApdu& command)
{
    return ResponseApdu::decode(process(command.encode()));
}

int VirtualCnsCard::pinTriesLeft() const
{
    return impl_->image.state.pinTriesLeft;
}

int VirtualCnsCard::pukTriesLeft() const
{
    return impl_->image.state.pukTriesLeft;
}

bool VirtualCnsCard::pinVerified() const
{
    return impl_->pinVerified;
}

const Profile& VirtualCnsCard::profile() const
{
    return *impl_->profile;
}

const CardImage& VirtualCnsCard::image() const
{
    return impl_->image;
}

} // namespace tscns::vcard
