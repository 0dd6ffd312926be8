#include "net/multipart.hpp"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"

namespace vg::net {
namespace {

using namespace std::string_literals;
using ::testing::HasSubstr;

constexpr std::string_view kContentType = "multipart/form-data; boundary=----vgBoundary42";

// Binary image bytes with everything a naive parser trips over: CR, LF, CRLF, "--", NUL, a partial
// boundary at the start of a line and a line that is the boundary with one character changed.
const std::string kImageBytes =
    "\x89PNG\r\n\x1a\n\0\0--\r\n--\r\n------vgBoundary4\r\n------vgBoundarY42\r\n\xff\xfe--"s;

std::string well_formed_body() {
    return "------vgBoundary42\r\n"
           "Content-Disposition: form-data; name=\"caption\"\r\n"
           "\r\n"
           "a cat\r\n"
           "------vgBoundary42\r\n"
           "Content-Disposition: form-data; name=\"image\"; filename=\"cat.png\"\r\n"
           "Content-Type: image/png\r\n"
           "\r\n" +
           kImageBytes +
           "\r\n"
           "------vgBoundary42--\r\n";
}

// Expects parse_multipart to reject the body as invalid_multipart (400); returns the message.
std::string rejection(std::string_view body, std::string_view content_type = kContentType) {
    try {
        parse_multipart(body, content_type);
    } catch (const ClientError& e) {
        EXPECT_EQ(e.code(), "invalid_multipart");
        EXPECT_EQ(e.http_status(), 400);
        return e.what();
    }
    ADD_FAILURE() << "expected ClientError invalid_multipart";
    return {};
}

TEST(ParseMultipartTest, ParsesAFieldAndABinaryFile) {
    const std::string body = well_formed_body();
    auto parts = parse_multipart(body, kContentType);
    ASSERT_EQ(parts.size(), 2u);

    EXPECT_EQ(parts[0].name, "caption");
    EXPECT_EQ(parts[0].filename, "");
    EXPECT_EQ(parts[0].content_type, "text/plain");
    EXPECT_EQ(parts[0].data, "a cat");

    EXPECT_EQ(parts[1].name, "image");
    EXPECT_EQ(parts[1].filename, "cat.png");
    EXPECT_EQ(parts[1].content_type, "image/png");
    EXPECT_EQ(parts[1].headers.get_or("content-type", ""), "image/png");
    EXPECT_EQ(std::string(parts[1].data), kImageBytes);
    EXPECT_EQ(parts[1].data.size(), kImageBytes.size());
}

TEST(ParseMultipartTest, DataViewsPointIntoTheBody) {
    const std::string body = well_formed_body();
    auto parts = parse_multipart(body, kContentType);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_GE(parts[1].data.data(), body.data());
    EXPECT_LE(parts[1].data.data() + parts[1].data.size(), body.data() + body.size());
}

TEST(ParseMultipartTest, EmptyPartDataIsAllowed) {
    std::string body =
        "--b\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n--b--";
    auto parts = parse_multipart(body, "multipart/form-data; boundary=b");
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].data, "");
}

TEST(ParseMultipartTest, QuotedBoundaryAndUnquotedNames) {
    std::string body =
        "preamble to ignore\r\n"
        "--a b:c\r\n"
        "content-disposition: Form-Data; name=field; filename=x.txt\r\n"
        "\r\n"
        "v\r\n"
        "--a b:c--\r\n"
        "epilogue to ignore";
    auto parts = parse_multipart(body, "multipart/form-data; boundary=\"a b:c\"");
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].name, "field");
    EXPECT_EQ(parts[0].filename, "x.txt");
    EXPECT_EQ(parts[0].data, "v");
}

TEST(ParseMultipartTest, MissingBoundaryIsRejected) {
    EXPECT_THAT(rejection(well_formed_body(), "multipart/form-data"), HasSubstr("boundary"));
    rejection(well_formed_body(), "multipart/form-data; boundary=");
    rejection(well_formed_body(), "multipart/form-data; boundary=\"\"");
}

TEST(ParseMultipartTest, OverlongBoundaryIsRejected) {
    rejection("", "multipart/form-data; boundary=" + std::string(71, 'x'));
}

TEST(ParseMultipartTest, SeventyCharacterBoundaryIsAccepted) {
    const std::string boundary(70, 'x');
    std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--" + boundary + "--";
    auto parts = parse_multipart(body, "multipart/form-data; boundary=" + boundary);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].data, "1");
}

TEST(ParseMultipartTest, BodyWithoutTheBoundaryIsRejected) {
    rejection("just some text", kContentType);
    rejection("", kContentType);
}

TEST(ParseMultipartTest, TruncatedBodyIsRejected) {
    const std::string body = well_formed_body();
    // Cut inside the file data, inside the part headers, and right after a delimiter.
    EXPECT_THAT(rejection(body.substr(0, body.size() - 40)), HasSubstr("image"));
    rejection(body.substr(0, body.find("Content-Type: image/png") + 5));
    rejection("------vgBoundary42");
    rejection("------vgBoundary42\r\n");
    // Everything but the closing "--".
    rejection(body.substr(0, body.size() - 4));
}

TEST(ParseMultipartTest, MissingContentDispositionIsRejected) {
    std::string body = "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--";
    EXPECT_THAT(rejection(body, "multipart/form-data; boundary=b"), HasSubstr("Content-Disposition"));
}

TEST(ParseMultipartTest, NonFormDataDispositionIsRejected) {
    rejection("--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b--", "multipart/form-data; boundary=b");
}

TEST(ParseMultipartTest, MissingNameIsRejected) {
    EXPECT_THAT(rejection("--b\r\nContent-Disposition: form-data; filename=\"a.png\"\r\n\r\nx\r\n--b--",
                          "multipart/form-data; boundary=b"),
                HasSubstr("name"));
    rejection("--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--", "multipart/form-data; boundary=b");
    rejection("--b\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--b--", "multipart/form-data; boundary=b");
}

TEST(ParseMultipartTest, MalformedPartHeaderIsRejected) {
    rejection("--b\r\nContent-Disposition: form-data; name=\"a\"\r\nno colon here\r\n\r\nx\r\n--b--",
              "multipart/form-data; boundary=b");
    rejection("--b\r\n: empty name\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--",
              "multipart/form-data; boundary=b");
}

TEST(ParseMultipartTest, BoundaryMustBeFollowedByCrlf) {
    rejection("--bXContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--", "multipart/form-data; boundary=b");
}

TEST(ParseMultipartTest, PartCountIsLimited) {
    auto body_with = [](int parts) {
        std::string body;
        for (int i = 0; i < parts; ++i) body += "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n";
        return body + "--b--";
    };
    const std::string ok = body_with(256);
    EXPECT_EQ(parse_multipart(ok, "multipart/form-data; boundary=b").size(), 256u);
    EXPECT_THAT(rejection(body_with(257), "multipart/form-data; boundary=b"), HasSubstr("256"));
}

// --- header_parameter -----------------------------------------------------------------------------

TEST(HeaderParameterTest, QuotedAndUnquotedValues) {
    EXPECT_EQ(header_parameter("form-data; name=\"file\"; filename=\"a.png\"", "name"), "file");
    EXPECT_EQ(header_parameter("form-data; name=\"file\"; filename=\"a.png\"", "filename"), "a.png");
    EXPECT_EQ(header_parameter("form-data; name=plain; filename=b.png", "name"), "plain");
    EXPECT_EQ(header_parameter("form-data; name=plain; filename=b.png", "filename"), "b.png");
}

TEST(HeaderParameterTest, NameIsNotConfusedWithFilename) {
    EXPECT_EQ(header_parameter("form-data; filename=\"a.png\"; name=\"file\"", "name"), "file");
    EXPECT_EQ(header_parameter("form-data; filename=\"a.png\"", "name"), "");
}

TEST(HeaderParameterTest, KeyIsCaseInsensitiveAndSpacesAreTrimmed) {
    EXPECT_EQ(header_parameter("multipart/form-data;  Boundary = abc ", "boundary"), "abc");
}

TEST(HeaderParameterTest, QuotedValuesKeepSeparatorsAndEscapes) {
    EXPECT_EQ(header_parameter(R"(form-data; filename="a; name=evil.png"; name="real")", "name"), "real");
    EXPECT_EQ(header_parameter(R"(form-data; filename="a; name=evil.png"; name="real")", "filename"), "a; name=evil.png");
    EXPECT_EQ(header_parameter(R"(form-data; name="say \"hi\"")", "name"), "say \"hi\"");
}

TEST(HeaderParameterTest, MissingParameters) {
    EXPECT_EQ(header_parameter("form-data", "name"), "");
    EXPECT_EQ(header_parameter("", "name"), "");
    EXPECT_EQ(header_parameter("form-data; name", "name"), "");
}

}  // namespace
}  // namespace vg::net
