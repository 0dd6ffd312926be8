#include "net/url_fetcher.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.hpp"
#include "support/fake_upstream.hpp"

namespace vg::net {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::address;
using boost::asio::ip::make_address;
using test::ChunkedBody;
using test::FakeUpstream;
using test::Reply;

const std::string kImage = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(1000, 'x');

class UrlFetcherTest : public ::testing::Test {
protected:
    UrlFetcherTest() : work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
    ~UrlFetcherTest() override {
        work_.reset();
        io_.stop();
        thread_.join();
    }

    // Names below example.com resolve through `dns_`; the fake upstream listens on 127.0.0.1.
    FetchPolicy policy() const {
        FetchPolicy p;
        p.allowed_hosts = {"127.0.0.1", "*.example.com"};
        p.allow_private_addresses = true;
        p.timeout = 5s;
        return p;
    }

    FetchHooks hooks() {
        FetchHooks h;
        h.resolve = [this](const std::string& host) {
            std::lock_guard lock(mutex_);
            ++resolve_calls_;
            const auto it = dns_.find(host);
            if (it == dns_.end()) throw std::runtime_error("no such host");
            return it->second;
        };
        return h;
    }

    // The error code fetch() throws, "ok" if it returns; the message lands in message_.
    std::string fetch_error(const FetchPolicy& p, const std::string& url, FetchHooks h) {
        UrlFetcher fetcher(io_, p, std::move(h));
        try {
            fetcher.fetch(url);
        } catch (const ClientError& e) {
            message_ = e.what();
            return e.code();
        }
        return "ok";
    }
    std::string fetch_error(const FetchPolicy& p, const std::string& url) { return fetch_error(p, url, hooks()); }

    std::string path_url(std::string_view host, std::string_view target) const {
        return "http://" + std::string(host) + ":" + std::to_string(upstream_.port()) + std::string(target);
    }

    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
    FakeUpstream upstream_;
    std::mutex mutex_;
    std::map<std::string, std::vector<address>> dns_{{"img.example.com", {make_address("127.0.0.1")}}};
    int resolve_calls_ = 0;
    std::string message_;
};

TEST_F(UrlFetcherTest, FetchesImageFromAllowedHost) {
    upstream_.push_reply(Reply::ok(kImage).header("Content-Type", "image/png"));
    UrlFetcher fetcher(io_, policy(), hooks());
    const auto result = fetcher.fetch(upstream_.url("/cat.png"));
    EXPECT_EQ(result.body, kImage);
    EXPECT_EQ(result.content_type, "image/png");
    EXPECT_EQ(result.final_url, upstream_.url("/cat.png"));
}

TEST_F(UrlFetcherTest, FetchConnectsToResolvedAddressKeepingHostName) {
    upstream_.push_reply(Reply::ok(kImage));
    UrlFetcher fetcher(io_, policy(), hooks());
    EXPECT_EQ(fetcher.fetch(path_url("img.example.com", "/a.png?x=1")).body, kImage);
    const auto requests = upstream_.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].target, "/a.png?x=1");
    EXPECT_EQ(requests[0].headers.get_or("host", ""), "img.example.com:" + std::to_string(upstream_.port()));
}

TEST_F(UrlFetcherTest, FetchRefusesLoopbackWhenPrivateAddressesAreOff) {
    auto p = policy();
    p.allow_private_addresses = false;
    EXPECT_EQ(fetch_error(p, upstream_.url("/cat.png")), "url_address_not_allowed");
    EXPECT_NE(message_.find("127.0.0.1"), std::string::npos) << message_;
    EXPECT_EQ(fetch_error(p, path_url("img.example.com", "/")), "url_address_not_allowed");
    EXPECT_EQ(upstream_.accepted_connections(), 0u);
}

TEST_F(UrlFetcherTest, FetchRefusesHostsOffTheAllowlist) {
    EXPECT_EQ(fetch_error(policy(), path_url("localhost", "/")), "url_host_not_allowed");
    EXPECT_EQ(fetch_error(policy(), path_url("example.com", "/")), "url_host_not_allowed");  // apex not in *.
    EXPECT_EQ(fetch_error(policy(), path_url("img.example.com.evil.org", "/")), "url_host_not_allowed");
    auto off = policy();
    off.allowed_hosts.clear();
    EXPECT_EQ(fetch_error(off, upstream_.url("/")), "url_host_not_allowed");
    EXPECT_EQ(upstream_.accepted_connections(), 0u);
    EXPECT_EQ(resolve_calls_, 0);
}

TEST_F(UrlFetcherTest, FetchRefusesOtherSchemes) {
    EXPECT_EQ(fetch_error(policy(), "ftp://img.example.com/a.png"), "url_scheme_not_allowed");
    EXPECT_EQ(fetch_error(policy(), "file:///etc/passwd"), "url_scheme_not_allowed");
    EXPECT_EQ(fetch_error(policy(), "gopher://127.0.0.1:6379/_INFO"), "url_scheme_not_allowed");
    auto https_only = policy();
    https_only.schemes = {"https"};
    EXPECT_EQ(fetch_error(https_only, upstream_.url("/")), "url_scheme_not_allowed");
    EXPECT_EQ(fetch_error(policy(), "not a url"), "url_invalid");
}

TEST_F(UrlFetcherTest, FetchRejectsUserInfoWithoutEchoingIt) {
    EXPECT_EQ(fetch_error(policy(), "http://user:secret@img.example.com/a.png"), "url_invalid");
    EXPECT_EQ(message_.find("secret"), std::string::npos) << message_;
    EXPECT_NE(message_.find("http://img.example.com/a.png"), std::string::npos) << message_;
    EXPECT_EQ(fetch_error(policy(), "http://img.example.com@127.0.0.1/"), "url_invalid");
}

TEST_F(UrlFetcherTest, FetchFollowsRedirectsWithinTheLimit) {
    upstream_.push_reply(Reply::respond(302).header("Location", "/second"));
    upstream_.push_reply(Reply::respond(301).header("Location", path_url("img.example.com", "/third")));
    upstream_.push_reply(Reply::respond(307).header("Location", "final.png"));
    upstream_.push_reply(Reply::ok(kImage));
    UrlFetcher fetcher(io_, policy(), hooks());
    const auto result = fetcher.fetch(upstream_.url("/first"));
    EXPECT_EQ(result.body, kImage);
    EXPECT_EQ(result.final_url, path_url("img.example.com", "/final.png"));
    ASSERT_EQ(upstream_.request_count(), 4u);
    EXPECT_EQ(upstream_.requests()[3].target, "/final.png");
}

TEST_F(UrlFetcherTest, FetchRevalidatesEveryRedirect) {
    upstream_.push_reply(Reply::respond(302).header("Location", path_url("localhost", "/admin")));
    EXPECT_EQ(fetch_error(policy(), upstream_.url("/")), "url_host_not_allowed");
    EXPECT_NE(message_.find("localhost"), std::string::npos) << message_;

    upstream_.push_reply(Reply::respond(302).header("Location", "file:///etc/passwd"));
    EXPECT_EQ(fetch_error(policy(), upstream_.url("/")), "url_scheme_not_allowed");

    // An allowed name whose address is forbidden: here 169.254/16 stands for "private" while 127.0.0.1 serves.
    dns_["metadata.example.com"] = {make_address("169.254.169.254")};
    auto p = policy();
    p.allow_private_addresses = false;
    auto h = hooks();
    h.is_forbidden = [](const address& a) { return a != make_address("127.0.0.1") && is_forbidden_address(a); };
    upstream_.push_reply(Reply::respond(302).header("Location", "http://metadata.example.com/latest/meta-data/"));
    EXPECT_EQ(fetch_error(p, path_url("img.example.com", "/"), h), "url_address_not_allowed");
    EXPECT_NE(message_.find("169.254.169.254"), std::string::npos) << message_;
    EXPECT_EQ(upstream_.request_count(), 3u);
}

TEST_F(UrlFetcherTest, FetchStopsARedirectLoop) {
    upstream_.set_handler([](const test::RecordedRequest&) { return Reply::respond(302).header("Location", "/loop"); });
    auto p = policy();
    p.max_redirects = 3;
    EXPECT_EQ(fetch_error(p, upstream_.url("/loop")), "url_too_many_redirects");
    EXPECT_EQ(upstream_.request_count(), 4u);  // the original and three redirects
}

TEST_F(UrlFetcherTest, FetchRefusesContentLengthOverLimitBeforeReadingBody) {
    // Announces 100 MB but sends three bytes and holds the connection: reading the body would time out.
    upstream_.push_reply(
        Reply::raw_bytes("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 100000000\r\n\r\nabc"));
    auto p = policy();
    p.max_bytes = 1000;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(fetch_error(p, upstream_.url("/big.png")), "url_too_large");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_NE(message_.find("100000000"), std::string::npos) << message_;
}

TEST_F(UrlFetcherTest, FetchAbortsChunkedBodyOverLimit) {
    auto body = std::make_shared<ChunkedBody>();
    body->write(std::string(600, 'a'));
    body->write(std::string(600, 'b'));  // never finished: without the limit the fetch would hang to the timeout
    upstream_.push_reply(Reply::streamed(body));
    auto p = policy();
    p.max_bytes = 1000;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(fetch_error(p, upstream_.url("/stream.png")), "url_too_large");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(UrlFetcherTest, FetchAcceptsBodyExactlyAtLimit) {
    auto p = policy();
    p.max_bytes = kImage.size();
    upstream_.push_reply(Reply::ok(kImage));
    UrlFetcher fetcher(io_, p, hooks());
    EXPECT_EQ(fetcher.fetch(upstream_.url("/")).body, kImage);
}

TEST_F(UrlFetcherTest, FetchTimesOutOnAStallingServer) {
    upstream_.push_reply(Reply::stall());
    auto p = policy();
    p.timeout = 300ms;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(fetch_error(p, upstream_.url("/slow.png")), "url_timeout");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GE(elapsed, 300ms);
    EXPECT_LT(elapsed, 2s);
}

TEST_F(UrlFetcherTest, FetchTimeoutCoversTheWholeRedirectChain) {
    upstream_.push_reply(Reply::respond(302).header("Location", "/next"));
    upstream_.push_reply(Reply::stall());
    auto p = policy();
    p.timeout = 300ms;
    EXPECT_EQ(fetch_error(p, upstream_.url("/")), "url_timeout");
}

TEST_F(UrlFetcherTest, FetchFailsOnErrorStatusAndConnectError) {
    upstream_.push_reply(Reply::respond(404, "not found"));
    EXPECT_EQ(fetch_error(policy(), upstream_.url("/missing.png")), "url_fetch_failed");
    EXPECT_NE(message_.find("404"), std::string::npos) << message_;

    upstream_.push_reply(Reply::respond(302));  // no Location
    EXPECT_EQ(fetch_error(policy(), upstream_.url("/")), "url_fetch_failed");

    EXPECT_EQ(fetch_error(policy(), "http://127.0.0.1:1/"), "url_fetch_failed");
    EXPECT_EQ(fetch_error(policy(), "http://nowhere.example.com/"), "url_fetch_failed");  // resolver: no such host
}

TEST_F(UrlFetcherTest, FetchRefusesNameResolvingToAnyForbiddenAddress) {
    // DNS rebinding: a name that answers a public address and 127.0.0.1 together, or flips between them.
    dns_["rebind.example.com"] = {make_address("93.184.216.34"), make_address("127.0.0.1")};
    dns_["rebind6.example.com"] = {make_address("2606:4700:4700::1111"), make_address("::ffff:127.0.0.1")};
    auto p = policy();
    p.allow_private_addresses = false;
    EXPECT_EQ(fetch_error(p, path_url("rebind.example.com", "/a.png")), "url_address_not_allowed");
    EXPECT_NE(message_.find("127.0.0.1"), std::string::npos) << message_;
    EXPECT_EQ(fetch_error(p, path_url("rebind6.example.com", "/a.png")), "url_address_not_allowed");
    EXPECT_EQ(fetch_error(p, "http://[::1]:" + std::to_string(upstream_.port()) + "/"), "url_host_not_allowed");
    p.allowed_hosts.push_back("[::ffff:127.0.0.1]");
    EXPECT_EQ(fetch_error(p, "http://[::ffff:127.0.0.1]:" + std::to_string(upstream_.port()) + "/"),
              "url_address_not_allowed");
    EXPECT_EQ(upstream_.accepted_connections(), 0u);
}

}  // namespace
}  // namespace vg::net
