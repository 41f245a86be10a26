// SPDX-License-Identifier: LGPL-2.1-or-later
// OpenSSL helpers for the verifier.
#include "ossl.hpp"

#include "tscns/apdu/error.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

namespace tscns::verifier::ossl {

std::string errors()
{
    std::string out;
    unsigned long e = 0;
    while ((e = ERR_get_error()) != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

namespace {
    bool looksLikePem(ByteView data)
    {
        const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
        return text.find("-----BEGIN ") != std::string_view::npos;
    }

    BioPtr memBio(ByteView data)
    {
        if (data.size() > static_cast<std::size_t>(INT_MAX))
            throw Error(Errc::BadArgument, "file too large");
        BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
        if (!bio) throw Error(Errc::Internal, "BIO_new_mem_buf failed");
        return bio;
    }
} // namespace

std::vector<X509Ptr> readCertificates(ByteView data)
{
    std::vector<X509Ptr> out;
    if (looksLikePem(data)) {
        BioPtr bio = memBio(data);
        while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
            out.emplace_back(x);
    } else {
        const unsigned char* p = data.data();
        X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(data.size())));
        if (x && p == data.data() + data.size()) out.push_back(std::move(x));
    }
    ERR_clear_error(); // the PEM loop ends with a "no start line" error
    return out;
}

std::vector<CrlPtr> readCrls(ByteView data)
{
    std::vector<CrlPtr> out;
    if (looksLikePem(data)) {
        BioPtr bio = memBio(data);
        while (X509_CRL* c = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr))
            out.emplace_back(c);
    } else {
        const unsigned char* p = data.data();
        CrlPtr c(d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size())));
        if (c && p == data.data() + data.size()) out.push_back(std::move(c));
    }
    ERR_clear_error();
    return out;
}

Bytes readFile(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(Errc::BadArgument, "cannot read " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw Error(Errc::BadArgument, "cannot read " + file.string());
    const std::string s = text.str();
    return { s.begin(), s.end() };
}

std::string nameText(const X509_NAME* name)
{
    if (name == nullptr) return {};
    BioPtr b(BIO_new(BIO_s_mem()));
    if (!b) return {};
    X509_NAME_print_ex(b.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    const long n = BIO_get_mem_data(b.get(), &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

namespace {
    std::string bnText(const ASN1_INTEGER* value, bool hex)
    {
        if (value == nullptr) return {};
        std::unique_ptr<BIGNUM, Deleter<BN_free>> bn(ASN1_INTEGER_to_BN(value, nullptr));
        if (!bn) return {};
        char* s = hex ? BN_bn2hex(bn.get()) : BN_bn2dec(bn.get());
        if (s == nullptr) return {};
        std::string out(s);
        OPENSSL_free(s);
        return out;
    }
} // namespace

std::string integerHex(const ASN1_INTEGER* value)
{
    return bnText(value, true);
}

std::string integerDecimal(const ASN1_INTEGER* value)
{
    return bnText(value, false);
}

std::optional<TimePoint> toTimePoint(const ASN1_TIME* t)
{
    std::tm tm {};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
    const time_t secs = timegm(&tm);
    if (secs == static_cast<time_t>(-1)) return std::nullopt;
    return Clock::from_time_t(secs);
}

std::string isoTime(const ASN1_TIME* t)
{
    const auto tp = toTimePoint(t);
    return tp ? isoTime(*tp) : std::string();
}

std::string isoTime(TimePoint t)
{
    const time_t secs = toTimeT(t);
    std::tm tm {};
    if (gmtime_r(&secs, &tm) == nullptr) return {};
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

time_t toTimeT(TimePoint t)
{
    return static_cast<time_t>(
        std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

std::string sha256Hex(X509* cert)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return {};
    return toHex(ByteView(md, len));
}

} // namespace tscns::verifier::ossl
