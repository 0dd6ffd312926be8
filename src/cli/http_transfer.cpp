#include "cli/http_transfer.hpp"

#include <curl/curl.h>

#include <cctype>
#include <mutex>
#include <stdexcept>

namespace vg::cli {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

std::string_view trim_space(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return text;
}

// State shared with libcurl's callbacks for one perform().
struct Exchange {
    const HttpRequest& request;
    const ResponseStart& on_start;
    const BodySink& sink;
    HttpResponse& response;
    bool started = false;
    bool too_large = false;
    bool aborted = false;

    // A 3xx that libcurl is about to follow is not the answer: its headers and body are dropped.
    bool is_followed_redirect() const {
        return request.follow_redirects && response.status >= 300 && response.status < 400 && response.status != 304;
    }
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto& x = *static_cast<Exchange*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
        // A new response (the first, a redirect's target, or after a 100 Continue): start over.
        x.response.headers.clear();
        const auto space = line.find(' ');
        x.response.status = space == std::string_view::npos
                                ? 0
                                : std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
        return size * count;
    }
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        x.response.headers.emplace_back(std::string(trim_space(line.substr(0, colon))),
                                        std::string(trim_space(line.substr(colon + 1))));
    }
    return size * count;
}

bool start_response(Exchange& x) {
    if (x.started) return true;
    x.started = true;
    if (x.on_start && !x.on_start(x.response)) {
        x.aborted = true;
        return false;
    }
    return true;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto& x = *static_cast<Exchange*>(user);
    const std::size_t length = size * count;
    if (x.is_followed_redirect() || x.response.status == 100) return length;
    if (!start_response(x)) return 0;
    std::string_view bytes(data, length);
    if (x.sink) {
        if (!x.sink(bytes)) {
            x.aborted = true;
            return 0;
        }
        return length;
    }
    if (x.response.body.size() + length > x.request.max_body) {
        x.too_large = true;
        return 0;
    }
    x.response.body.append(bytes);
    return length;
}

TransferFailure classify(CURLcode code, CURL* curl) {
    switch (code) {
        case CURLE_OK: return TransferFailure::kNone;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT: return TransferFailure::kUnreachable;
        case CURLE_OPERATION_TIMEDOUT: {
            // A timeout before the connection was made means the host could not be reached.
            curl_off_t connected = 0;
            curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connected);
            return connected == 0 ? TransferFailure::kUnreachable : TransferFailure::kTimeout;
        }
        case CURLE_PARTIAL_FILE:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_HTTP2_STREAM: return TransferFailure::kInterrupted;
        case CURLE_WRITE_ERROR:
        case CURLE_ABORTED_BY_CALLBACK: return TransferFailure::kAborted;
        default: return TransferFailure::kOther;
    }
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    std::optional<std::string> found;
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) found = value;
    }
    return found;
}

void init_http() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("libcurl failed to initialise");
    });
}

HttpSession::HttpSession() : curl_(curl_easy_init()) {
    if (curl_ == nullptr) throw std::runtime_error("libcurl: cannot create a handle");
}

HttpSession::~HttpSession() {
    curl_easy_cleanup(static_cast<CURL*>(curl_));
}

HttpResponse HttpSession::perform(const HttpRequest& request, const ResponseStart& on_start, const BodySink& sink) {
    CURL* curl = static_cast<CURL*>(curl_);
    curl_easy_reset(curl);
    HttpResponse response;
    response.host = url_host(request.url);
    Exchange x{request, on_start, sink, response};

    curl_slist* headers = nullptr;
    for (const auto& header : request.headers) headers = curl_slist_append(headers, header.c_str());
    // libcurl would otherwise send "Expect: 100-continue" and wait for large bodies.
    headers = curl_slist_append(headers, "Expect:");
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for DNS timeouts
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "visiongrid-cli");
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    if (request.low_speed_bytes > 0) {
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, request.low_speed_bytes);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(request.low_speed_time.count()));
    }
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x);
    if (request.method == "GET") {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (request.method != "POST") {  // POSTFIELDS below makes it a POST
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (!request.body.empty() || request.method == "POST") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }

    const CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (code == CURLE_OK) {
        // An empty body never reached the write callback: the start callback still runs.
        start_response(x);
        if (x.aborted) {
            response.failure = TransferFailure::kAborted;
            response.error = "stopped by the caller";
        }
        return response;
    }
    response.failure = classify(code, curl);
    if (x.too_large) {
        response.failure = TransferFailure::kOther;
        response.error = "the answer is larger than " + std::to_string(request.max_body >> 20) + " MiB";
    } else if (x.aborted) {
        response.failure = TransferFailure::kAborted;
        response.error = "stopped by the caller";
    } else {
        response.error = error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(code));
        while (!response.error.empty() && (response.error.back() == '\n' || response.error.back() == ' '))
            response.error.pop_back();
    }
    return response;
}

std::string describe_failure(const HttpResponse& response) {
    switch (response.failure) {
        case TransferFailure::kNone: return "no failure";
        case TransferFailure::kUnreachable:
            return "cannot reach " + response.host + ": " + response.error + " (offline?)";
        case TransferFailure::kTimeout: return response.host + " did not answer in time: " + response.error;
        case TransferFailure::kInterrupted: return "the connection to " + response.host + " broke: " + response.error;
        case TransferFailure::kAborted: return response.error;
        case TransferFailure::kOther: return response.host + ": " + response.error;
    }
    return response.error;
}

std::string url_host(const std::string& url) {
    CURLU* parsed = curl_url();
    std::string host = url;
    char* part = nullptr;
    if (curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
        curl_url_get(parsed, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
        host = part;
        curl_free(part);
    }
    curl_url_cleanup(parsed);
    return host;
}

}  // namespace vg::cli
