// A task request's text fields obey one rule whichever encoding brought them. Found by fuzzing
// (tests/fuzz/corpus/fuzz_business_request/bad_utf8_form_field): form fields skipped the UTF-8 check
// that JSON strings get from the parser, so raw bytes reached prompts and the store.
#include "services/business/task_input.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace vg::services::business {
namespace {

net::Request form(const std::string& field, const std::string& value) {
    net::Request request;
    request.method = "POST";
    request.headers.add("Content-Type", "multipart/form-data; boundary=XX");
    request.body = "--XX\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\nPNG\r\n"
                   "--XX\r\nContent-Disposition: form-data; name=\"" + field + "\"\r\n\r\n" + value + "\r\n--XX--\r\n";
    return request;
}

std::string error_code_of(const net::Request& request) {
    try {
        parse_task_input(request);
    } catch (const ClientError& e) {
        EXPECT_EQ(e.http_status(), 400);
        return e.code();
    }
    return "accepted";
}

TEST(TaskInputTest, FormTextFieldsMustBeUtf8) {
    EXPECT_EQ(error_code_of(form("caller_reference", "r\xff" "ef")), "invalid_field");
    EXPECT_EQ(error_code_of(form("question", "is it \xc0\xaf broken?")), "invalid_field");  // overlong '/'
    EXPECT_EQ(error_code_of(form("question", "truncated \xe6\x97")), "invalid_field");
}

TEST(TaskInputTest, FormTextFieldsInUtf8AreKeptAsSent) {
    TaskInput input = parse_task_input(form("question", "这是什么？ é"));
    EXPECT_EQ(input.question, "这是什么？ é");
    EXPECT_EQ(input.image, "PNG");
    EXPECT_EQ(parse_task_input(form("caller_reference", "sku-1 ✓")).caller_reference, "sku-1 ✓");
}

}  // namespace
}  // namespace vg::services::business
