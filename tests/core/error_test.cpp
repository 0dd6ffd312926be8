#include "core/error.hpp"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vg {
namespace {

TEST(ErrorBodyTest, HasTheDocumentedShape) {
    auto body = nlohmann::json::parse(error_body("image_too_large", "image is 61 MP; the limit is 50 MP", "req-7"));
    ASSERT_TRUE(body.is_object());
    EXPECT_EQ(body.size(), 1u);
    ASSERT_TRUE(body.contains("error"));
    const auto& error = body["error"];
    EXPECT_EQ(error.size(), 3u);
    EXPECT_EQ(error["code"], "image_too_large");
    EXPECT_EQ(error["message"], "image is 61 MP; the limit is 50 MP");
    EXPECT_EQ(error["request_id"], "req-7");
}

TEST(ErrorBodyTest, IsCompactSingleLine) {
    std::string body = error_body("c", "line one\nline two", "r");
    EXPECT_EQ(body.find('\n'), std::string::npos);
    EXPECT_EQ(body, R"({"error":{"code":"c","message":"line one\nline two","request_id":"r"}})");
}

TEST(ErrorBodyTest, EscapesQuotesAndControlCharacters) {
    const std::string message = "say \"hi\"\t\\ \x01 }";
    auto body = nlohmann::json::parse(error_body("c", message, ""));
    EXPECT_EQ(body["error"]["message"], message);
    EXPECT_EQ(body["error"]["request_id"], "");
}

TEST(ErrorBodyTest, InvalidUtf8StillYieldsValidJson) {
    const std::string message = "bad \xff\xfe bytes \xc3";
    std::string text = error_body("bad_input", message, "id-\x80");
    nlohmann::json body;
    ASSERT_NO_THROW(body = nlohmann::json::parse(text)) << text;
    std::string decoded = body["error"]["message"];
    EXPECT_EQ(decoded.find("\xff"), std::string::npos);
    EXPECT_NE(decoded.find("bad "), std::string::npos);
    EXPECT_NE(decoded.find(" bytes"), std::string::npos);
    EXPECT_NE(decoded.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD replacement character
    EXPECT_EQ(body["error"]["code"], "bad_input");
}

TEST(ErrorTest, ClientErrorDefaultsTo400AndKeepsCodeAndMessage) {
    ClientError error("invalid_json", "body is not JSON");
    EXPECT_EQ(error.http_status(), 400);
    EXPECT_EQ(error.code(), "invalid_json");
    EXPECT_STREQ(error.what(), "body is not JSON");
    ClientError too_large("image_too_large", "too big", 413);
    EXPECT_EQ(too_large.http_status(), 413);
}

TEST(ErrorTest, ClientErrorIsCaughtAsError) {
    try {
        throw ClientError("not_found", "no such model", 404);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), "not_found");
        EXPECT_EQ(e.http_status(), 404);
        return;
    }
    ADD_FAILURE() << "not caught as vg::Error";
}

}  // namespace
}  // namespace vg
