// SPDX-License-Identifier: LGPL-2.1-or-later
// OCSP (RFC 6960) with OpenSSL's OCSP API, and the default HTTP transport.
#include "ocsp_check.hpp"

#include "tscns/apdu/error.hpp"

#include <openssl/err.h>
#include <openssl/http.h>

#include <climits>

namespace tscns::verifier {

namespace {
    constexpr std::size_t kMaxResponseSize = 100 * 1024;

    class HttpOcspClient final : public OcspClient {
    public:
        explicit HttpOcspClient(std::chrono::seconds timeout)
            : timeout_(timeout)
        {
        }

        std::optional<Bytes> post(const std::string& url, ByteView request) override
        {
            char* host = nullptr;
            char* port = nullptr;
            char* path = nullptr;
            int useTls = 0;
            if (OSSL_HTTP_parse_url(
                    url.c_str(), &useTls, nullptr, &host, &port, nullptr, &path, nullptr, nullptr)
                    != 1
                || useTls != 0 || request.size() > static_cast<std::size_t>(INT_MAX)) {
                // RFC 6960 appendix A: OCSP over plain HTTP (the response is signed).
                OPENSSL_free(host);
                OPENSSL_free(port);
                OPENSSL_free(path);
                ERR_clear_error();
                return std::nullopt;
            }
            ossl::BioPtr req(BIO_new_mem_buf(request.data(), static_cast<int>(request.size())));
            BIO* answer = req ? OSSL_HTTP_transfer(nullptr, host, port, path, 0, nullptr, nullptr,
                              nullptr, nullptr, nullptr, nullptr, 0, nullptr,
                              "application/ocsp-request", req.get(), "application/ocsp-response", 1,
                              kMaxResponseSize, static_cast<int>(timeout_.count()), 0)
                              : nullptr;
            OPENSSL_free(host);
            OPENSSL_free(port);
            OPENSSL_free(path);
            if (answer == nullptr) {
                ERR_clear_error();
                return std::nullopt;
            }
            ossl::BioPtr owned(answer);
            Bytes out;
            unsigned char buf[4096];
            int n = 0;
            while ((n = BIO_read(owned.get(), buf, sizeof buf)) > 0) {
                out.insert(out.end(), buf, buf + n);
                if (out.size() > kMaxResponseSize) return std::nullopt;
            }
            ERR_clear_error();
            return out;
        }

    private:
        std::chrono::seconds timeout_;
    };
} // namespace

std::shared_ptr<OcspClient> makeHttpOcspClient(std::chrono::seconds timeout)
{
    return std::make_shared<HttpOcspClient>(timeout);
}

namespace detail {

    namespace {
        OcspAnswer unusable(std::string why)
        {
            ERR_clear_error();
            OcspAnswer a;
            a.status = OcspAnswer::Status::Unusable;
            a.detail = std::move(why);
            return a;
        }

        std::string nonceProblem(int rc)
        {
            switch (rc) {
            case 0:
                return "response nonce differs from the request's (replayed response?)";
            case -1:
                return "responder did not echo the nonce (RFC 8954)";
            default:
                return "nonce check failed (" + std::to_string(rc) + ")";
            }
        }
    } // namespace

    std::string aiaOcspUrl(X509* cert)
    {
        STACK_OF(OPENSSL_STRING)* urls = X509_get1_ocsp(cert);
        std::string out;
        if (urls != nullptr && sk_OPENSSL_STRING_num(urls) > 0)
            out = sk_OPENSSL_STRING_value(urls, 0);
        X509_email_free(urls);
        return out;
    }

    OcspAnswer queryOcsp(OcspClient& client, const std::string& url, X509* cert, X509* issuer,
        const std::vector<ossl::X509Ptr>& anchors, STACK_OF(X509) * chain, const OcspParams& params)
    {
        ossl::OcspCertIdPtr id(OCSP_cert_to_id(EVP_sha1(), cert, issuer));
        ossl::OcspRequestPtr req(OCSP_REQUEST_new());
        if (!id || !req) return unusable("cannot build the OCSP request");
        OCSP_CERTID* idCopy = OCSP_CERTID_dup(id.get());
        if (idCopy == nullptr || OCSP_request_add0_id(req.get(), idCopy) == nullptr) {
            OCSP_CERTID_free(idCopy);
            return unusable("cannot build the OCSP request");
        }
        if (OCSP_request_add1_nonce(req.get(), nullptr, -1) != 1)
            return unusable("cannot add the OCSP nonce");
        unsigned char* der = nullptr;
        const int derLen = i2d_OCSP_REQUEST(req.get(), &der);
        if (derLen <= 0) return unusable("cannot encode the OCSP request");
        const Bytes request(der, der + derLen);
        OPENSSL_free(der);

        std::optional<Bytes> answer;
        try {
            answer = client.post(url, request);
        } catch (const std::exception& e) {
            return unusable(std::string("OCSP client failed: ") + e.what());
        }
        if (!answer) return unusable("OCSP responder " + url + " unreachable");
        if (answer->size() > kMaxResponseSize) return unusable("OCSP response too large");

        const unsigned char* p = answer->data();
        ossl::OcspResponsePtr resp(
            d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(answer->size())));
        if (!resp || p != answer->data() + answer->size())
            return unusable("OCSP response is not DER (or has trailing data)");
        const int rs = OCSP_response_status(resp.get());
        if (rs != OCSP_RESPONSE_STATUS_SUCCESSFUL)
            return unusable(std::string("OCSP response status ") + OCSP_response_status_str(rs));
        ossl::OcspBasicPtr basic(OCSP_response_get1_basic(resp.get()));
        if (!basic) return unusable("OCSP response is not a basic response");

        const int nonce = OCSP_check_nonce(req.get(), basic.get());
        if (nonce != 1 && !(nonce == -1 && !params.requireNonce))
            return unusable(nonceProblem(nonce));

        // Signer path and authorisation at the verifier's clock, through a private store.
        ossl::StorePtr store(X509_STORE_new());
        if (!store) return unusable("X509_STORE_new failed");
        for (const auto& a : anchors)
            if (X509_STORE_add_cert(store.get(), a.get()) != 1) return unusable("anchor store");
        X509_VERIFY_PARAM* vp = X509_STORE_get0_param(store.get());
        X509_VERIFY_PARAM_set_time(vp, ossl::toTimeT(params.now));
        X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
        if (OCSP_basic_verify(basic.get(), chain, store.get(), 0) != 1)
            return unusable(
                "OCSP response signature or responder authorisation invalid: " + ossl::errors());

        int status = -1;
        int reason = -1;
        ASN1_GENERALIZEDTIME* revokedAt = nullptr;
        ASN1_GENERALIZEDTIME* thisUpdate = nullptr;
        ASN1_GENERALIZEDTIME* nextUpdate = nullptr;
        if (OCSP_resp_find_status(
                basic.get(), id.get(), &status, &reason, &revokedAt, &thisUpdate, &nextUpdate)
            != 1)
            return unusable("OCSP response does not cover the certificate");

        const auto tu = ossl::toTimePoint(thisUpdate);
        if (!tu) return unusable("OCSP thisUpdate unreadable");
        if (*tu > params.now + params.skew) return unusable("OCSP thisUpdate is in the future");
        if (*tu + params.maxAge + params.skew < params.now)
            return unusable("OCSP thisUpdate too old (" + ossl::isoTime(thisUpdate) + ")");
        if (nextUpdate != nullptr) {
            const auto nu = ossl::toTimePoint(nextUpdate);
            if (!nu || *nu + params.skew < params.now)
                return unusable("OCSP nextUpdate has passed");
        }

        OcspAnswer out;
        out.thisUpdate = ossl::isoTime(thisUpdate);
        out.nextUpdate = ossl::isoTime(nextUpdate);
        switch (status) {
        case V_OCSP_CERTSTATUS_GOOD:
            out.status = OcspAnswer::Status::Good;
            break;
        case V_OCSP_CERTSTATUS_REVOKED:
            out.status = OcspAnswer::Status::Revoked;
            out.detail = "OCSP: revoked at " + ossl::isoTime(revokedAt)
                + (reason >= 0 ? std::string(", reason ") + OCSP_crl_reason_str(reason) : "");
            break;
        default:
            out.status = OcspAnswer::Status::Unknown;
            out.detail = "OCSP: status unknown (treated as revoked)";
            break;
        }
        ERR_clear_error();
        return out;
    }

} // namespace detail

} // namespace tscns::verifier
