#pragma once
// Test support: a tiny HTTP server on 127.0.0.1 (Boost.Beast, its own thread) that records
// every request and answers with a status chosen by the test. Used as Kannel's get-url /
// dlr-url target and to test HTTP clients.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace piket::test {

struct RecordedRequest {
  std::string target;                        // as received, e.g. "/dlr?id=1&type=8"
  std::string path;                          // "/dlr"
  std::map<std::string, std::string> query;  // decoded ('+' is a space), last value wins
  std::chrono::steady_clock::time_point at;
  std::map<std::string, std::string> headers;  // names in lower case (a Web Push request's)
  std::string body;

  std::string param(const std::string& key) const {
    const auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  }
};

struct ListenerResponse {
  int status = 200;
  std::string body;
};

class HttpListener {
 public:
  // Decides the response to each request; the default answers 200 with an empty body.
  using Responder = std::function<ListenerResponse(const RecordedRequest&)>;

  explicit HttpListener(Responder responder = {});
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(port_) + target;
  }

  std::vector<RecordedRequest> requests() const;
  // Requests whose path equals `path`.
  std::vector<RecordedRequest> requests_to(const std::string& path) const;
  // Waits until at least `count` requests to `path` arrived; returns them (fewer on timeout).
  std::vector<RecordedRequest> wait_for(const std::string& path, std::size_t count,
                                        std::chrono::milliseconds timeout) const;

 private:
  void accept_next();
  void record(RecordedRequest request);

  Responder responder_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<RecordedRequest> requests_;
  std::thread thread_;
};

}  // namespace piket::test
