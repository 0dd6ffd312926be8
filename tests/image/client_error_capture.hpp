#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

namespace vg::image::testing {

// What a call threw, so tests can assert on code, status and message separately.
struct Failure {
    std::string code;
    int http_status = 0;
    std::string message;
};

template <class Fn>
Failure failure_of(Fn&& fn) {
    try {
        fn();
    } catch (const ClientError& e) {
        return {e.code(), e.http_status(), e.what()};
    }
    ADD_FAILURE() << "expected a ClientError";
    return {};
}

}  // namespace vg::image::testing
