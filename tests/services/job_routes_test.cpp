// POST /api/jobs as a form: the caller's reference obeys the UTF-8 rule a JSON body gets from its
// parser (a fuzzing finding, see task_input_test.cpp).
#include "services/business/job_routes.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace vg::services::business {
namespace {

net::Request job_form(const std::string& reference) {
    net::Request request;
    request.method = "POST";
    request.headers.add("Content-Type", "multipart/form-data; boundary=XX");
    request.body = "--XX\r\nContent-Disposition: form-data; name=\"task\"\r\n\r\nproduct_analysis\r\n"
                   "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nPNG\r\n"
                   "--XX\r\nContent-Disposition: form-data; name=\"caller_reference\"\r\n\r\n" + reference + "\r\n--XX--\r\n";
    return request;
}

TEST(JobRoutesTest, FormCallerReferenceMustBeUtf8) {
    try {
        parse_job_submission(job_form("batch-\xfe"), JobsConfig{});
        ADD_FAILURE() << "accepted a caller_reference that is not UTF-8";
    } catch (const ClientError& e) {
        EXPECT_EQ(e.code(), "invalid_field");
        EXPECT_EQ(e.http_status(), 400);
    }
}

TEST(JobRoutesTest, FormCallerReferenceInUtf8IsKept) {
    JobSubmission submission = parse_job_submission(job_form("lot №7"), JobsConfig{});
    EXPECT_EQ(submission.caller_reference, "lot №7");
    ASSERT_EQ(submission.sources.size(), 1u);
    EXPECT_EQ(submission.payloads[0], "PNG");
}

}  // namespace
}  // namespace vg::services::business
