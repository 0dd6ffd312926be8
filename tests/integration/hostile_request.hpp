#pragma once

// The hostile-input catalogue's vocabulary: one request and the answer it must get (Case), and the
// builders its table is written with.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "image/base64.hpp"
#include "integration/hostile_stack.hpp"
#include "support/child_process.hpp"
#include "support/jwt_tokens.hpp"
#include "support/raw_http.hpp"
#include "support/test_images.hpp"

namespace vg::test::hostile {

using json = nlohmann::json;
namespace images = vg::image::testing;

// One hostile request and the answer it must get. `raw` bytes go out verbatim on a fresh
// connection; otherwise method/target/headers/body make a well-framed request.
struct Case {
    std::string name;
    std::string raw;
    std::string method = "POST";
    std::string target;
    std::string headers;  // extra header lines, each ending in \r\n
    std::string body;
    bool with_key = true;  // the full-scope API key is sent
    int status = 0;
    std::string code;                              // the JSON error code; empty for a success
    std::function<void(HostileStack&)> before;     // e.g. scripts the fake upstream's next answer
    std::function<void(const RawResponse&)> also;  // more checks on the answer

    Case& header(const std::string& line) {
        headers += line + "\r\n";
        return *this;
    }
    Case& without_key() {
        with_key = false;
        return *this;
    }
    Case& then_check(std::function<void(const RawResponse&)> check) {
        also = std::move(check);
        return *this;
    }
};

inline Case post(std::string name, std::string target, std::string body, int status, std::string code,
                 std::string type = "application/json") {
    Case c;
    c.name = std::move(name);
    c.target = std::move(target);
    c.body = std::move(body);
    c.status = status;
    c.code = std::move(code);
    if (!type.empty()) c.headers = "Content-Type: " + type + "\r\n";
    return c;
}

inline Case get(std::string name, std::string target, int status, std::string code) {
    Case c = post(std::move(name), std::move(target), "", status, std::move(code), "");
    c.method = "GET";
    return c;
}

inline Case raw(std::string name, std::string bytes, int status, std::string code) {
    Case c;
    c.name = std::move(name);
    c.raw = std::move(bytes);
    c.status = status;
    c.code = std::move(code);
    return c;
}

inline std::string b64(const std::string& bytes) {
    return image::encode_base64(bytes);
}
inline std::string png_bytes() {
    return images::encode(images::solid(32, 24, {200, 120, 40}), ".png");
}
inline std::string good_png() {
    return b64(png_bytes());
}

inline constexpr const char* kBoundary = "hostile-boundary";

// A multipart/form-data body (boundary kBoundary) of named parts; "image" parts get a filename.
inline std::string multipart(const std::vector<std::pair<std::string, std::string>>& parts) {
    std::string body;
    for (const auto& [name, value] : parts) {
        body += std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"" +
                (name == "image" ? "; filename=\"a.png\"" : "") + "\r\n\r\n" + value + "\r\n";
    }
    return body + "--" + kBoundary + "--\r\n";
}

// /api/model/infer with this image (base64 of `bytes`) and a question.
inline Case infer_image(std::string name, const std::string& bytes, int status, std::string code) {
    return post(std::move(name), "/api/model/infer", json{{"image", b64(bytes)}, {"question", "what is it?"}}.dump(),
                status, std::move(code));
}

inline Case infer(std::string name, json body, int status, std::string code) {
    return post(std::move(name), "/api/model/infer", body.dump(), status, std::move(code));
}

// An infer body with a valid image and question plus `extra` fields.
inline json infer_with(json extra) {
    json body{{"image", good_png()}, {"question", "what is it?"}};
    body.update(extra);
    return body;
}

inline Case chat(std::string name, json body, int status, std::string code) {
    return post(std::move(name), "/v1/chat/completions", body.dump(), status, std::move(code));
}

inline json chat_image(const std::string& url) {
    return {
        {"messages",
         {{{"role", "user"},
           {"content",
            {{{"type", "text"}, {"text", "what is it?"}}, {{"type", "image_url"}, {"image_url", {{"url", url}}}}}}}}}};
}

inline Case task(std::string name, const std::string& path, json body, int status, std::string code) {
    return post(std::move(name), path, body.dump(), status, std::move(code));
}

inline Case job(std::string name, json body, int status, std::string code) {
    return post(std::move(name), "/api/jobs", body.dump(), status, std::move(code));
}

inline Case with_bearer(std::string name, const std::string& token, int status, std::string code,
                        std::string target = "/api/tasks") {
    Case c = get(std::move(name), std::move(target), status, std::move(code)).without_key();
    c.header("Authorization: Bearer " + token);
    return c;
}

// What `visiongrid gateway` is configured to accept (HostileStack), signed here with OpenSSL.
inline std::string hs256_token(json header, json payload, const std::string& secret = kJwtSecret) {
    return make_token(header, payload, [&](const std::string& input) { return hmac_sha256(secret, input); });
}

inline long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

inline json claims(json extra = json::object()) {
    json payload{{"sub", "hostile"}, {"iss", kJwtIssuer}, {"exp", unix_now() + 600}, {"scope", "business model"}};
    payload.update(extra);
    return payload;
}

inline const json kHs256{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", "k1"}};

// A DICOM file made by DCMTK from a JPEG; with `strip_pixels` its Pixel Data element is deleted. Empty
// when dcmtk's tools are missing.
inline std::string dicom_file(const std::filesystem::path& dir, bool strip_pixels) {
    if (!on_path("img2dcm") || !on_path("dcmodify")) return {};
    const auto jpeg = dir / "scan.jpg";
    const auto dicom = dir / (strip_pixels ? "no-pixels.dcm" : "scan.dcm");
    std::ofstream(jpeg, std::ios::binary) << images::encode(images::gradient(32, 32), ".jpg");
    if (run_command("img2dcm", {jpeg.string(), dicom.string()}).exit_code != 0) return {};
    if (strip_pixels && run_command("dcmodify", {"-nb", "-e", "(7fe0,0010)", dicom.string()}).exit_code != 0) return {};
    std::ifstream in(dicom, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The header of a raw request to the gateway, authenticated, for a route that takes a body.
inline std::string raw_head(const std::string& target = "/api/model/infer") {
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + kStackKey +
           "\r\nContent-Type: application/json\r\n";
}

inline std::string nested_schema(int depth) {
    std::string open, close;
    for (int i = 0; i < depth; ++i) {
        open += R"({"type":"object","properties":{"a":)";
        close += "}}";
    }
    return open + R"({"type":"string"})" + close;
}

}  // namespace vg::test::hostile
