// The hostile-input catalogue: a running stack (gateway → business → model → fake OpenAI upstream)
// is sent one request after another that a careless or malicious client could send, and each must
// get its exact status and error code, then every process must still be up and serving. Slow
// clients (slowloris) and URL fetching for batch jobs (SSRF) need time or a second server, so they
// are scenarios of their own below the table.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>

#include "integration/hostile_request.hpp"
#include "integration/hostile_stack.hpp"
#include "support/fake_upstream.hpp"

namespace vg::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace images = vg::image::testing;
using namespace hostile;

std::vector<Case> catalogue(const std::filesystem::path& dir) {
    const std::string png = png_bytes();
    const std::string jpeg = images::encode(images::gradient(64, 48), ".jpg");
    const std::string webp = images::encode(images::noise(48, 48), ".webp");
    const std::string gif = images::encode(images::solid(16, 16, {0, 90, 200}), ".gif");
    std::string corrupt_png = png;
    for (std::size_t i = 40; i < corrupt_png.size() - 12; ++i)
        corrupt_png[i] = static_cast<char>(corrupt_png[i] ^ 0x5A);
    const std::string svg =
        R"(<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>)";
    const std::string html = "<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>";
    const std::string dicom = dicom_file(dir, false);
    const std::string dicom_without_pixels = dicom_file(dir, true);
    const std::string deep_array = std::string(100000, '[') + std::string(100000, ']');
    const std::string head = raw_head();
    const std::string key = "Authorization: Bearer " + kStackKey + "\r\n";

    std::vector<Case> cases = {
        // --- JSON: malformed, wrong types, huge numbers, nesting, UTF-8 ---
        post("malformed JSON", "/api/model/infer", R"({"image": "abc", "question": )", 400, "invalid_json"),
        post("JSON array instead of an object", "/api/model/infer", "[1,2,3]", 400, "invalid_json"),
        post("empty body", "/api/model/infer", "", 400, "empty_body"),
        post("trailing garbage after the object", "/api/model/infer", R"({"question": "q"} trailing)", 400,
             "invalid_json"),
        post("raw NUL inside a JSON string", "/api/model/infer", std::string("{\"question\": \"a") + '\0' + "b\"}", 400,
             "invalid_json"),
        infer("image is a number", {{"image", 42}, {"question", "q"}}, 400, "invalid_field"),
        infer("question is a list", infer_with({{"question", {"q"}}}), 400, "invalid_field"),
        infer("max_tokens is a string", infer_with({{"max_tokens", "many"}}), 400, "invalid_field"),
        post("max_tokens 1e400 overflows a double", "/api/model/infer",
             R"({"image": ")" + good_png() + R"(", "question": "q", "max_tokens": 1e400})", 400, "invalid_json"),
        post("max_tokens beyond 64 bits", "/api/model/infer",
             R"({"image": ")" + good_png() + R"(", "question": "q", "max_tokens": 123456789012345678901234567890})",
             400, "invalid_field"),
        infer("seed of 2^64-1", infer_with({{"seed", 18446744073709551615ull}}), 400, "invalid_field"),
        infer("top_k of the most negative int64", infer_with({{"top_k", std::numeric_limits<long long>::min()}}), 400,
              "invalid_field"),
        infer("temperature -1e308", infer_with({{"temperature", -1e308}}), 400, "invalid_field"),
        infer("max_tokens over the service limit", infer_with({{"max_tokens", 8193}}), 400, "invalid_field"),
        infer("unknown field", infer_with({{"admin", true}}), 400, "unknown_field"),
        infer("image and image_url together", infer_with({{"image_url", "data:image/png;base64," + good_png()}}), 400,
              "missing_field"),
        infer("no image at all", {{"question", "q"}}, 400, "missing_field"),
        post("100k unclosed '['", "/api/model/infer", std::string(100000, '['), 400, "invalid_json"),
        post("100k-deep array as json_schema", "/api/model/infer",
             R"({"image": ")" + good_png() + R"(", "question": "q", "json_schema": )" + deep_array + "}", 400,
             "invalid_json"),
        post("100k-deep nested object schema", "/api/model/infer",
             R"({"image": ")" + good_png() + R"(", "question": "q", "json_schema": )" + nested_schema(100000) + "}",
             400, "invalid_json"),
        post("schema nested 150 levels (300 JSON levels)", "/api/model/infer",
             R"({"image": ")" + good_png() + R"(", "question": "q", "json_schema": )" + nested_schema(150) + "}", 400,
             "unsupported_schema"),
        post("invalid UTF-8 in the question", "/api/model/infer",
             R"({"image": ")" + good_png() + "\", \"question\": \"\xff\xfe\xfd\"}", 400, "invalid_json"),
        post("overlong UTF-8 encoding of '/'", "/api/model/infer",
             R"({"image": ")" + good_png() + "\", \"question\": \"\xc0\xaf\"}", 400, "invalid_json"),
        post("lone UTF-16 surrogate escape", "/api/model/infer",
             R"({"image": ")" + good_png() + R"(", "question": "\ud800"})", 400, "invalid_json"),

        // --- base64 and data URIs ---
        infer("invalid base64", {{"image", "!!!not base64 at all!!!"}, {"question", "q"}}, 400, "invalid_base64"),
        infer("base64 padding in the middle", {{"image", "iVBO=w0KGgo"}, {"question", "q"}}, 400, "invalid_base64"),
        infer("empty image string", {{"image", ""}, {"question", "q"}}, 400, "empty_image"),
        infer("data URI without a comma", {{"image_url", "data:image/png;base64"}, {"question", "q"}}, 400,
              "invalid_data_uri"),
        infer("data URI with bad base64", {{"image_url", "data:image/png;base64,@@@@"}, {"question", "q"}}, 400,
              "invalid_base64"),

        // --- images: truncated, corrupt, bombs, odd shapes and colour spaces, disguises ---
        infer_image("truncated JPEG", jpeg.substr(0, jpeg.size() / 2), 400, "invalid_image"),
        infer_image("PNG with corrupt chunks", corrupt_png, 400, "invalid_image"),
        infer_image("truncated WebP", webp.substr(0, webp.size() / 2), 400, "invalid_image"),
        infer_image("truncated GIF", gif.substr(0, gif.size() / 2), 400, "invalid_image"),
        infer_image("PNG bomb 100000x100000", images::png_claiming(100000, 100000), 413, "image_too_large"),
        infer_image("JPEG bomb 65000x65000", images::jpeg_claiming(65000, 65000), 413, "image_too_large"),
        infer_image("BMP bomb 100000x100000", images::bmp_claiming(100000, 100000), 413, "image_too_large"),
        infer_image("PNG of 0x0", images::png_claiming(0, 0), 400, "invalid_image"),
        infer_image("PNG of 1x4000", images::encode(images::solid(1, 4000, {9, 9, 9}), ".png"), 200, ""),
        infer_image("PNG of 4000x1", images::encode(images::solid(4000, 1, {9, 9, 9}), ".png"), 200, ""),
        infer_image("CMYK JPEG", images::encode(images::solid(32, 32, {0, 128, 255, 0}, true), ".jpg"), 200, ""),
        infer_image("16-bit PNG", images::encode(images::solid16(32, 32, {60000, 1000, 30000}), ".png"), 200, ""),
        infer_image(
            "animated GIF",
            images::encode(images::pages({images::solid(16, 16, {255, 0, 0}), images::solid(16, 16, {0, 255, 0})}),
                           ".gif"),
            200, ""),
        infer_image("SVG sent as an image", svg, 400, "unsupported_image_format"),
        infer_image("HTML sent as an image", html, 400, "unsupported_image_format"),
        infer_image("SVG behind a PNG signature", std::string("\x89PNG\r\n\x1a\n", 8) + svg, 400, "invalid_image"),
        infer_image("HTML behind a GIF signature", "GIF89a" + html, 400, "invalid_image"),

        // --- business tasks ---
        post("task body is not JSON", "/api/product/analysis", "not json", 400, "invalid_json"),
        task("task image is a number", "/api/product/analysis", {{"image", 7}}, 400, "invalid_field"),
        task("task unknown field", "/api/product/review", {{"image", good_png()}, {"priority", "high"}}, 400,
             "unknown_field"),
        post("task as text/plain", "/api/product/analysis", "hello", 415, "unsupported_media_type", "text/plain"),
        task("task caller_reference of 1000 bytes", "/api/product/analysis",
             {{"image", good_png()}, {"caller_reference", std::string(1000, 'r')}}, 400, "invalid_field"),
        post("task metadata nested 100k deep", "/api/product/analysis",
             R"({"image": ")" + good_png() + R"(", "metadata": {"a": )" + deep_array + "}}", 400, "invalid_field"),
        post("job metadata nested 100k deep", "/api/jobs",
             R"({"task": "product_review", "urls": ["http://localhost/a.png"], "metadata": {"a": )" + deep_array + "}}",
             400, "invalid_field"),
        post("job urls nested 100k deep", "/api/jobs", R"({"task": "product_review", "urls": )" + deep_array + "}", 400,
             "invalid_field"),
        post("chat content nested 100k deep", "/v1/chat/completions",
             R"({"messages": [{"role": "user", "content": )" + deep_array + "}]}", 400, "invalid_json"),
        post("form json_schema nested 100k deep", "/api/model/infer",
             multipart({{"image", png}, {"question", "q"}, {"json_schema", nested_schema(100000)}}), 400,
             "unsupported_schema", "multipart/form-data; boundary=" + std::string(kBoundary)),
        post("form metadata nested 8k deep", "/api/product/analysis",
             multipart(
                 {{"image", png}, {"metadata", "{\"a\": " + std::string(8000, '[') + std::string(8000, ']') + "}"}}),
             400, "invalid_field", "multipart/form-data; boundary=" + std::string(kBoundary)),
        post("form max_tokens 1e400", "/api/model/infer",
             multipart({{"image", png}, {"question", "q"}, {"max_tokens", "1e400"}}), 400, "invalid_field",
             "multipart/form-data; boundary=" + std::string(kBoundary)),
        post("multipart without a boundary", "/api/product/analysis", "--x\r\n\r\n", 400, "invalid_multipart",
             "multipart/form-data"),
        task("SVG to a business task", "/api/product/analysis", {{"image", b64(svg)}}, 415, "unsupported_image"),
        task("PNG bomb to a business task", "/api/product/review", {{"image", b64(images::png_claiming(90000, 90000))}},
             413, "image_too_large"),
        task("HTML to the medical task", "/api/medical/analysis", {{"image", b64(html)}}, 415, "unsupported_image"),
        get("results with limit=-1", "/api/results?limit=-1", 400, "invalid_parameter"),
        get("results with a traversal as task", "/api/results?task=..%2F..%2Fetc%2Fpasswd", 400, "unknown_task"),
        get("results with a forged cursor", "/api/results?cursor=AAAA%27%3B--", 400, "invalid_cursor"),
        get("results with since=yesterday", "/api/results?since=yesterday", 400, "invalid_parameter"),
        get("result id with SQL in it", "/api/results/x%27%20OR%20%271%27%3D%271", 404, "result_not_found"),

        // --- batch jobs: URLs the business role must not fetch (SSRF) ---
        job("job URL with file://", {{"task", "product_review"}, {"urls", {"file:///etc/passwd"}}}, 400,
            "url_scheme_not_allowed"),
        job("job URL with gopher://", {{"task", "product_review"}, {"urls", {"gopher://localhost:6379/_FLUSHALL"}}},
            400, "url_scheme_not_allowed"),
        job("job URL on 127.0.0.1", {{"task", "product_review"}, {"urls", {"http://127.0.0.1:6379/"}}}, 400,
            "url_host_not_allowed"),
        job("job URL on 10/8", {{"task", "product_review"}, {"urls", {"http://10.0.0.1/a.png"}}}, 400,
            "url_host_not_allowed"),
        job("job URL on cloud metadata",
            {{"task", "product_review"}, {"urls", {"http://169.254.169.254/latest/meta-data/"}}}, 400,
            "url_host_not_allowed"),
        job("job URL on ::1", {{"task", "product_review"}, {"urls", {"http://[::1]/a.png"}}}, 400,
            "url_host_not_allowed"),
        job("job URL with user info", {{"task", "product_review"}, {"urls", {"http://user:pw@localhost/a.png"}}}, 400,
            "url_invalid"),
        job("job URL is a number", {{"task", "product_review"}, {"urls", {42}}}, 400, "invalid_field"),
        job("webhook to file://",
            {{"task", "product_review"}, {"urls", {"http://localhost/a.png"}}, {"webhook_url", "file:///etc/passwd"}},
            400, "url_scheme_not_allowed"),
        job("webhook to cloud metadata",
            {{"task", "product_review"},
             {"urls", {"http://localhost/a.png"}},
             {"webhook_url", "http://169.254.169.254/"}},
            400, "url_host_not_allowed"),

        // --- chat completions: image_url SSRF, limits, prompts beyond the context ---
        chat("chat messages not a list", {{"messages", "hi"}}, 400, "missing_field"),
        chat("chat image_url on loopback", chat_image("http://127.0.0.1:8081/v1/models"), 400, "unsupported_image_url"),
        chat("chat image_url on ::1", chat_image("http://[::1]/a.png"), 400, "unsupported_image_url"),
        chat("chat image_url on 10/8", chat_image("http://10.1.2.3/a.png"), 400, "unsupported_image_url"),
        chat("chat image_url on cloud metadata", chat_image("http://169.254.169.254/latest/meta-data/"), 400,
             "unsupported_image_url"),
        chat("chat image_url with file://", chat_image("file:///etc/passwd"), 400, "unsupported_image_url"),
        chat("chat image_url with gopher://", chat_image("gopher://127.0.0.1:6379/_INFO"), 400,
             "unsupported_image_url"),
        infer("infer image_url on loopback", {{"image_url", "http://127.0.0.1/a.png"}, {"question", "q"}}, 400,
              "unsupported_image_url"),
        chat("chat with five images",
             {{"messages",
               {{{"role", "user"},
                 {"content",
                  json::array({{{"type", "image_url"}, {"image_url", "data:image/png;base64," + good_png()}},
                               {{"type", "image_url"}, {"image_url", "data:image/png;base64," + good_png()}},
                               {{"type", "image_url"}, {"image_url", "data:image/png;base64," + good_png()}},
                               {{"type", "image_url"}, {"image_url", "data:image/png;base64," + good_png()}},
                               {{"type", "image_url"}, {"image_url", "data:image/png;base64," + good_png()}}})}}}}},
             400, "too_many_images"),
        chat("chat role admin", {{"messages", {{{"role", "admin"}, {"content", "hi"}}}}}, 400, "invalid_field"),
        chat("chat stream is a string", {{"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"stream", "yes"}}, 400,
             "invalid_field"),
        chat("chat n=5", {{"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"n", 5}}, 400, "invalid_field"),
        infer("question over 64 KiB", infer_with({{"question", std::string(70 * 1024, 'q')}}), 400, "field_too_long"),
        chat("chat text over the total limit",
             {{"messages",
               {{{"role", "user"}, {"content", std::string(60 * 1024, 'a')}},
                {{"role", "assistant"}, {"content", std::string(60 * 1024, 'b')}},
                {{"role", "user"}, {"content", std::string(60 * 1024, 'c')}},
                {{"role", "assistant"}, {"content", std::string(60 * 1024, 'd')}},
                {{"role", "user"}, {"content", std::string(60 * 1024, 'e')}}}}},
             400, "field_too_long"),
        [] {
            // Within our own limits, beyond the upstream model's context: it says so with a 400.
            Case c = infer("prompt beyond the model's context", infer_with({{"question", std::string(60 * 1024, 'w')}}),
                           400, "upstream_rejected");
            c.before = [](HostileStack& stack) {
                stack.upstream().push(
                    OpenAiReply::error(400, "the request exceeds the available context size, try increasing it"));
            };
            return c;
        }(),

        // --- HTTP framing: smuggling, malformed requests, sizes ---
        raw("Content-Length with Transfer-Encoding",
            head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
            "invalid_transfer_encoding"),
        raw("Transfer-Encoding with Content-Length",
            head + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400, "invalid_content_length"),
        raw("duplicate equal Content-Length", head + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}", 400,
            "duplicate_content_length"),
        raw("conflicting Content-Length", head + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x", 400,
            "invalid_content_length"),
        raw("Content-Length list", head + "Content-Length: 2, 3\r\n\r\n{}x", 400, "invalid_content_length"),
        raw("negative Content-Length", head + "Content-Length: -1\r\n\r\n{}", 400, "invalid_content_length"),
        raw("hex Content-Length", head + "Content-Length: 0x2\r\n\r\n{}", 400, "invalid_content_length"),
        raw("Transfer-Encoding gzip without chunked",
            head + "Transfer-Encoding: gzip\r\n\r\nGET /admin HTTP/1.1\r\n\r\n", 400, "invalid_transfer_encoding"),
        raw("Transfer-Encoding chunked twice in one field",
            head + "Transfer-Encoding: chunked, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 400, "invalid_transfer_encoding"),
        raw("Transfer-Encoding in two fields",
            head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
            "invalid_transfer_encoding"),
        raw("bad chunk size", head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400, "malformed_body"),
        raw("chunk size overflowing 64 bits",
            head + "Transfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\n{}\r\n0\r\n\r\n", 400, "malformed_body"),
        raw("chunk longer than its size", head + "Transfer-Encoding: chunked\r\n\r\n1\r\n{}\r\n0\r\n\r\n", 400,
            "malformed_body"),
        raw("obs-fold continuation line is folded into the value (RFC 9112 5.2)",
            "GET /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n" + key +
                "X-Note: a\r\n X-Injected: yes\r\nConnection: close\r\n\r\n",
            200, ""),
        raw("header line without a colon", "GET /health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400,
            "malformed_request"),
        raw("space before the colon", head + "Content-Length : 2\r\n\r\n{}", 400, "malformed_request"),
        raw("NUL in a header value", std::string("GET /health HTTP/1.1\r\nHost: x\r\nX-A: a") + '\0' + "b\r\n\r\n", 400,
            "malformed_request"),
        raw("bare LF line endings", "GET /health HTTP/1.1\nHost: x\n\n", 400, "malformed_request"),
        raw("lower-case protocol name", "GET /health http/1.1\r\nHost: x\r\n\r\n", 400, "malformed_request"),
        raw("absolute-form target", "GET http://127.0.0.1:9/ HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_target"),
        raw("asterisk target", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_target"),
        raw("one 20 KB header", "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n",
            431, "header_too_large"),
        raw("a 20 KB URL", "GET /health?" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 431,
            "header_too_large"),
        [] {
            std::string many = "GET /health HTTP/1.1\r\nHost: x\r\n";
            for (int i = 0; i < 2000; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
            return raw("2000 small headers", many + "\r\n", 431, "header_too_large");
        }(),
        raw("100 MiB declared for a 64 MiB route", head + "Content-Length: 104857600\r\n\r\n{", 413, "body_too_large"),
        raw("300 MiB declared", head + "Content-Length: 314572800\r\n\r\n{", 413, "body_too_large"),
        raw("Expect: 100-continue over the limit", head + "Expect: 100-continue\r\nContent-Length: 104857600\r\n\r\n",
            413, "body_too_large"),

        // --- paths ---
        get("dot-dot in the path", "/api/../admin", 400, "invalid_path"),
        get("encoded dot-dot", "/api/%2e%2e/admin", 400, "invalid_path"),
        get("encoded dot-dot and slashes under a route", "/api/model/%2e%2e%2f%2e%2e%2fadmin", 400, "invalid_path"),
        get("backslashes", "/api/results/..\\..\\admin", 400, "invalid_path"),
        get("encoded backslashes", "/api/results/..%5c..%5cadmin", 400, "invalid_path"),
        get("double slash", "//api/tasks", 400, "invalid_path"),
        get("encoded NUL", "/api/tasks%00.png", 400, "invalid_path"),
        get("single-dot segment", "/api/./tasks", 400, "invalid_path"),
        get("no such route", "/admin", 404, "route_not_found"),
        get("route prefix in upper case", "/API/TASKS", 404, "route_not_found"),

        // --- request ids: nothing a client sends may become a response header ---
        get("X-Request-Id with encoded CRLF", "/api/tasks", 200, "")
            .header("X-Request-Id: abc%0d%0aSet-Cookie:%20session=evil")
            .then_check([](const RawResponse& r) {
                EXPECT_NE(r.headers.get_or("X-Request-Id", ""), "abc%0d%0aSet-Cookie:%20session=evil");
                EXPECT_FALSE(r.headers.get("Set-Cookie"));
            }),
        raw("X-Request-Id with a bare CR",
            "GET /api/tasks HTTP/1.1\r\nHost: x\r\n" + key + "X-Request-Id: abc\rSet-Cookie: a=b\r\n\r\n", 400,
            "malformed_request")
            .then_check([](const RawResponse& r) { EXPECT_FALSE(r.headers.get("Set-Cookie")); }),
        get("X-Request-Id of 300 bytes", "/api/tasks", 200, "")
            .header("X-Request-Id: " + std::string(300, 'r'))
            .then_check([](const RawResponse& r) { EXPECT_LE(r.headers.get_or("X-Request-Id", "").size(), 128u); }),
        get("X-Request-Id with UTF-8", "/api/tasks", 200, "")
            .header("X-Request-Id: r\xc3\xa9quest")
            .then_check(
                [](const RawResponse& r) { EXPECT_NE(r.headers.get_or("X-Request-Id", ""), "r\xc3\xa9quest"); }),
        get("a plain X-Request-Id is kept", "/api/tasks", 200, "")
            .header("X-Request-Id: client-id_1.2:3")
            .then_check(
                [](const RawResponse& r) { EXPECT_EQ(r.headers.get_or("X-Request-Id", ""), "client-id_1.2:3"); }),

        // --- authentication ---
        get("no credentials", "/api/tasks", 401, "unauthenticated").without_key(),
        with_bearer("wrong API key", "vg_not-a-key-0123456789abcdefghijklmnopqrstuv", 401, "invalid_api_key"),
        get("Basic credentials", "/api/tasks", 401, "unauthenticated")
            .without_key()
            .header("Authorization: Basic dXNlcjpwYXNz"),
        get("empty bearer", "/api/tasks", 401, "unauthenticated").without_key().header("Authorization: Bearer "),
        with_bearer("JWT signed with another secret",
                    hs256_token(kHs256, claims(), "another-secret-0123456789abcdefghijkl"), 401, "token_bad_signature"),
        with_bearer("expired JWT", hs256_token(kHs256, claims({{"exp", unix_now() - 60}})), 401, "token_expired"),
        with_bearer("JWT with alg none",
                    make_token({{"alg", "none"}, {"typ", "JWT"}}, claims(), [](const std::string&) { return ""; }), 401,
                    "token_algorithm_not_allowed"),
        with_bearer("JWT with alg NoNe", make_token({{"alg", "NoNe"}}, claims(), [](const std::string&) { return ""; }),
                    401, "token_algorithm_not_allowed"),
        with_bearer("JWT with alg HS512", hs256_token({{"alg", "HS512"}, {"kid", "k1"}}, claims()), 401,
                    "token_algorithm_not_allowed"),
        with_bearer("JWT claiming RS256 for an HS256 key", hs256_token({{"alg", "RS256"}, {"kid", "k1"}}, claims()),
                    401, "token_algorithm_not_allowed"),
        with_bearer("JWT with an unknown kid", hs256_token({{"alg", "HS256"}, {"kid", "k9"}}, claims()), 401,
                    "token_unknown_key"),
        with_bearer("JWT from another issuer", hs256_token(kHs256, claims({{"iss", "evil"}})), 401,
                    "token_wrong_issuer"),
        with_bearer("JWT without exp",
                    hs256_token(kHs256,
                                [] {
                                    json c = claims();
                                    c.erase("exp");
                                    return c;
                                }()),
                    401, "token_malformed"),
        with_bearer("JWT not valid yet", hs256_token(kHs256, claims({{"nbf", unix_now() + 3600}})), 401,
                    "token_not_yet_valid"),
        with_bearer("three dots of garbage", "a.b.c", 401, "token_malformed"),
        with_bearer("JWT of 9 KiB", hs256_token(kHs256, claims({{"pad", std::string(9000, 'p')}})), 401,
                    "token_malformed"),
        with_bearer("business-only key on a model route", kBusinessOnlyKey, 403, "insufficient_scope", "/v1/models"),
        with_bearer("JWT without the model scope on a model route",
                    hs256_token(kHs256, claims({{"scope", "business"}})), 403, "insufficient_scope", "/v1/models"),
        with_bearer("a valid JWT is accepted", hs256_token(kHs256, claims()), 200, ""),
    };
    if (!dicom.empty() && !dicom_without_pixels.empty()) {
        cases.push_back(infer_image("DICOM sent to the model", dicom, 400, "unsupported_image_format"));
        cases.push_back(task("DICOM without pixel data", "/api/medical/analysis",
                             {{"image", b64(dicom_without_pixels)}}, 400, "dicom_no_pixel_data"));
        cases.push_back(task("truncated DICOM", "/api/medical/analysis", {{"image", b64(dicom.substr(0, 200))}}, 400,
                             "dicom_invalid"));
    } else {
        std::cout << "[ catalogue ] dcmtk's img2dcm/dcmodify are not installed: the DICOM cases are left out"
                  << std::endl;
    }
    return cases;
}

class HostileInputTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        stack_ = new HostileStack({"business.jobs.fetch.allowed_hosts=[\"localhost\"]",
                                   "business.jobs.webhook.allowed_hosts=[\"localhost\"]",
                                   "business.jobs.webhook.secret=hostile-webhook-secret-0123"});
        // Up when both a model and a business request pass end to end.
        if (!poll_until([] { return stack_->serves_good_requests(); }, 20s)) {
            ADD_FAILURE() << "the stack never served a good request:\n" << stack_->drain_logs();
        }
    }
    static void TearDownTestSuite() {
        delete stack_;
        stack_ = nullptr;
    }

    static std::optional<RawResponse> send(const Case& c) {
        if (!c.raw.empty()) {
            RawConnection connection(stack_->gateway_port());
            if (!connection.connected() || !connection.send(c.raw)) return std::nullopt;
            return connection.read_response(15s);
        }
        std::string headers = c.headers;
        if (c.with_key) headers = "Authorization: Bearer " + kStackKey + "\r\n" + headers;
        return http_request(stack_->gateway_port(), c.method, c.target, c.body, headers);
    }

    static inline HostileStack* stack_ = nullptr;
};

TEST_F(HostileInputTest, EveryHostileRequestGetsItsExactStatusAndCode) {
    const auto cases = catalogue(stack_->dir());
    std::cout << "[ catalogue ] " << cases.size() << " hostile requests" << std::endl;
    EXPECT_GE(cases.size(), 60u);
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        if (c.before) c.before(*stack_);
        const auto started = Clock::now();
        auto response = send(c);
        ASSERT_TRUE(response) << c.name << ": no answer\n" << stack_->drain_logs();
        EXPECT_EQ(response->status, c.status) << c.name << ": " << response->body.substr(0, 300);
        EXPECT_EQ(error_code(*response), c.code) << c.name << ": " << response->body.substr(0, 300);
        // Every refusal is fast: nothing waits for a timeout to say no.
        EXPECT_LT(Clock::now() - started, 5s) << c.name;
        if (c.also) c.also(*response);
        ASSERT_TRUE(stack_->all_alive()) << "a process died after: " << c.name << "\n" << stack_->drain_logs();
        stack_->drain_logs();
    }
    EXPECT_TRUE(stack_->all_alive());
    EXPECT_TRUE(stack_->serves_good_requests());
}

// A client that trickles bytes (or none): it records how long the server took to close on it, counted from
// its first byte, and what the server answered before closing, if anything.
struct SlowClient {
    explicit SlowClient(unsigned short port) : connection(port) {}

    // Sends `prefix` at once, then one byte of `drip` each `pace` until the server hangs up.
    void run(const std::string& prefix, const std::string& drip, std::chrono::milliseconds pace) {
        const auto started = Clock::now();
        if (!prefix.empty()) connection.send(prefix);
        std::size_t next = 0;
        while (!connection.closed_by_peer(pace)) {
            if (!drip.empty() && !connection.send(std::string(1, drip[next++ % drip.size()]))) break;
            if (Clock::now() - started > 20s) return;  // never cut off: `elapsed` stays unset
        }
        elapsed = Clock::now() - started;
        response = connection.read_response(0ms);
    }

    RawConnection connection;
    std::optional<Clock::duration> elapsed;
    std::optional<RawResponse> response;
};

TEST_F(HostileInputTest, SlowlorisClientsAreCutOffWhileOthersAreServed) {
    const unsigned short port = stack_->gateway_port();
    constexpr int kEach = 10;
    std::vector<std::unique_ptr<SlowClient>> headers, bodies, idle;
    std::vector<std::thread> threads;
    for (int i = 0; i < kEach; ++i) {
        headers.push_back(std::make_unique<SlowClient>(port));
        bodies.push_back(std::make_unique<SlowClient>(port));
        idle.push_back(std::make_unique<SlowClient>(port));
    }
    const auto started = Clock::now();
    for (int i = 0; i < kEach; ++i) {
        threads.emplace_back(
            [c = headers[i].get()] { c->run("GET /api/tasks HTTP/1.1\r\nHost: x\r\n", "X-Slow: 1\r\n", 100ms); });
        threads.emplace_back(
            [c = bodies[i].get()] { c->run(raw_head() + "Content-Length: 100000\r\n\r\n", "{", 100ms); });
        threads.emplace_back([c = idle[i].get()] { c->run("", "", 500ms); });
    }
    // While all thirty hang on, other clients are served.
    int served = 0;
    while (Clock::now() - started < kStackReadTimeout / 2) {
        if (stack_->serves_good_requests()) ++served;
    }
    for (auto& thread : threads) thread.join();
    EXPECT_GE(served, 1);
    std::cout << "[ slowloris ] " << served << " good request pairs served while " << 3 * kEach
              << " slow clients hung on" << std::endl;
    const auto limit = kStackReadTimeout + 1000ms;  // the deadline, its 50 ms tick, and slack for a loaded machine
    for (int i = 0; i < kEach; ++i) {
        for (auto* client : {headers[i].get(), bodies[i].get(), idle[i].get()}) {
            ASSERT_TRUE(client->elapsed) << "a slow client was never cut off";
            EXPECT_LT(*client->elapsed, limit);
            EXPECT_GE(*client->elapsed, kStackReadTimeout - 100ms);
        }
        ASSERT_TRUE(headers[i]->response);
        EXPECT_EQ(headers[i]->response->status, 408);
        EXPECT_EQ(error_code(*headers[i]->response), "header_timeout");
        ASSERT_TRUE(bodies[i]->response);
        EXPECT_EQ(bodies[i]->response->status, 408);
        EXPECT_EQ(error_code(*bodies[i]->response), "body_timeout");
        EXPECT_FALSE(idle[i]->response) << "an idle connection is closed without an answer";
    }
    EXPECT_TRUE(stack_->all_alive());
    EXPECT_TRUE(stack_->serves_good_requests());
}

// Polls GET /api/jobs/{id} on `port` until the job has no pending items.
json wait_for_job(unsigned short port, const std::string& id, const std::string& headers) {
    json job;
    poll_until([&] {
        auto response = http_request(port, "GET", "/api/jobs/" + id, "", headers);
        if (!response || response->status != 200) return false;
        job = json::parse(response->body, nullptr, false);
        return job.is_object() && job.value("pending", 1) == 0;
    });
    return job;
}

TEST_F(HostileInputTest, JobUrlsCannotReachLoopbackByNameOrByRedirect) {
    // A name on the allowlist that resolves to loopback: the address check refuses it at fetch time.
    FakeUpstream web;
    auto created = stack_->send(
        "POST", "/api/jobs",
        json{{"task", "product_review"}, {"urls", {"http://localhost:" + std::to_string(web.port()) + "/a.png"}}}
            .dump(),
        "Content-Type: application/json\r\n");
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 202) << created->body;
    const json job = wait_for_job(stack_->gateway_port(), json::parse(created->body)["id"],
                                  "Authorization: Bearer " + kStackKey + "\r\n");
    ASSERT_EQ(job["items"].size(), 1u) << job.dump();
    EXPECT_EQ(job["items"][0]["state"], "failed");
    EXPECT_NE(job["items"][0]["error"].get<std::string>().find("url_address_not_allowed"), std::string::npos)
        << job.dump();
    EXPECT_EQ(web.request_count(), 0u);

    // Where private addresses are allowed (a business role inside a trusted network), a redirect still
    // cannot leave the allowlist: localhost answers with a redirect to 127.0.0.1, which is not on it.
    web.set_handler([port = web.port()](const RecordedRequest& request) {
        if (request.target == "/secret") return Reply::respond(200, "internal data");
        return Reply::respond(302).header("Location", "http://127.0.0.1:" + std::to_string(port) + "/secret");
    });
    ChildProcess business(
        VG_BINARY, {"business", "--set", "business.server.port=0", "--set", "business.server.host=127.0.0.1", "--set",
                    "business.store.url=sqlite://" + (stack_->dir() / "redirect.db").string(), "--set",
                    "business.model.instances=[\"127.0.0.1:" + std::to_string(stack_->model_port()) + "\"]", "--set",
                    "business.model.health_check.enabled=false", "--set", "business.jobs.poll_interval=100ms", "--set",
                    "business.jobs.fetch.allowed_hosts=[\"localhost\"]", "--set",
                    "business.jobs.fetch.allow_private_addresses=true", "--set", "log.level=warn"});
    const unsigned short port = business.wait_for_port();
    auto redirected = http_request(
        port, "POST", "/api/jobs",
        json{{"task", "product_review"}, {"urls", {"http://localhost:" + std::to_string(web.port()) + "/a.png"}}}
            .dump(),
        "Content-Type: application/json\r\n");
    ASSERT_TRUE(redirected);
    ASSERT_EQ(redirected->status, 202) << redirected->body;
    const json second = wait_for_job(port, json::parse(redirected->body)["id"], "");
    ASSERT_EQ(second["items"].size(), 1u) << second.dump();
    EXPECT_EQ(second["items"][0]["state"], "failed");
    EXPECT_NE(second["items"][0]["error"].get<std::string>().find("url_host_not_allowed"), std::string::npos)
        << second.dump();
    ASSERT_EQ(web.request_count(), 1u);  // the redirect, never /secret
    EXPECT_EQ(web.requests()[0].target, "/a.png");
    business.signal(SIGTERM);
    EXPECT_EQ(business.wait(20s), 0);
    EXPECT_TRUE(stack_->all_alive());
}

}  // namespace
}  // namespace vg::test
