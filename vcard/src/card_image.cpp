// SPDX-License-Identifier: LGPL-2.1-or-later
// Reading and writing the card image directory (card.json, state.json, PEM files, ef/).
#include "tscns/vcard/card_image.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/vcard/profiles.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

namespace tscns::vcard {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

    constexpr std::string_view kRecordFile = "card.json";
    constexpr std::string_view kStateFile = "state.json";
    constexpr std::string_view kCaCertFile = "ca.pem";
    constexpr std::string_view kCaKeyFile = "ca-key.pem";
    constexpr std::string_view kCertFile = "cert.pem";
    constexpr std::string_view kKeyFile = "key.pem";
    constexpr std::string_view kEfDir = "ef";
    constexpr std::size_t kMaxEfSize = 0xFFFF; // FCI tag 80 carries two bytes

    [[noreturn]] void bad(const fs::path& file, const std::string& what)
    {
        throw Error(Errc::BadArgument, "card image: " + file.string() + ": " + what);
    }

    std::string readText(const fs::path& file)
    {
        std::ifstream in(file, std::ios::binary);
        if (!in) bad(file, "cannot be opened");
        std::ostringstream s;
        s << in.rdbuf();
        if (in.bad()) bad(file, "read error");
        return s.str();
    }

    Bytes readBinary(const fs::path& file)
    {
        std::ifstream in(file, std::ios::binary);
        if (!in) bad(file, "cannot be opened");
        Bytes data { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
        if (in.bad()) bad(file, "read error");
        return data;
    }

    void writeFile(const fs::path& file, ByteView data, bool secret = false)
    {
        {
            std::ofstream out(file, std::ios::binary | std::ios::trunc);
            if (!out) bad(file, "cannot be created");
            out.write(reinterpret_cast<const char*>(data.data()),
                static_cast<std::streamsize>(data.size()));
            out.flush();
            if (!out) bad(file, "write error");
        }
        if (secret) {
            std::error_code ec;
            fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write,
                fs::perm_options::replace, ec);
        }
    }

    void writeText(const fs::path& file, std::string_view text, bool secret = false)
    {
        writeFile(file, asBytes(text), secret);
    }

    Json parseJson(const fs::path& file)
    {
        const std::string text = readText(file);
        try {
            Json j = Json::parse(text);
            if (!j.is_object()) bad(file, "not a JSON object");
            return j;
        } catch (const nlohmann::json::exception& e) {
            // parse_error, and out_of_range for a number no double holds (1e400).
            bad(file, std::string("invalid JSON: ") + e.what());
        }
    }

    template <typename T>
    T field(const fs::path& file, const Json& j, const char* key, bool required)
    {
        const auto it = j.find(key);
        if (it == j.end() || it->is_null()) {
            if (required) bad(file, std::string("missing field \"") + key + "\"");
            return T {};
        }
        try {
            return it->get<T>();
        } catch (const nlohmann::json::exception&) {
            bad(file, std::string("field \"") + key + "\" has the wrong type");
        }
    }

    bool isSecretText(const std::string& s) noexcept
    {
        if (s.empty() || s.size() > 8) return false;
        for (char c : s)
            if (std::isprint(static_cast<unsigned char>(c)) == 0) return false;
        return true;
    }

    CardRecord parseRecord(const fs::path& file)
    {
        const Json j = parseJson(file);
        CardRecord r;
        r.format = field<int>(file, j, "format", true);
        if (r.format != 1)
            bad(file, "unsupported format " + std::to_string(r.format) + " (expected 1)");
        r.profile = field<std::string>(file, j, "profile", true);
        if (findProfile(r.profile) == nullptr) {
            try {
                (void)requireProfile(r.profile);
            } catch (const Error& e) {
                bad(file, e.message()); // names the known profiles
            }
        }
        r.atrHex = field<std::string>(file, j, "atr", true);
        Bytes atr;
        try {
            atr = fromHex(r.atrHex);
        } catch (const Error& e) {
            bad(file, "\"atr\" is not valid hex: " + e.message());
        }
        if (atr.size() < 2 || atr.size() > 33) bad(file, "\"atr\" must have 2 to 33 bytes");
        r.cardId = field<std::string>(file, j, "cardId", false);
        r.codiceFiscale = field<std::string>(file, j, "codiceFiscale", false);
        r.surname = field<std::string>(file, j, "surname", false);
        r.givenName = field<std::string>(file, j, "givenName", false);
        r.sex = field<std::string>(file, j, "sex", false);
        r.birthDate = field<std::string>(file, j, "birthDate", false);
        r.birthPlace = field<std::string>(file, j, "birthPlace", false);
        r.residence = field<std::string>(file, j, "residence", false);
        r.issuer = field<std::string>(file, j, "issuer", false);
        r.issueDate = field<std::string>(file, j, "issueDate", false);
        r.expiryDate = field<std::string>(file, j, "expiryDate", false);
        r.pin = field<std::string>(file, j, "pin", true);
        r.puk = field<std::string>(file, j, "puk", true);
        if (!isSecretText(r.pin)) bad(file, "\"pin\" must have 1 to 8 printable characters");
        if (!isSecretText(r.puk)) bad(file, "\"puk\" must have 1 to 8 printable characters");
        r.keyBits = field<unsigned>(file, j, "keyBits", false);
        r.seed = field<std::uint64_t>(file, j, "seed", false);
        if (const auto q = j.find("quirks"); q != j.end() && !q->is_null()) {
            if (!q->is_object()) bad(file, "\"quirks\" must be an object");
            CardQuirks d;
            const auto get = [&](const char* key, auto fallback) {
                using T = decltype(fallback);
                const auto it = q->find(key);
                if (it == q->end() || it->is_null()) return fallback;
                try {
                    return it->template get<T>();
                } catch (const nlohmann::json::exception&) {
                    bad(file, std::string("quirks.") + key + " has the wrong type");
                }
            };
            r.quirks.pad = get("pad", d.pad);
            r.quirks.efSize = get("efSize", d.efSize);
            r.quirks.personalHeader = get("personalHeader", d.personalHeader);
            r.quirks.noFci = get("noFci", d.noFci);
            r.quirks.readEnd = get("readEnd", d.readEnd);
            r.quirks.aidRequired = get("aidRequired", d.aidRequired);
            try {
                checkQuirks(r.quirks);
            } catch (const Error& e) {
                bad(file, e.message());
            }
        }
        return r;
    }

    CardState parseState(const fs::path& file)
    {
        const Json j = parseJson(file);
        CardState s;
        s.pin = field<std::string>(file, j, "pin", true);
        s.puk = field<std::string>(file, j, "puk", true);
        s.pinTriesLeft = field<int>(file, j, "pinTriesLeft", true);
        s.pukTriesLeft = field<int>(file, j, "pukTriesLeft", true);
        if (!isSecretText(s.pin)) bad(file, "\"pin\" must have 1 to 8 printable characters");
        if (!isSecretText(s.puk)) bad(file, "\"puk\" must have 1 to 8 printable characters");
        if (s.pinTriesLeft < 0 || s.pinTriesLeft > kPinTriesMax)
            bad(file, "\"pinTriesLeft\" must be 0.." + std::to_string(kPinTriesMax));
        if (s.pukTriesLeft < 0 || s.pukTriesLeft > kPukTriesMax)
            bad(file, "\"pukTriesLeft\" must be 0.." + std::to_string(kPukTriesMax));
        return s;
    }

    std::string optionalText(const fs::path& file)
    {
        std::error_code ec;
        if (!fs::exists(file, ec)) return {};
        return readText(file);
    }

    std::map<FilePath, Bytes> readEfs(const fs::path& efDir)
    {
        std::map<FilePath, Bytes> files;
        std::error_code ec;
        if (!fs::exists(efDir, ec)) return files;
        if (!fs::is_directory(efDir, ec)) bad(efDir, "not a directory");
        for (const fs::directory_entry& entry : fs::directory_iterator(efDir)) {
            const fs::path& p = entry.path();
            if (!entry.is_regular_file())
                bad(p, "not a regular file (ef/ holds one file per EF, named like 3F00-1000-1003)");
            FilePath path;
            try {
                path = parseFilePath(p.filename().string());
            } catch (const Error& e) {
                bad(p, "bad EF file name: " + e.message());
            }
            if (path.size() < 2) bad(p, "an EF path needs at least one FID below 3F00");
            Bytes data = readBinary(p);
            if (data.size() > kMaxEfSize)
                bad(p, "EF larger than 65535 bytes (" + std::to_string(data.size()) + ")");
            files.emplace(std::move(path), std::move(data));
        }
        // An EF cannot also be a DF on the way to another EF.
        for (const auto& [path, data] : files) {
            for (std::size_t n = 2; n < path.size(); ++n) {
                const FilePath prefix(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(n));
                if (files.contains(prefix))
                    bad(efDir / filePathName(prefix),
                        "used both as an EF and as the DF of " + filePathName(path));
            }
        }
        return files;
    }

    Json recordToJson(const CardRecord& r)
    {
        Json j;
        j["format"] = r.format;
        j["profile"] = r.profile;
        j["atr"] = r.atrHex;
        j["cardId"] = r.cardId;
        j["codiceFiscale"] = r.codiceFiscale;
        j["surname"] = r.surname;
        j["givenName"] = r.givenName;
        j["sex"] = r.sex;
        j["birthDate"] = r.birthDate;
        j["birthPlace"] = r.birthPlace;
        j["residence"] = r.residence;
        j["issuer"] = r.issuer;
        j["issueDate"] = r.issueDate;
        j["expiryDate"] = r.expiryDate;
        j["pin"] = r.pin;
        j["puk"] = r.puk;
        j["keyBits"] = r.keyBits;
        j["seed"] = r.seed;
        const CardQuirks& q = r.quirks;
        j["quirks"] = Json { { "pad", q.pad }, { "efSize", q.efSize },
            { "personalHeader", q.personalHeader }, { "noFci", q.noFci }, { "readEnd", q.readEnd },
            { "aidRequired", q.aidRequired } };
        return j;
    }

} // namespace

void checkQuirks(const CardQuirks& q)
{
    if (q.pad != "none" && q.pad != "00" && q.pad != "ff")
        throw Error(Errc::BadArgument, "pad must be 00, ff or none (got '" + q.pad + "')");
    if (q.personalHeader != "including" && q.personalHeader != "excluding")
        throw Error(Errc::BadArgument,
            "personal-header must be including or excluding (got '" + q.personalHeader + "')");
    if (q.readEnd != "9000" && q.readEnd != "6282" && q.readEnd != "6b00")
        throw Error(
            Errc::BadArgument, "read-end must be 9000, 6282 or 6b00 (got '" + q.readEnd + "')");
    if (q.efSize > 0x7FFF) throw Error(Errc::BadArgument, "ef-size must be at most 32767 bytes");
}

FilePath parseFilePath(std::string_view text)
{
    FilePath path;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.size() - i < 4)
            throw Error(
                Errc::BadArgument, "file path '" + std::string(text) + "': FIDs have 4 hex digits");
        Fid fid = 0;
        for (std::size_t k = i; k < i + 4; ++k) {
            const char c = text[k];
            int v = -1;
            if (c >= '0' && c <= '9') v = c - '0';
            if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
            if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
            if (v < 0)
                throw Error(Errc::BadArgument, "file path '" + std::string(text) + "': not hex");
            fid = static_cast<Fid>((fid << 4) | v);
        }
        path.push_back(fid);
        i += 4;
        if (i < text.size()) {
            if (text[i] != '-' && text[i] != '/')
                throw Error(Errc::BadArgument,
                    "file path '" + std::string(text) + "': FIDs are separated by '-' or '/'");
            ++i;
            if (i == text.size())
                throw Error(
                    Errc::BadArgument, "file path '" + std::string(text) + "': trailing separator");
        }
    }
    if (path.empty() || path.front() != kMfFid)
        throw Error(
            Errc::BadArgument, "file path '" + std::string(text) + "' must start with 3F00");
    for (std::size_t k = 1; k < path.size(); ++k)
        if (path[k] == kMfFid || path[k] == 0xFFFF)
            throw Error(Errc::BadArgument,
                "file path '" + std::string(text) + "': reserved FID inside the path");
    return path;
}

std::string filePathName(const FilePath& path, char separator)
{
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (i != 0) out.push_back(separator);
        for (int shift = 12; shift >= 0; shift -= 4)
            out.push_back(kHex[(path[i] >> shift) & 0x0F]);
    }
    return out;
}

std::string cardRecordJson(const CardRecord& record)
{
    return recordToJson(record).dump(2) + "\n";
}

CardImage readCardImage(const fs::path& dir)
try {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw Error(Errc::BadArgument, "card image: " + dir.string() + " is not a directory");
    const fs::path recordFile = dir / kRecordFile;
    if (!fs::exists(recordFile, ec))
        throw Error(Errc::BadArgument,
            "card image: " + recordFile.string()
                + " is missing (create an image with `tscns-vcard new`)");

    CardImage image;
    image.record = parseRecord(recordFile);
    const fs::path stateFile = dir / kStateFile;
    if (fs::exists(stateFile, ec)) {
        image.state = parseState(stateFile);
    } else {
        image.state = CardState { image.record.pin, image.record.puk, kPinTriesMax, kPukTriesMax };
        writeCardState(dir, image.state);
    }
    image.caCertPem = optionalText(dir / kCaCertFile);
    image.caKeyPem = optionalText(dir / kCaKeyFile);
    image.certPem = optionalText(dir / kCertFile);
    image.keyPem = optionalText(dir / kKeyFile);
    image.files = readEfs(dir / kEfDir);
    return image;
} catch (const fs::filesystem_error& e) {
    throw Error(Errc::BadArgument, "card image: " + dir.string() + ": " + e.what());
}

void writeCardState(const fs::path& dir, const CardState& state)
{
    Json j;
    j["format"] = 1;
    j["pin"] = state.pin;
    j["puk"] = state.puk;
    j["pinTriesLeft"] = state.pinTriesLeft;
    j["pukTriesLeft"] = state.pukTriesLeft;
    const fs::path target = dir / kStateFile;
    fs::path tmp = target;
    tmp += ".tmp";
    writeText(tmp, j.dump(2) + "\n", true);
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) bad(target, "cannot replace: " + ec.message());
}

void writeCardImage(const fs::path& dir, const CardImage& image, bool force)
try {
    std::error_code ec;
    if (fs::exists(dir, ec)) {
        if (!fs::is_directory(dir, ec))
            throw Error(Errc::BadArgument, dir.string() + " exists and is not a directory");
        if (!fs::is_empty(dir, ec)) {
            if (!force)
                throw Error(Errc::BadArgument,
                    dir.string() + " is not empty: refusing to overwrite it (use --force)");
            for (std::string_view name :
                { kRecordFile, kStateFile, kCaCertFile, kCaKeyFile, kCertFile, kKeyFile })
                fs::remove(dir / name, ec);
            fs::remove(dir / "state.json.tmp", ec);
            fs::remove_all(dir / kEfDir, ec);
            if (ec) bad(dir / kEfDir, "cannot remove: " + ec.message());
        }
    }
    fs::create_directories(dir / kEfDir, ec);
    if (ec) bad(dir / kEfDir, "cannot create: " + ec.message());

    writeText(dir / kRecordFile, cardRecordJson(image.record));
    writeText(dir / kCaCertFile, image.caCertPem);
    writeText(dir / kCaKeyFile, image.caKeyPem, true);
    writeText(dir / kCertFile, image.certPem);
    writeText(dir / kKeyFile, image.keyPem, true);
    for (const auto& [path, data] : image.files)
        writeFile(dir / kEfDir / filePathName(path), data);
    writeCardState(dir, image.state);
} catch (const fs::filesystem_error& e) {
    throw Error(Errc::BadArgument, "card image: " + dir.string() + ": " + e.what());
}

} // namespace tscns::vcard
