// SPDX-License-Identifier: LGPL-2.1-or-later
// ensureSelfSigned through OpenSSL's EVP and X509 APIs.
#include "cli/self_signed.hpp"

#include "tscns/apdu/error.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <cstdio>
#include <memory>
#include <sys/stat.h>

namespace tscns::portal {

namespace {
    struct Free {
        void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
        void operator()(X509* p) const { X509_free(p); }
        void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
        void operator()(FILE* f) const { std::fclose(f); }
    };

    void check(bool ok, const char* what)
    {
        if (!ok) throw Error(Errc::Internal, std::string("self-signed certificate: ") + what);
    }

    void addExtension(X509* cert, int nid, const std::string& value)
    {
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
        std::unique_ptr<X509_EXTENSION, Free> ext(
            X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
        check(ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1, "extension");
    }

    void writePem(const std::filesystem::path& path, mode_t mode, const auto& write)
    {
        const std::string tmp = path.string() + ".tmp";
        std::unique_ptr<FILE, Free> f(std::fopen(tmp.c_str(), "wb"));
        if (!f) throw Error(Errc::BadArgument, "cannot write " + tmp);
        ::chmod(tmp.c_str(), mode);
        check(write(f.get()), "PEM write");
        f.reset();
        std::filesystem::rename(tmp, path);
    }
} // namespace

TlsFiles ensureSelfSigned(const std::filesystem::path& dir, const std::string& host)
{
    TlsFiles files { dir / "portal-cert.pem", dir / "portal-key.pem" };
    if (std::filesystem::exists(files.cert) && std::filesystem::exists(files.key)) return files;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error(Errc::BadArgument, "cannot create " + dir.string() + ": " + ec.message());

    std::unique_ptr<EVP_PKEY, Free> key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EC key generation");
    std::unique_ptr<X509, Free> cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), 2) == 1, "version");
    unsigned char serial[16];
    check(RAND_bytes(serial, sizeof serial) == 1, "serial");
    serial[0] &= 0x7F;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    check(bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr,
        "serial");
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
              reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0)
            == 1,
        "subject");
    check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
              reinterpret_cast<const unsigned char*>("tscns-portal demo (self-signed)"), -1, -1, 0)
            == 1,
        "subject");
    check(X509_set_issuer_name(cert.get(), name) == 1, "issuer");
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "public key");
    in6_addr a6 {};
    in_addr a4 {};
    const bool isIp
        = inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
    std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
    if (host != "localhost" && host != "127.0.0.1" && host != "::1")
        san = (isIp ? "IP:" : "DNS:") + host + "," + san;
    addExtension(cert.get(), NID_subject_alt_name, san);
    addExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
    addExtension(cert.get(), NID_key_usage, "critical,digitalSignature");
    addExtension(cert.get(), NID_ext_key_usage, "serverAuth");
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signature");

    writePem(files.key, 0600, [&](FILE* f) {
        return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    });
    writePem(files.cert, 0644, [&](FILE* f) { return PEM_write_X509(f, cert.get()) == 1; });
    return files;
}

} // namespace tscns::portal
