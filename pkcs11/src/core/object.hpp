// SPDX-License-Identifier: LGPL-2.1-or-later
// Token objects as attribute tables keyed by CK_ATTRIBUTE_TYPE, with C_GetAttributeValue and
// template matching exactly as PKCS#11 2.40 §5.7 specifies them.
#pragma once

#include "core/pkcs11.hpp"

#include "tscns/apdu/bytes.hpp"

#include <map>
#include <string_view>

namespace tscns::pkcs11 {

/// Attribute flags.
enum AttributeFlag : unsigned {
    kPlain = 0,
    /// CKA_SENSITIVE key material: never revealed (C_GetAttributeValue answers
    /// CKR_ATTRIBUTE_SENSITIVE, §5.7 case 1) and never matched by a search template.
    kSensitive = 1U << 0,
};

struct Attribute {
    Bytes value;
    unsigned flags = kPlain;
};

class Object {
public:
    explicit Object(CK_OBJECT_CLASS objectClass);

    [[nodiscard]] CK_OBJECT_CLASS objectClass() const noexcept { return class_; }

    void setBytes(CK_ATTRIBUTE_TYPE type, ByteView value);
    void setString(CK_ATTRIBUTE_TYPE type, std::string_view value);
    void setBool(CK_ATTRIBUTE_TYPE type, bool value);
    void setUlong(CK_ATTRIBUTE_TYPE type, CK_ULONG value);
    /// An attribute that exists but is never revealed.
    void setSensitive(CK_ATTRIBUTE_TYPE type);

    [[nodiscard]] const Attribute* find(CK_ATTRIBUTE_TYPE type) const;
    [[nodiscard]] bool boolValue(CK_ATTRIBUTE_TYPE type) const;

    /// True when every attribute of the template is present with exactly that value (an empty
    /// template matches everything; a sensitive or unknown attribute matches nothing).
    [[nodiscard]] bool matches(const CK_ATTRIBUTE* tmpl, CK_ULONG count) const;

    /// C_GetAttributeValue (§5.7): fills every attribute it can and returns CKR_OK, or the last
    /// of CKR_ATTRIBUTE_SENSITIVE / CKR_ATTRIBUTE_TYPE_INVALID / CKR_BUFFER_TOO_SMALL met, with
    /// ulValueLen = CK_UNAVAILABLE_INFORMATION for those attributes. pValue NULL asks for the
    /// length only.
    CK_RV getAttributes(CK_ATTRIBUTE* tmpl, CK_ULONG count) const;

    /// Sum of the attribute lengths (C_GetObjectSize, an approximation the spec allows).
    [[nodiscard]] CK_ULONG size() const;

private:
    CK_OBJECT_CLASS class_;
    std::map<CK_ATTRIBUTE_TYPE, Attribute> attributes_;
};

} // namespace tscns::pkcs11
