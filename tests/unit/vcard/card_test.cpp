// SPDX-License-Identifier: LGPL-2.1-or-later
// VirtualCnsCard state machine through process()/transmit(): SELECT, READ BINARY, PIN/PUK,
// MSE/PSO (short, extended and chained), GET CHALLENGE, security state, persistence.
#include "tscns/apdu/command_apdu.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <fstream>
#include <iterator>

// Last: it brings cmocka, whose fail() macro clashes with std::basic_ios::fail().
#include "card_test_support.hpp"

using namespace tscns;
using namespace tscns::vcard;
using namespace tscns::vcard::test;

namespace {

CardFixture* fx(void** state)
{
    return static_cast<CardFixture*>(*state);
}

// ---- helpers (they own every object with a destructor; tests only assert on results) -------

bool verifyPin(CardFixture* f, std::string_view pin, std::uint8_t ref, std::uint16_t sw)
{
    char header[16];
    std::snprintf(header, sizeof header, "002000%02X08", ref);
    return exchange(f, std::string(header) + pinBlockHex(pin), sw);
}

bool verifyQuery(CardFixture* f, std::uint8_t ref, std::uint16_t sw)
{
    char apdu[16];
    std::snprintf(apdu, sizeof apdu, "002000%02X", ref);
    return exchange(f, apdu, sw);
}

bool changePin(CardFixture* f, std::string_view oldPin, std::string_view newPin, std::uint16_t sw)
{
    return exchange(f, "0024001010" + pinBlockHex(oldPin) + pinBlockHex(newPin), sw);
}

bool unblockPin(CardFixture* f, std::string_view puk, std::string_view newPin, std::uint16_t sw)
{
    return exchange(f, "002C001010" + pinBlockHex(puk) + pinBlockHex(newPin), sw);
}

std::string fileHex(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    const Bytes data { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
    return toHex(data);
}

// The public key of cert.pem.
EVP_PKEY* certKey(CardFixture* f)
{
    BIO* bio = BIO_new_mem_buf(f->image.certPem.data(), static_cast<int>(f->image.certPem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (cert == nullptr) return nullptr;
    EVP_PKEY* key = X509_get_pubkey(cert);
    X509_free(cert);
    return key;
}

// Raw RSA public operation on the last answer must give back `block`.
bool publicRawCheck(CardFixture* f, ByteView block)
{
    EVP_PKEY* key = certKey(f);
    EVP_PKEY_CTX* ctx = key != nullptr ? EVP_PKEY_CTX_new(key, nullptr) : nullptr;
    Bytes out(f->data.size());
    std::size_t outLen = out.size();
    const bool ok = ctx != nullptr && EVP_PKEY_encrypt_init(ctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1
        && EVP_PKEY_encrypt(ctx, out.data(), &outLen, f->data.data(), f->data.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    ERR_clear_error();
    if (!ok) {
        f->error = "raw RSA public operation failed on a " + std::to_string(f->data.size())
            + "-byte answer";
        return false;
    }
    out.resize(outLen);
    if (out != Bytes(block.begin(), block.end())) {
        f->error = "public(result) != block\n  got:   " + toHexSpaced(out)
            + "\n  block: " + toHexSpaced(block);
        return false;
    }
    return true;
}

// PKCS#1 v1.5 signature recovery with the certificate key must give back `digestInfo`.
bool publicPkcs1Check(CardFixture* f, ByteView digestInfo)
{
    EVP_PKEY* key = certKey(f);
    EVP_PKEY_CTX* ctx = key != nullptr ? EVP_PKEY_CTX_new(key, nullptr) : nullptr;
    Bytes out(f->data.size());
    std::size_t outLen = out.size();
    const bool ok = ctx != nullptr && EVP_PKEY_verify_recover_init(ctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1
        && EVP_PKEY_verify_recover(ctx, out.data(), &outLen, f->data.data(), f->data.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    ERR_clear_error();
    if (!ok) {
        f->error = "PKCS#1 verify-recover failed";
        return false;
    }
    out.resize(outLen);
    if (out != Bytes(digestInfo.begin(), digestInfo.end())) {
        f->error = "recovered DigestInfo differs: " + toHexSpaced(out);
        return false;
    }
    return true;
}

// A modulus-length block below the modulus (leading 00).
Bytes testBlock(std::size_t n)
{
    Bytes block(n);
    for (std::size_t i = 0; i < n; ++i)
        block[i] = static_cast<std::uint8_t>(0x5A ^ (i * 7));
    block[0] = 0x00;
    return block;
}

enum class Form { Short, Extended, Chained };

// SHA-256 DigestInfo of "abc".
constexpr const char* kDigestInfoAbc
    = "3031300d060960864801650304020105000420"
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// VERIFY answers for the i-th wrong PIN of a fresh card: 63C2, 63C1, 6983.
std::uint16_t wrongPinSw(int i)
{
    return i == 0 ? 0x63C2 : i == 1 ? 0x63C1 : 0x6983;
}

// MSE RESTORE + MSE SET B8 + PSO DECIPHER in the given form, then the public-key check.
bool decipherRoundTrip(CardFixture* f, std::size_t modulusLen, Form form, std::uint8_t keyRef)
{
    char mse[32];
    std::snprintf(mse, sizeof mse, "0022F1B8038301%02X", keyRef);
    if (!exchange(f, "0022F30300", 0x9000) || !exchange(f, mse, 0x9000)) return false;
    const Bytes block = testBlock(modulusLen);
    Bytes body { 0x00 };
    body.insert(body.end(), block.begin(), block.end());
    switch (form) {
    case Form::Short: {
        Bytes apdu { 0x00, 0x2A, 0x80, 0x86, static_cast<std::uint8_t>(body.size()) };
        apdu.insert(apdu.end(), body.begin(), body.end());
        apdu.push_back(0x00);
        if (!exchangeBytes(f, apdu, 0x9000)) return false;
        break;
    }
    case Form::Extended: {
        Bytes apdu { 0x00, 0x2A, 0x80, 0x86, 0x00, static_cast<std::uint8_t>(body.size() >> 8),
            static_cast<std::uint8_t>(body.size() & 0xFF) };
        apdu.insert(apdu.end(), body.begin(), body.end());
        apdu.push_back(static_cast<std::uint8_t>(modulusLen >> 8));
        apdu.push_back(static_cast<std::uint8_t>(modulusLen & 0xFF));
        if (!exchangeBytes(f, apdu, 0x9000)) return false;
        break;
    }
    case Form::Chained: {
        // As OpenSC 0.23 through vpcd: 10 2A 80 86 FF <255 bytes>, then 00 2A 80 86 02 <2> 00.
        Bytes first { 0x10, 0x2A, 0x80, 0x86, 0xFF };
        first.insert(first.end(), body.begin(), body.begin() + 255);
        if (!exchangeBytes(f, first, 0x9000)) return false;
        if (!f->data.empty()) {
            f->error = "intermediate chain part answered data";
            return false;
        }
        Bytes last { 0x00, 0x2A, 0x80, 0x86, static_cast<std::uint8_t>(body.size() - 255) };
        last.insert(last.end(), body.begin() + 255, body.end());
        last.push_back(0x00);
        if (!exchangeBytes(f, last, 0x9000)) return false;
        break;
    }
    }
    if (f->data.size() != modulusLen) {
        f->error = "result has " + std::to_string(f->data.size()) + " bytes, expected "
            + std::to_string(modulusLen);
        return false;
    }
    return publicRawCheck(f, block);
}

bool readWholeEf(CardFixture* f, Bytes& out)
{
    out.clear();
    for (std::size_t offset = 0;; offset += 0xFF) {
        char apdu[16];
        std::snprintf(apdu, sizeof apdu, "00B0%04XFF", static_cast<unsigned>(offset));
        Bytes cmd = fromHex(apdu);
        Bytes response = f->card->process(cmd);
        const std::uint16_t sw
            = static_cast<std::uint16_t>((response[response.size() - 2] << 8) | response.back());
        if (sw == 0x6B00) return true;
        if (sw != 0x9000) {
            f->error = "READ BINARY at " + std::to_string(offset) + " answered " + toHex(response);
            return false;
        }
        out.insert(out.end(), response.begin(), response.end() - 2);
        if (response.size() - 2 < 0xFF) return true;
    }
}

bool efEquals(CardFixture* f, const char* path, const Bytes& read)
{
    const Bytes& expected = f->image.files.at(parseFilePath(path));
    if (read != expected) {
        f->error = std::string("EF ") + path + " read back differs (" + std::to_string(read.size())
            + " vs " + std::to_string(expected.size()) + " bytes)";
        return false;
    }
    return true;
}

bool readEfMatches(CardFixture* f, const char* selectHex, const char* path)
{
    Bytes read;
    return exchange(f, selectHex, 0x9000) && readWholeEf(f, read) && efEquals(f, path, read);
}

// ---- SELECT ------------------------------------------------------------------------------------

void select_mfWithFci_returnsDfTemplate(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f,
        exchange(
            f, "00A40000023F0000", 0x9000, "6F15 820138 83023F00 8609FFFFFFFFFFFFFFFFFF 8A0105"));
    VT_CHECK(f,
        exchange(
            f, "00A40004023F0000", 0x9000, "6215 820138 83023F00 8609FFFFFFFFFFFFFFFFFF 8A0105"));
    VT_CHECK(f, exchange(f, "00A4000C023F00", 0x9000, ""));
    VT_CHECK(f, exchange(f, "00A40000", 0x9000)); // empty data = MF
}

void select_datiPersonaliWithFci_reportsSize400(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f,
        exchange(f, "00A40800041100110200", 0x9000,
            "6F19 80020190 820101 83021102 860900FFFFFFFFFFFFFFFF 8A0105"));
}

void select_idCartaByPathNoFci_returnsNoData(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "00A4080C0410001003", 0x9000, ""));
    VT_CHECK(f, exchange(f, "00B00000FF", 0x9000));
    assert_int_equal(f->data.size(), 16);
    assert_memory_equal(f->data.data(), f->image.record.cardId.data(), 16);
}

void select_byFid_walksChildrenParentAndSiblings(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "00A4000C023F00", 0x9000));
    VT_CHECK(f, exchange(f, "00A4000C021100", 0x9000)); // child DF
    VT_CHECK(f, exchange(f, "00A4000C021101", 0x9000)); // child EF
    VT_CHECK(f, exchange(f, "00A4000C021102", 0x9000)); // sibling EF (current DF is 1100)
    VT_CHECK(f, exchange(f, "00A4000C021000", 0x9000)); // sibling of the current DF
    VT_CHECK(f, exchange(f, "00A4000C021003", 0x9000));
    VT_CHECK(f, exchange(f, "00B00000FF", 0x9000));
    assert_int_equal(f->data.size(), 16);
    VT_CHECK(f, exchange(f, "00A4000C021000", 0x9000)); // the current DF itself
    VT_CHECK(f, exchange(f, "00A4000C021101", 0x6A82)); // not a child of 1000 nor of the MF
}

void select_pathFromCurrentDf_p1_09(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "00A4080C021100", 0x9000));
    VT_CHECK(f, exchange(f, "00A4090C021102", 0x9000));
    VT_CHECK(f, exchange(f, "00A4090C021102", 0x9000)); // the EF's parent stays current
    VT_CHECK(f, exchange(f, "00A4090C021003", 0x6A82)); // not below 1100
    VT_CHECK(f, exchange(f, "00A4000C023F00", 0x9000));
    VT_CHECK(f, exchange(f, "00A409000410001003 00", 0x9000));
    assert_int_equal(f->data[0], 0x6F);
}

void select_absentFiles_return6A82(void** state)
{
    CardFixture* f = fx(state);
    // What OpenSC 0.23 probes on a classic card (cns-card.md appendix).
    VT_CHECK(f, exchange(f, "00A4000C022F00", 0x6A82));
    VT_CHECK(f, exchange(f, "00A4000C025015", 0x6A82));
    VT_CHECK(f, exchange(f, "00A4080C042FFF8228", 0x6A82));
    VT_CHECK(f, exchange(f, "00A4080C0414009010", 0x6A82));
    VT_CHECK(f, exchange(f, "00A4080C06140090012002", 0x6A82));
    VT_CHECK(f, exchange(f, "00A40000023F0000", 0x9000));
    VT_CHECK(f, exchange(f, "00A4000C023F01", 0x6A82));
    VT_CHECK(f, exchange(f, "00A4080C043F001000", 0x6A82)); // P1=08 paths exclude the MF
}

void select_aidProbesAndGetData_areRejected(void** state)
{
    CardFixture* f = fx(state);
    static const char* const kProbes[] = {
        "00A4040007A000000116010000", // CoolKey-like
        "00A4040006A0000000010100", // MUSCLE
        "00A404000BE82B0601040181C31F020100", // SmartCard-HSM
        "00A404000BA000000308000010000100", // PIV
        "00A4040007A000000079100000", // CAC
        "00A4040007A000000079010000",
        "00A4040007A00000007901 0F00",
    };
    for (const char* probe : kProbes)
        VT_CHECK(f, exchange(f, probe, 0x6A82));
    VT_CHECK(f, exchange(f, "00CADF3000", 0x6D00)); // GET DATA
    VT_CHECK(f, exchange(f, "00CA3FFF00", 0x6D00));
    VT_CHECK(f, exchange(f, "00C0000000", 0x6D00)); // GET RESPONSE: no 61xx on this card
}

void select_badParameters_returnIsoErrors(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "00A40008023F00", 0x6A86)); // P2 08
    VT_CHECK(f, exchange(f, "00A40200023F00", 0x6A86)); // P1 02
    VT_CHECK(f, exchange(f, "00A4000C033F0000", 0x6700)); // Lc 3 with P1 00
    VT_CHECK(f, exchange(f, "00A4080C03100010", 0x6700)); // odd path
    VT_CHECK(f, exchange(f, "00A40800041100110210", 0x6C1B)); // Le too small for the FCI
    VT_CHECK(f, exchange(f, "80A4000C023F00", 0x6E00)); // CLA
    VT_CHECK(f, exchange(f, "0CA4000C023F00", 0x6E00));
    VT_CHECK(f, exchange(f, "00A4", 0x6700)); // no header
    VT_CHECK(f, exchange(f, "00", 0x6700));
    VT_CHECK(f, exchange(f, "00A4000C053F00", 0x6700)); // Lc does not match
}

void select_failure_keepsCurrentFile(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "00A4080C0410001003", 0x9000));
    VT_CHECK(f, exchange(f, "00A4080C0410001004", 0x6A82));
    VT_CHECK(f, exchange(f, "00B00000FF", 0x9000));
    assert_int_equal(f->data.size(), 16);
}

// ---- READ BINARY -------------------------------------------------------------------------------

void readBinary_chunks_lastShortThenPastEnd6B00(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "00A40800041100110200", 0x9000));
    VT_CHECK(f, exchange(f, "00B00000FF", 0x9000));
    assert_int_equal(f->data.size(), 255);
    VT_CHECK(f, exchange(f, "00B000FF01", 0x9000));
    assert_int_equal(f->data.size(), 1);
    VT_CHECK(f, exchange(f, "00B0010000", 0x9000)); // Le 00 = 256, 144 left: short, 9000
    assert_int_equal(f->data.size(), 144);
    VT_CHECK(f, exchange(f, "00B0018F05", 0x9000));
    assert_int_equal(f->data.size(), 1);
    VT_CHECK(f, exchange(f, "00B00190FF", 0x6B00)); // offset == size
    VT_CHECK(f, exchange(f, "00B07FFF01", 0x6B00));
    VT_CHECK(f, readEfMatches(f, "00A4080C0411001102", "3F00/1100/1102"));
}

void readBinary_certificate_matchesCertPem(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, readEfMatches(f, "00A4080C0411001101", "3F00/1100/1101"));
    // Extended Le: the whole certificate at once.
    VT_CHECK(f, exchange(f, "00B00000000800", 0x9000));
    VT_CHECK(f, efEquals(f, "3F00/1100/1101", f->data));
}

void readBinary_errors(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "00B00000FF", 0x6986)); // MF current, no EF
    VT_CHECK(f, exchange(f, "00A4080C0411001102", 0x9000));
    VT_CHECK(f, exchange(f, "00B08100FF", 0x6A86)); // short EF identifier
    VT_CHECK(f, exchange(f, "00B0000001AA", 0x6700)); // data field
    VT_CHECK(f, exchange(f, "00B00000", 0x6700)); // no Le
    VT_CHECK(f, exchange(f, "00A4080C021100", 0x9000));
    VT_CHECK(f, exchange(f, "00B00000FF", 0x6986)); // a DF was selected
}

// ---- PIN / PUK ---------------------------------------------------------------------------------

void verify_wrongPinThreeTimes_blocksEvenRightPin(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyQuery(f, 0x10, 0x63C3));
    VT_CHECK(f, verifyPin(f, "11111", 0x10, 0x63C2));
    VT_CHECK(f, verifyPin(f, "11111", 0x10, 0x63C1));
    VT_CHECK(f, verifyPin(f, "11111", 0x10, 0x6983));
    assert_int_equal(f->card->pinTriesLeft(), 0);
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x6983));
    VT_CHECK(f, verifyQuery(f, 0x10, 0x6983));
    assert_false(f->card->pinVerified());
}

void verify_rightPin_resetsTries(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "54321", 0x10, 0x63C2));
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x9000));
    assert_int_equal(f->card->pinTriesLeft(), 3);
    assert_true(f->card->pinVerified());
    VT_CHECK(f, verifyQuery(f, 0x10, 0x9000));
    VT_CHECK(f, verifyPin(f, "54321", 0x10, 0x63C2)); // a wrong PIN drops the verified state
    assert_false(f->card->pinVerified());
}

void verify_stincardReference90_acceptedOnlyOnSt(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "12345", 0x90, 0x9000));
    VT_CHECK(f, verifyPin(f, "87654321", 0x91, 0x9000));
}

void verify_athenaReference90_returns6A88(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "12345", 0x90, 0x6A88));
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x9000));
}

void verify_badParameters(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "12345", 0x1A, 0x6A88)); // no signature PIN on a TS-CNS
    VT_CHECK(f, exchange(f, "00200010053132333435", 0x6700)); // not padded to 8
    VT_CHECK(f, exchange(f, "0020011008" + pinBlockHex("12345"), 0x6A86));
    assert_int_equal(f->card->pinTriesLeft(), 3);
}

void unblock_withPuk_thenNewPinVerifies(void** state)
{
    CardFixture* f = fx(state);
    for (int i = 0; i < 3; ++i)
        VT_CHECK(f, verifyPin(f, "00000", 0x10, wrongPinSw(i)));
    VT_CHECK(f, unblockPin(f, "87654321", "246810", 0x9000));
    assert_int_equal(f->card->pinTriesLeft(), 3);
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x63C2));
    VT_CHECK(f, verifyPin(f, "246810", 0x10, 0x9000));
}

void unblock_p1_01_keepsPin(void** state)
{
    CardFixture* f = fx(state);
    for (int i = 0; i < 3; ++i)
        VT_CHECK(f, verifyPin(f, "00000", 0x10, wrongPinSw(i)));
    VT_CHECK(f, exchange(f, "002C011008" + pinBlockHex("87654321"), 0x9000));
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x9000));
}

void unblock_wrongPuk_countsPukTries(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, unblockPin(f, "11111111", "24681", 0x63C9));
    VT_CHECK(f, unblockPin(f, "87654321", "2468", 0x6A80)); // new PIN too short
    assert_int_equal(f->card->pukTriesLeft(), 10); // the right PUK reset the counter
    for (int left = 9; left >= 1; --left)
        VT_CHECK(f, unblockPin(f, "11111111", "24681", static_cast<std::uint16_t>(0x63C0 | left)));
    VT_CHECK(f, unblockPin(f, "11111111", "24681", 0x6983));
    VT_CHECK(f, unblockPin(f, "87654321", "24681", 0x6983)); // blocked for good
    VT_CHECK(f, verifyQuery(f, 0x11, 0x6983));
    assert_int_equal(f->card->pukTriesLeft(), 0);
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x9000)); // the PIN is unaffected
}

void changeReferenceData_oldPinFailsAfterwards(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, changePin(f, "99999", "55555", 0x63C2)); // wrong old PIN counts
    VT_CHECK(f, changePin(f, "12345", "1234", 0x6A80)); // new PIN too short
    VT_CHECK(f, changePin(f, "12345", "12a45", 0x6A80)); // not digits
    VT_CHECK(f, changePin(f, "12345", "13579246", 0x9000));
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x63C2));
    VT_CHECK(f, verifyPin(f, "13579246", 0x10, 0x9000));
    VT_CHECK(f,
        exchange(f, "0024001110" + pinBlockHex("87654321") + pinBlockHex("11111111"),
            0x6985)); // the PUK cannot be changed
    VT_CHECK(f, exchange(f, "002400100812345FFFFFFFFFFF", 0x6700));
}

// ---- MSE / PSO ---------------------------------------------------------------------------------

void pso_decipherWithoutPin_returns6982(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "0022F30300", 0x9000));
    VT_CHECK(f, exchange(f, "0022F1B803830101", 0x9000));
    VT_CHECK(f, exchange(f, "002A8086810000" + std::string(254, '5') + "00", 0x6982));
}

void pso_decipher1024_shortApdu(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x9000));
    VT_CHECK(f, decipherRoundTrip(f, 128, Form::Short, 0x01));
}

void pso_decipher2048_extendedApdu(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "12345", 0x90, 0x9000));
    VT_CHECK(f, decipherRoundTrip(f, 256, Form::Extended, 0x01));
}

void pso_decipher2048_chainedApdu(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "12345", 0x90, 0x9000));
    VT_CHECK(f, decipherRoundTrip(f, 256, Form::Chained, 0x01));
    // Twice in a row: the chain buffer starts empty again.
    VT_CHECK(f, decipherRoundTrip(f, 256, Form::Chained, 0x01));
}

void pso_interruptedChain_isDropped(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x9000));
    VT_CHECK(f, exchange(f, "0022F1B803830101", 0x9000));
    VT_CHECK(f, exchange(f, "102A8086FF00" + std::string(508, '1'), 0x9000));
    VT_CHECK(f, exchange(f, "00A4000C023F00", 0x9000)); // interrupts the chain
    VT_CHECK(f, exchange(f, "002A8086021111 00", 0x6700)); // 2 bytes alone: wrong length
    VT_CHECK(f, exchange(f, "10A4000C023F00", 0x6884)); // chaining only for PSO
}

void pso_errors(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x9000));
    VT_CHECK(f, exchange(f, "002A808681" + toHex(testBlock(129)) + "00", 0x6985)); // no MSE
    VT_CHECK(f, exchange(f, "0022F1B803830102", 0x6A88)); // wrong key reference
    VT_CHECK(f, exchange(f, "0022F1B803840101", 0x6A80)); // no tag 83
    VT_CHECK(f, exchange(f, "0022F1B8", 0x6A80));
    VT_CHECK(f, exchange(f, "0022F1AA03830101", 0x6A86));
    VT_CHECK(f, exchange(f, "0022F30400", 0x6A88)); // only SE #3
    VT_CHECK(f, exchange(f, "0022F1B803830101", 0x9000));
    VT_CHECK(f, exchange(f, "002A808681" + toHex(testBlock(129)) + "00", 0x6700)); // 1024 on 2048
    VT_CHECK(f, exchange(f, "002A9E9A20" + std::string(64, '1') + "00", 0x6985)); // CDS needs B6
    VT_CHECK(f, exchange(f, "002A8084020000", 0x6A86));
    // 00 FF..FF: the block is not below the modulus.
    VT_CHECK(f, exchange(f, "002A808600010100" + toHex(Bytes(256, 0xFF)) + "0100", 0x6A80));
    // Padding indicator other than 00.
    VT_CHECK(f, exchange(f, "002A808600010181" + toHex(testBlock(256)) + "0100", 0x6A80));
}

void pso_computeSignature_rawBlockAndDigestInfo(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x9000));
    VT_CHECK(f, exchange(f, "0022F30300", 0x9000));
    VT_CHECK(f, exchange(f, "0022F1B603830101", 0x9000));
    VT_CHECK(f, exchange(f, "002A9E9A80" + toHex(testBlock(128)) + "00", 0x9000));
    VT_CHECK(f, publicRawCheck(f, testBlock(128)));
    VT_CHECK(f, exchange(f, "002A9E9A33" + std::string(kDigestInfoAbc) + "00", 0x9000));
    VT_CHECK(f, publicPkcs1Check(f, fromHex(kDigestInfoAbc)));
    VT_CHECK(f, exchange(f, "002A9E9A76" + toHex(Bytes(118, 0x01)) + "00", 0x6700)); // > k-11
}

// ---- GET CHALLENGE -----------------------------------------------------------------------------

void getChallenge_upTo256OnClassicCards(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "0084000008", 0x9000));
    assert_int_equal(f->data.size(), 8);
    VT_CHECK(f, exchange(f, "0084000000", 0x9000));
    assert_int_equal(f->data.size(), 256);
    VT_CHECK(f, exchange(f, "0084000100", 0x6A86));
    VT_CHECK(f, exchange(f, "00840000", 0x6700));
}

// ---- security state ----------------------------------------------------------------------------

void reset_clearsSecurityState(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x9000));
    VT_CHECK(f, exchange(f, "0022F1B803830101", 0x9000));
    VT_CHECK(f, exchange(f, "00A4080C0411001102", 0x9000));
    f->card->reset();
    assert_false(f->card->pinVerified());
    VT_CHECK(f, exchange(f, "00B00000FF", 0x6986)); // current file back to the MF
    VT_CHECK(f, verifyQuery(f, 0x10, 0x63C3));
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x9000));
    VT_CHECK(f, exchange(f, "002A808681" + toHex(testBlock(129)) + "00", 0x6985)); // MSE gone
    VT_CHECK(f, exchange(f, "102A8086FF00" + std::string(508, '1'), 0x9000));
    f->card->powerOff();
    assert_false(f->card->powered());
    f->card->powerOn();
    assert_true(f->card->powered());
    assert_false(f->card->pinVerified());
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x9000));
    VT_CHECK(f, exchange(f, "0022F1B803830101", 0x9000));
    VT_CHECK(f, exchange(f, "002A8086021111 00", 0x6700)); // the chain was dropped too
}

void process_whilePoweredOff_powersOn(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x9000));
    f->card->powerOff();
    VT_CHECK(f, verifyQuery(f, 0x10, 0x63C3));
    assert_true(f->card->powered());
}

void transmit_encodesAndDecodes(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_NO_THROW([&] {
        apdu::ResponseApdu r = f->card->transmit(
            apdu::CommandApdu { 0x00, 0xA4, 0x08, 0x0C, { 0x10, 0x00, 0x10, 0x03 }, std::nullopt });
        r = f->card->transmit(apdu::CommandApdu { 0x00, 0xB0, 0x00, 0x00, {}, 0xFF });
        f->data = r.data;
        f->sw = r.sw.value();
    });
    assert_int_equal(f->sw, 0x9000);
    assert_int_equal(f->data.size(), 16);
}

void atr_isTheProfileAtr(void** state)
{
    CardFixture* f = fx(state);
    f->data = f->card->atr();
    TSCNS_ASSERT_BYTES(f->data, f->card->profile().atr());
    assert_int_equal(f->data.size(), 25);
}

// ---- persistence -------------------------------------------------------------------------------

void tries_persistAcrossLoad(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "11111", 0x10, 0x63C2));
    VT_CHECK(f, verifyPin(f, "11111", 0x10, 0x63C1));
    VT_CHECK(f, unblockPin(f, "11111111", "24681", 0x63C9));
    VT_CHECK(f, reload(f));
    assert_int_equal(f->card->pinTriesLeft(), 1);
    assert_int_equal(f->card->pukTriesLeft(), 9);
    VT_CHECK(f, verifyQuery(f, 0x10, 0x63C1));
    VT_CHECK(f, changePin(f, "12345", "97531", 0x9000));
    VT_CHECK(f, reload(f));
    assert_int_equal(f->card->pinTriesLeft(), 3);
    VT_CHECK(f, verifyPin(f, "97531", 0x10, 0x9000));
    f->error = fileHex(f->dir / "state.json.tmp");
    assert_true(f->error.empty()); // no temporary left behind
}

// ---- IDEMIA 2021 -------------------------------------------------------------------------------

void idemia_keyDfMustBeSelectedBeforeMse(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x9000));
    VT_CHECK(f, verifyPin(f, "12345", 0x90, 0x6A88)); // not an STIncard mask
    VT_CHECK(f, exchange(f, "0022F30300", 0x9000));
    VT_CHECK(f, exchange(f, "0022F1B803830101", 0x6A88)); // key ref is 02 here
    VT_CHECK(f, exchange(f, "0022F1B803830102", 0x9000)); // at the MF
    VT_CHECK(f, exchange(f, "002A8086000101" + toHex(testBlock(257)) + "0100", 0x6984));
    VT_CHECK(f, exchange(f, "00A4080C0414009002", 0x9000));
    VT_CHECK(f, decipherRoundTrip(f, 256, Form::Extended, 0x02));
    VT_CHECK(f, decipherRoundTrip(f, 256, Form::Chained, 0x02));
}

void idemia_layout(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "00A4080C0411001101", 0x6A82)); // no classic certificate
    VT_CHECK(f, readEfMatches(f, "00A4080C06140090012002", "3F00/1400/9001/2002"));
    VT_CHECK(f, readEfMatches(f, "00A4080C0411001102", "3F00/1100/1102"));
    VT_CHECK(f, readEfMatches(f, "00A4080C0410001003", "3F00/1000/1003"));
    VT_CHECK(f, exchange(f, "00A4080C0414001000", 0x9000));
    VT_CHECK(f, exchange(f, "00B00000FF", 0x9000));
    assert_int_equal(f->data.size(), 27);
    assert_memory_equal(f->data.data(), "Carta Nazionale dei Servizi", 27);
    VT_CHECK(f,
        exchange(f, "00A40800041400900200", 0x9000,
            "6F15 820138 83029002 8609FF1010FFFFFFFF10FF 8A0105"));
}

void idemia_challengeLimitedTo32(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "0084000020", 0x9000));
    assert_int_equal(f->data.size(), 32);
    VT_CHECK(f, exchange(f, "0084000021", 0x6700));
    VT_CHECK(f, exchange(f, "0084000000", 0x6700));
}

// ---- non-CNS card with a CNS ATR -------------------------------------------------------------

void foreign_hasNoCnsFiles(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "00A40000023F0000", 0x9000));
    VT_CHECK(f, exchange(f, "00A4080C0410001003", 0x6A82));
    VT_CHECK(f, exchange(f, "00A4080C0411001102", 0x6A82));
    VT_CHECK(f, exchange(f, "00A4080C06140090012002", 0x6A82));
    VT_CHECK(f, exchange(f, "00A4080C0414009002", 0x6A82));
    VT_CHECK(f, verifyPin(f, "12345", 0x10, 0x6A88));
    VT_CHECK(f, exchange(f, "0022F1B803830102", 0x6A88));
    assert_string_equal(
        f->card->profile().atrHex.data(), findProfile("idemia-2021")->atrHex.data());
}

// ---- the variety: AID required, GET DATA, no FCI, read end (card quirks) ---------------------

// `count` bytes read at `offset`, expecting `sw`.
bool readAt(CardFixture* f, std::size_t offset, std::size_t count, std::uint16_t sw)
{
    char apdu[16];
    std::snprintf(apdu, sizeof apdu, "00B0%04X%02X", static_cast<unsigned>(offset),
        static_cast<unsigned>(count & 0xFF));
    return exchange(f, apdu, sw);
}

// A quirk set with one bad value is refused by checkQuirks.
bool quirksRefused(const CardQuirks& q)
{
    try {
        checkQuirks(q);
    } catch (const Error& e) {
        return e.code() == Errc::BadArgument;
    }
    return false;
}

void ace_aidRequired_nothingAnswersBeforeSelectAid(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "00A4080C0410001003", 0x6A82));
    VT_CHECK(f, exchange(f, "00A4080C04DA01C001", 0x6A82));
    VT_CHECK(f, exchange(f, "00B00000FF", 0x6986));
    VT_CHECK(f, verifyQuery(f, 0x10, 0x6A88));
    VT_CHECK(f, exchange(f, "0022F30300", 0x6A88));
    VT_CHECK(f, exchange(f, "0084000008", 0x9000)); // GET CHALLENGE answers
    VT_CHECK(f, exchange(f, "00A4040007A000000116010000", 0x6A82)); // another AID
    // SELECT AID with FCI: template 6F naming the application (84) and FID 3F00 (83).
    VT_CHECK(f, exchange(f, "00A404000CA00000053000 0B104001021A00", 0x9000));
    assert_true(f->data.size() > 2 && f->data[0] == 0x6F && f->data[1] == f->data.size() - 2);
    VT_CHECK(f, verifyQuery(f, 0x10, 0x63C3));
    VT_CHECK(f, exchange(f, "00A4080C04DA01C001", 0x9000));
    // The certificate EF is 2048 bytes, FF after the DER; a read past its end: 62 82.
    const Bytes& ef = f->image.files.at(parseFilePath("3F00/DA01/C001"));
    assert_int_equal(ef.size(), 2048);
    assert_int_equal(ef.back(), 0xFF);
    VT_CHECK(f, readAt(f, 0x0700, 0xFF, 0x9000));
    assert_int_equal(f->data.size(), 0xFF);
    VT_CHECK(f, readAt(f, 0x07FF, 0x10, 0x6282));
    assert_int_equal(f->data.size(), 1);
    assert_int_equal(f->data[0], 0xFF);
    VT_CHECK(f, readAt(f, 0x0800, 0x01, 0x6B00)); // starting at the end
    // The ESIGN application leaves the CNS one: its files need the CNS AID again.
    VT_CHECK(f, exchange(f, "00A404000AA000000530455349474E00", 0x9000));
    VT_CHECK(f, exchange(f, "00A4080C04DA01C001", 0x6A82));
    VT_CHECK(f, exchange(f, "00A404000CA00000053000 0B104001021A", 0x9000));
    VT_CHECK(f, exchange(f, "00A4080C04DA01C001", 0x9000));
}

void jsign_getDataNamesTheApplication(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "00CA018000", 0x9000, "4A5369676E34")); // "JSign4"
    VT_CHECK(f, exchange(f, "00CADF3000", 0x6D00)); // other GET DATA probes
    VT_CHECK(f, exchange(f, "00A4080C0411001101", 0x6A82)); // nothing before SELECT AID
    VT_CHECK(f, exchange(f, "00A404000CA00000053000 0B104001021A00", 0x6A82)); // not the ACe's
    VT_CHECK(f, exchange(f, "00A4040008A00000009501004D00", 0x9000));
    VT_CHECK(f, readEfMatches(f, "00A4080C0411001101", "3F00/1100/1101"));
    VT_CHECK(f, readEfMatches(f, "00A4080C0410001003", "3F00/1000/1003"));
}

void infocamere_noFci_wrappedCertificate_readEnd6B00(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, exchange(f, "00A40800042FFF822800", 0x9000)); // FCI asked, none given
    assert_int_equal(f->data.size(), 0);
    VT_CHECK(f, exchange(f, "00A40400042FFF822800", 0x6A82)); // not an AID
    VT_CHECK(f, exchange(f, "00A4080C042FFF8228", 0x9000));
    const Bytes& ef = f->image.files.at(parseFilePath("3F00/2FFF/8228"));
    // Wrapped: 01, the DER length (2 bytes), 00 00, the DER (30 82 ...).
    VT_CHECK(f, readAt(f, 0, 7, 0x9000));
    assert_int_equal(f->data[0], 0x01);
    assert_int_equal((f->data[1] << 8) | f->data[2], ef.size() - 5);
    assert_int_equal(f->data[3], 0x00);
    assert_int_equal(f->data[4], 0x00);
    assert_int_equal(f->data[5], 0x30);
    assert_int_equal(f->data[6], 0x82);
    VT_CHECK(f, readAt(f, ef.size() - 1, 1, 0x9000));
    VT_CHECK(f, readAt(f, ef.size() - 1, 2, 0x6B00)); // past the end: refused, no data
    assert_int_equal(f->data.size(), 0);
}

void quirks_badValues_areRefused(void**)
{
    CardQuirks q;
    checkQuirks(q); // the defaults hold
    q.pad = "aa";
    assert_true(quirksRefused(q));
    q = {};
    q.personalHeader = "both";
    assert_true(quirksRefused(q));
    q = {};
    q.readEnd = "6a82";
    assert_true(quirksRefused(q));
    q = {};
    q.pad = "00";
    q.efSize = 0x8000;
    assert_true(quirksRefused(q));
}

} // namespace

int main()
{
#define ST(t) cmocka_unit_test_setup_teardown(t, stSetup, cardTeardown)
#define ATHENA(t) cmocka_unit_test_setup_teardown(t, athenaSetup, cardTeardown)
#define IDEMIA(t) cmocka_unit_test_setup_teardown(t, idemiaSetup, cardTeardown)
#define FOREIGN(t) cmocka_unit_test_setup_teardown(t, foreignSetup, cardTeardown)
    const struct CMUnitTest tests[] = {
        ST(select_mfWithFci_returnsDfTemplate),
        ST(select_datiPersonaliWithFci_reportsSize400),
        ST(select_idCartaByPathNoFci_returnsNoData),
        ST(select_byFid_walksChildrenParentAndSiblings),
        ST(select_pathFromCurrentDf_p1_09),
        ST(select_absentFiles_return6A82),
        ST(select_aidProbesAndGetData_areRejected),
        ST(select_badParameters_returnIsoErrors),
        ST(select_failure_keepsCurrentFile),
        ST(readBinary_chunks_lastShortThenPastEnd6B00),
        ST(readBinary_certificate_matchesCertPem),
        ST(readBinary_errors),
        ST(verify_wrongPinThreeTimes_blocksEvenRightPin),
        ST(verify_rightPin_resetsTries),
        ST(verify_stincardReference90_acceptedOnlyOnSt),
        ATHENA(verify_athenaReference90_returns6A88),
        ST(verify_badParameters),
        ST(unblock_withPuk_thenNewPinVerifies),
        ST(unblock_p1_01_keepsPin),
        ST(unblock_wrongPuk_countsPukTries),
        ST(changeReferenceData_oldPinFailsAfterwards),
        ST(pso_decipherWithoutPin_returns6982),
        ATHENA(pso_decipher1024_shortApdu),
        ST(pso_decipher2048_extendedApdu),
        ST(pso_decipher2048_chainedApdu),
        ST(pso_interruptedChain_isDropped),
        ST(pso_errors),
        ATHENA(pso_computeSignature_rawBlockAndDigestInfo),
        ST(getChallenge_upTo256OnClassicCards),
        ST(reset_clearsSecurityState),
        ST(process_whilePoweredOff_powersOn),
        ST(transmit_encodesAndDecodes),
        ST(atr_isTheProfileAtr),
        ST(tries_persistAcrossLoad),
        IDEMIA(idemia_keyDfMustBeSelectedBeforeMse),
        IDEMIA(idemia_layout),
        IDEMIA(idemia_challengeLimitedTo32),
        FOREIGN(foreign_hasNoCnsFiles),
        cmocka_unit_test_setup_teardown(
            ace_aidRequired_nothingAnswersBeforeSelectAid, aceLockedSetup, cardTeardown),
        cmocka_unit_test_setup_teardown(jsign_getDataNamesTheApplication, jsignSetup, cardTeardown),
        cmocka_unit_test_setup_teardown(
            infocamere_noFci_wrappedCertificate_readEnd6B00, infocamereSetup, cardTeardown),
        cmocka_unit_test(quirks_badValues_areRefused),
    };
    return cmocka_run_group_tests(tests, imagesSetup, imagesTeardown);
}
