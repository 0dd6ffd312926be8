#include "engine/remote/upstream_error.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace vg::engine {
namespace {

using net::ClientErrorKind;
using ::testing::HasSubstr;

net::Headers retry_after(std::string value) {
    net::Headers headers;
    headers.add("Retry-After", std::move(value));
    return headers;
}

TEST(UpstreamErrorMessageTest, FindsTheMessageInTheUsualShapes) {
    EXPECT_EQ(upstream_error_message(R"({"error":{"message":"bad image","type":"invalid_request_error"}})"),
              "bad image");
    EXPECT_EQ(upstream_error_message(R"({"error":"model not loaded"})"), "model not loaded");
    EXPECT_EQ(upstream_error_message(R"({"object":"error","message":"too long","code":400})"), "too long");
    EXPECT_EQ(upstream_error_message(R"({"detail":"Not Found"})"), "Not Found");
}

TEST(UpstreamErrorMessageTest, FallsBackToTheTrimmedBody) {
    EXPECT_EQ(upstream_error_message("  upstream overloaded\n"), "upstream overloaded");
    EXPECT_EQ(upstream_error_message(R"({"unexpected":1})"), R"({"unexpected":1})");
    EXPECT_EQ(upstream_error_message(""), "no details given");
}

TEST(UpstreamErrorMessageTest, CapsLongBodiesAndRepairsUtf8) {
    const std::string message = upstream_error_message(std::string(5000, 'x'));
    EXPECT_LT(message.size(), 600u);
    EXPECT_EQ(upstream_error_message("bad \xFF byte"), "bad \xEF\xBF\xBD byte");
}

TEST(RetryAfterTest, ReadsSecondsAndDefaultsToOne) {
    EXPECT_EQ(retry_after_seconds("7"), 7);
    EXPECT_EQ(retry_after_seconds(" 12 "), 12);
    EXPECT_EQ(retry_after_seconds(std::nullopt), 1);
    EXPECT_EQ(retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT"), 1);
    EXPECT_EQ(retry_after_seconds("0"), 1);
    EXPECT_EQ(retry_after_seconds("-5"), 1);
    EXPECT_EQ(retry_after_seconds("3s"), 1);
    EXPECT_EQ(retry_after_seconds("86400"), 3600);
}

TEST(ErrorForStatusTest, RejectionsAreTheClientsFault) {
    for (int status : {400, 413, 422}) {
        const InferenceError error = error_for_status(status, R"({"error":{"message":"image too big"}})", {});
        EXPECT_EQ(error.code, "upstream_rejected") << status;
        EXPECT_EQ(error.http_status, 400) << status;
        EXPECT_THAT(error.message, HasSubstr("image too big"));
        EXPECT_THAT(error.message, HasSubstr(std::to_string(status)));
    }
}

TEST(ErrorForStatusTest, BusyCarriesRetryAfter) {
    const InferenceError limited = error_for_status(429, "slow down", retry_after("7"));
    EXPECT_EQ(limited.code, "upstream_busy");
    EXPECT_EQ(limited.http_status, 503);
    EXPECT_EQ(limited.retry_after_seconds, 7);
    const InferenceError unavailable = error_for_status(503, "loading model", {});
    EXPECT_EQ(unavailable.code, "upstream_busy");
    EXPECT_EQ(unavailable.http_status, 503);
    EXPECT_EQ(unavailable.retry_after_seconds, 1);
}

TEST(ErrorForStatusTest, EverythingElseIsAnUpstreamError) {
    for (int status : {500, 502, 504, 401, 403, 404, 302}) {
        const InferenceError error = error_for_status(status, "", {});
        EXPECT_EQ(error.code, "upstream_error") << status;
        EXPECT_EQ(error.http_status, 502) << status;
    }
}

TEST(ErrorForTransportTest, MapsEachKind) {
    struct Case {
        ClientErrorKind kind;
        const char* code;
        int status;
    };
    for (const Case& c :
         {Case{ClientErrorKind::kConnectFailed, "upstream_unavailable", 503},
          Case{ClientErrorKind::kConnectTimeout, "upstream_unavailable", 503},
          Case{ClientErrorKind::kTls, "upstream_unavailable", 503},
          Case{ClientErrorKind::kPoolExhausted, "upstream_busy", 503},
          Case{ClientErrorKind::kTimeout, "upstream_timeout", 504},
          Case{ClientErrorKind::kProtocol, "upstream_protocol", 502},
          Case{ClientErrorKind::kResponseTooLarge, "upstream_protocol", 502},
          Case{ClientErrorKind::kClosed, "upstream_error", 502}, Case{ClientErrorKind::kCancelled, "cancelled", 499}}) {
        const InferenceError error = error_for_transport(c.kind, "details here");
        EXPECT_EQ(error.code, c.code) << to_string(c.kind);
        EXPECT_EQ(error.http_status, c.status) << to_string(c.kind);
        if (c.status == 503) {
            EXPECT_EQ(error.retry_after_seconds, 1) << to_string(c.kind);
        }
        if (c.kind != ClientErrorKind::kCancelled) {
            EXPECT_THAT(error.message, HasSubstr("details here"));
        }
    }
}

TEST(CancelledErrorTest, Is499) {
    EXPECT_EQ(cancelled_error().code, "cancelled");
    EXPECT_EQ(cancelled_error().http_status, 499);
}

}  // namespace
}  // namespace vg::engine
