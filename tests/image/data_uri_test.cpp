#include "image/data_uri.hpp"

#include <gtest/gtest.h>

#include "image/client_error_capture.hpp"

namespace vg::image {
namespace {

using testing::failure_of;

TEST(DataUriTest, DecodesBase64Payloads) {
    DataUri uri = decode_data_uri("data:image/png;base64,iVBORw0KGgo=");
    EXPECT_EQ(uri.media_type, "image/png");
    EXPECT_EQ(uri.data, "\x89PNG\r\n\x1A\n");
}

TEST(DataUriTest, SchemeTypeAndBase64MarkerAreCaseInsensitive) {
    DataUri uri = decode_data_uri("DATA:Image/JPEG;BASE64,Zm9v");
    EXPECT_EQ(uri.media_type, "image/jpeg");
    EXPECT_EQ(uri.data, "foo");
}

TEST(DataUriTest, KeepsMediaTypeParameters) {
    DataUri uri = decode_data_uri("data:image/jpeg;name=Cat.JPG;base64,Zm9v");
    EXPECT_EQ(uri.media_type, "image/jpeg;name=Cat.JPG");
    EXPECT_EQ(uri.data, "foo");
}

TEST(DataUriTest, PercentDecodesOtherPayloads) {
    DataUri uri = decode_data_uri("data:,Hello%2C%20World%21");
    EXPECT_EQ(uri.media_type, "text/plain;charset=US-ASCII");
    EXPECT_EQ(uri.data, "Hello, World!");
    EXPECT_EQ(decode_data_uri("data:image/svg+xml,%3Csvg%2F%3e").data, "<svg/>");
}

TEST(DataUriTest, AcceptsWhitespaceAndUrlSafeBase64) {
    EXPECT_EQ(decode_data_uri("data:image/png;base64,Zm9v\r\nYmFy").data, "foobar");
    EXPECT_EQ(decode_data_uri("data:image/png;base64,-_-_").data, "\xFB\xFF\xBF");
}

TEST(DataUriTest, RefusesWhatIsNotADataUri) {
    for (const char* text : {"http://example.com/cat.png", "data:image/png;base64", "", "dat:,x"}) {
        testing::Failure failure = failure_of([&] { decode_data_uri(text); });
        EXPECT_EQ(failure.code, "invalid_data_uri") << text;
        EXPECT_EQ(failure.http_status, 400) << text;
    }
}

TEST(DataUriTest, RefusesBadPercentEscapes) {
    for (const char* text : {"data:,a%zz", "data:,a%4", "data:,%"}) {
        testing::Failure failure = failure_of([&] { decode_data_uri(text); });
        EXPECT_EQ(failure.code, "invalid_data_uri") << text;
    }
    testing::Failure failure = failure_of([&] { decode_data_uri("data:,ab%zz"); });
    EXPECT_NE(failure.message.find("offset 8"), std::string::npos) << failure.message;
}

TEST(DataUriTest, BadBase64PayloadSaysSo) {
    testing::Failure failure = failure_of([&] { decode_data_uri("data:image/png;base64,Zm9v*"); });
    EXPECT_EQ(failure.code, "invalid_base64");
    EXPECT_NE(failure.message.find("data URI"), std::string::npos) << failure.message;
    EXPECT_NE(failure.message.find("offset 4"), std::string::npos) << failure.message;
}

TEST(DecodeImageFieldTest, AcceptsRawBase64OrADataUri) {
    EXPECT_EQ(decode_image_field("Zm9vYmFy"), "foobar");
    EXPECT_EQ(decode_image_field("data:image/webp;base64,Zm9vYmFy"), "foobar");
    EXPECT_EQ(decode_image_field("\n  data:image/webp;base64,Zm9vYmFy \n"), "foobar");
    EXPECT_EQ(decode_image_field(" Zm9v\nYmFy\n"), "foobar");
}

TEST(DecodeImageFieldTest, RefusesAnythingElse) {
    EXPECT_EQ(failure_of([] { decode_image_field("https://example.com/cat.png"); }).code, "invalid_base64");
    EXPECT_EQ(failure_of([] { decode_image_field("data:image/png;base64"); }).code, "invalid_data_uri");
}

}  // namespace
}  // namespace vg::image
