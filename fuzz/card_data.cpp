// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_card_data: what the card's EFs hold, each parser on the whole input: EF_IDCarta
// (CardId), EF_DatiPersonali (PersonalData), the certificate EF (padding, wrapped 1204 form),
// the certificate's subject CN, the codice fiscale check, dates and paths.
#include "fuzz_support.hpp"

#include "tscns/cns/card_id.hpp"
#include "tscns/cns/certificate_ef.hpp"
#include "tscns/cns/codice_fiscale.hpp"
#include "tscns/cns/date.hpp"
#include "tscns/cns/path.hpp"
#include "tscns/cns/personal_data.hpp"
#include "tscns/cns/subject_cn.hpp"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace tscns;
    const ByteView bytes(data, size);
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fuzz::refusalsAllowed([&] { (void)cns::CardId::read(bytes); });
    fuzz::refusalsAllowed([&] { (void)cns::CardId::parse(text); });
    fuzz::refusalsAllowed([&] {
        const auto pd = cns::PersonalData::parse(bytes);
        (void)pd.headerMeaning();
        (void)pd.displayName();
        for (const auto& d : { pd.issueDate, pd.expiryDate, pd.birthDate })
            if (d) (void)d->toIso();
    });
    (void)cns::certificateExtent(bytes);
    fuzz::refusalsAllowed([&] {
        const auto ef = cns::extractCertificate(bytes);
        if (ef.der.size() > size) __builtin_trap();
    });
    fuzz::refusalsAllowed([&] { (void)cns::SubjectCn::parse(text); });
    (void)cns::isValidCodiceFiscale(text);
    fuzz::refusalsAllowed([&] { cns::validateCodiceFiscale(text); });
    fuzz::refusalsAllowed([&] { (void)cns::codiceFiscaleCheckChar(text); });
    fuzz::refusalsAllowed([&] { (void)cns::luhnCheckDigit(text); });
    fuzz::refusalsAllowed([&] { (void)cns::Date::parseDdMmYyyy(text).toDdMmYyyy(); });
    fuzz::refusalsAllowed([&] {
        const auto p = cns::Path::parse(text);
        (void)p.toString();
        (void)p.selectData();
    });
    return 0;
}
