#include "net/detail/client_call.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <exception>

#include "net/detail/client_pool.hpp"

namespace vg::net::detail {

Call::Call(boost::asio::io_context& io, std::shared_ptr<HostPool> pool, ClientRequest request, Url url,
           std::function<void(ClientResult)> on_done)
    : io_(io),
      pool_(std::move(pool)),
      request_(std::move(request)),
      url_(std::move(url)),
      on_done_(std::move(on_done)),
      deadline_(io) {}

void Call::start_deadline() {
    deadline_.expires_after(request_.timeout);
    deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec) return;  // cancelled by complete()
        self->abort(ClientErrorKind::kTimeout,
                    "deadline of " + std::to_string(self->request_.timeout.count()) + " ms exceeded");
    });
}

void Call::abort(ClientErrorKind kind, std::string message) {
    if (!complete(failure(kind, std::move(message)))) return;
    pool_->abandon(shared_from_this());
}

bool Call::complete(ClientResult result) {
    if (done_.exchange(true, std::memory_order_acq_rel)) return false;
    // Only the winner touches the timer after start_deadline(), so this is never concurrent with another access.
    deadline_.cancel();
    // Posted, never inline: the caller may hold a lock or be inside cancel() on a foreign thread.
    boost::asio::post(io_,
                      [self = shared_from_this(), on_done = std::move(on_done_), result = std::move(result)]() mutable {
                          if (!on_done) return;
                          try {
                              on_done(std::move(result));
                          } catch (const std::exception& e) {
                              // A throwing callback is the caller's bug; letting it out would kill an io thread serving
                              // everyone.
                              spdlog::error("http client: on_done for {} {} threw: {}", self->request_.method,
                                            self->request_.url, e.what());
                          } catch (...) {
                              spdlog::error("http client: on_done for {} {} threw a non-exception",
                                            self->request_.method, self->request_.url);
                          }
                      });
    return true;
}

ClientResult Call::failure(ClientErrorKind kind, std::string message) const {
    ClientResult result;
    result.error = kind;
    result.error_message = std::move(message);
    result.request_sent = request_sent.load(std::memory_order_acquire);
    result.response_started = response_started.load(std::memory_order_acquire);
    return result;
}

}  // namespace vg::net::detail
