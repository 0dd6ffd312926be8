#pragma once

namespace vg::cli {

// Exit codes of `visiongrid models|ask|batch`, stable so that scripts can branch on them (listed in --help).
enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,             // anything not covered below (a disk full, a bug)
    kExitUsage = 2,               // bad arguments
    kExitInputUnreadable = 3,     // an image, directory or list that cannot be read
    kExitUnreachable = 4,         // the server (or download host) cannot be reached: DNS or connect failed
    kExitClientError = 5,         // the server answered 4xx (its message is printed)
    kExitServerError = 6,         // 5xx, a timeout, or a transfer cut short
    kExitModelOutputInvalid = 7,  // 422 model_output_invalid: the model's answer did not fit the task's schema
    kExitChecksumMismatch = 8,    // models pull: the download does not match its SHA-256
    kExitItemsFailed = 9,         // batch: finished, but some items failed (recorded in the output)
};

}  // namespace vg::cli
