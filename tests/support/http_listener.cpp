#include "http_listener.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <memory>

namespace piket::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// One connection: read one request, answer, close (Connection: close).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::function<ListenerResponse(const RecordedRequest&)> handle)
      : stream_(std::move(socket)), handle_(std::move(handle)) {}

  void run() {
    stream_.expires_after(std::chrono::seconds(10));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (!ec) self->respond();
                     });
  }

 private:
  void respond() {
    RecordedRequest recorded;
    recorded.target = std::string(request_.target());
    recorded.at = std::chrono::steady_clock::now();
    for (const auto& f : request_) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      recorded.headers[name] = std::string(f.value());
    }
    recorded.body = request_.body();
    if (auto url = boost::urls::parse_origin_form(recorded.target)) {
      recorded.path = std::string(url->path());
      for (const auto& param : url->params()) recorded.query[param.key] = param.value;
    } else {
      recorded.path = recorded.target;
    }
    const ListenerResponse answer = handle_(recorded);
    response_.version(request_.version());
    response_.result(static_cast<unsigned>(answer.status));
    response_.set(http::field::content_type, "text/plain");
    response_.body() = answer.body;
    response_.keep_alive(false);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code, std::size_t) {
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                      });
  }

  beast::tcp_stream stream_;
  std::function<ListenerResponse(const RecordedRequest&)> handle_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

}  // namespace

HttpListener::HttpListener(Responder responder)
    : responder_(std::move(responder)),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  accept_next();
  thread_ = std::thread([this] { io_.run(); });
}

HttpListener::~HttpListener() {
  io_.stop();
  thread_.join();
}

void HttpListener::accept_next() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    std::make_shared<Session>(std::move(socket), [this](const RecordedRequest& request) {
      const ListenerResponse answer = responder_ ? responder_(request) : ListenerResponse{};
      record(request);
      return answer;
    })->run();
    accept_next();
  });
}

void HttpListener::record(RecordedRequest request) {
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
  }
  changed_.notify_all();
}

std::vector<RecordedRequest> HttpListener::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<RecordedRequest> HttpListener::requests_to(const std::string& path) const {
  std::vector<RecordedRequest> out;
  std::lock_guard lock(mutex_);
  for (const auto& r : requests_) {
    if (r.path == path) out.push_back(r);
  }
  return out;
}

std::vector<RecordedRequest> HttpListener::wait_for(const std::string& path, std::size_t count,
                                                    std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  const auto matching = [&] {
    std::vector<RecordedRequest> out;
    for (const auto& r : requests_) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  };
  changed_.wait_until(lock, deadline, [&] { return matching().size() >= count; });
  return matching();
}

}  // namespace piket::test
