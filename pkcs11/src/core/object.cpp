// SPDX-License-Identifier: LGPL-2.1-or-later
// Attribute tables: storage, C_GetAttributeValue, template matching.
#include "core/object.hpp"

#include <cstring>

namespace tscns::pkcs11 {

Object::Object(CK_OBJECT_CLASS objectClass)
    : class_(objectClass)
{
    setUlong(CKA_CLASS, objectClass);
}

void Object::setBytes(CK_ATTRIBUTE_TYPE type, ByteView value)
{
    attributes_[type] = Attribute { Bytes(value.begin(), value.end()), kPlain };
}

void Object::setString(CK_ATTRIBUTE_TYPE type, std::string_view value)
{
    setBytes(type, asBytes(value));
}

void Object::setBool(CK_ATTRIBUTE_TYPE type, bool value)
{
    const CK_BBOOL b = value ? CK_TRUE : CK_FALSE;
    setBytes(type, ByteView(&b, 1));
}

void Object::setUlong(CK_ATTRIBUTE_TYPE type, CK_ULONG value)
{
    // CK_ULONG attributes travel in native byte order and size (§2, "CK_ULONG").
    Bytes raw(sizeof value);
    std::memcpy(raw.data(), &value, sizeof value);
    attributes_[type] = Attribute { std::move(raw), kPlain };
}

void Object::setSensitive(CK_ATTRIBUTE_TYPE type)
{
    attributes_[type] = Attribute { {}, kSensitive };
}

const Attribute* Object::find(CK_ATTRIBUTE_TYPE type) const
{
    auto it = attributes_.find(type);
    return it == attributes_.end() ? nullptr : &it->second;
}

bool Object::boolValue(CK_ATTRIBUTE_TYPE type) const
{
    const Attribute* a = find(type);
    return a != nullptr && (a->flags & kSensitive) == 0 && a->value.size() == 1
        && a->value[0] != CK_FALSE;
}

bool Object::matches(const CK_ATTRIBUTE* tmpl, CK_ULONG count) const
{
    for (CK_ULONG i = 0; i < count; ++i) {
        const Attribute* a = find(tmpl[i].type);
        if (a == nullptr || (a->flags & kSensitive) != 0) return false;
        if (a->value.size() != tmpl[i].ulValueLen) return false;
        if (tmpl[i].ulValueLen == 0) continue;
        if (tmpl[i].pValue == nullptr) return false;
        if (std::memcmp(a->value.data(), tmpl[i].pValue, a->value.size()) != 0) return false;
    }
    return true;
}

CK_RV Object::getAttributes(CK_ATTRIBUTE* tmpl, CK_ULONG count) const
{
    CK_RV rv = CKR_OK;
    for (CK_ULONG i = 0; i < count; ++i) {
        CK_ATTRIBUTE& t = tmpl[i];
        const Attribute* a = find(t.type);
        if (a != nullptr && (a->flags & kSensitive) != 0) {
            // §5.7 case 1: sensitive or unextractable.
            t.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_ATTRIBUTE_SENSITIVE;
        } else if (a == nullptr) {
            // §5.7 case 2: not an attribute of this object.
            t.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_ATTRIBUTE_TYPE_INVALID;
        } else if (t.pValue == nullptr) {
            // §5.7 case 3: length query.
            t.ulValueLen = a->value.size();
        } else if (t.ulValueLen >= a->value.size()) {
            // §5.7 case 4.
            if (!a->value.empty()) std::memcpy(t.pValue, a->value.data(), a->value.size());
            t.ulValueLen = a->value.size();
        } else {
            // §5.7 case 5.
            t.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_BUFFER_TOO_SMALL;
        }
    }
    return rv;
}

CK_ULONG Object::size() const
{
    CK_ULONG total = 0;
    for (const auto& [type, a] : attributes_)
        total += a.value.size();
    return total;
}

} // namespace tscns::pkcs11
