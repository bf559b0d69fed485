#include "piket/common/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace piket::common {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpClient::Impl {
  HostPort server;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::vector<std::pair<std::string, std::string>> headers;

  HttpResult request(http::verb verb, const std::string& target, const std::string& type,
                     const std::string& body) {
    // One retry on a stale keep-alive connection that the server closed.
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = stream.has_value();
      HttpResult r = once(verb, target, type, body);
      if (r.ok() || !reused) return r;
    }
    return once(verb, target, type, body);
  }

  HttpResult once(http::verb verb, const std::string& target, const std::string& type,
                  const std::string& body) {
    HttpResult result;
    beast::error_code ec;
    ioc.restart();
    if (!stream) {
      tcp::resolver resolver(ioc);
      auto endpoints = resolver.resolve(server.host, std::to_string(server.port), ec);
      if (ec) {
        result.error = "resolve: " + ec.message();
        return result;
      }
      stream.emplace(ioc);
      stream->expires_after(timeout);
      stream->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
      ioc.run();
      ioc.restart();
      if (ec) {
        stream.reset();
        result.error = "connect: " + ec.message();
        return result;
      }
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, server.host);
    req.set(http::field::user_agent, "piket");
    req.keep_alive(true);
    for (const auto& [name, value] : headers) req.set(name, value);
    if (verb == http::verb::post) {
      req.set(http::field::content_type, type);
      req.body() = body;
      req.prepare_payload();
    }
    http::response<http::string_body> res;
    stream->expires_after(timeout);
    http::async_write(*stream, req, [&](beast::error_code e, std::size_t) {
      ec = e;
      if (e) return;
      http::async_read(*stream, buffer, res, [&](beast::error_code e2, std::size_t) { ec = e2; });
    });
    ioc.run();
    if (ec) {
      stream.reset();
      buffer.clear();
      result.error = ec.message();
      return result;
    }
    result.status = static_cast<int>(res.result_int());
    result.body = std::move(res.body());
    for (const auto& field : res)
      result.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    if (!res.keep_alive()) {
      stream.reset();
      buffer.clear();
    }
    return result;
  }
};

HttpClient::HttpClient(HostPort server, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->server = std::move(server);
  impl_->timeout = timeout;
}
HttpClient::~HttpClient() = default;

void HttpClient::set_header(std::string name, std::string value) {
  impl_->headers.emplace_back(std::move(name), std::move(value));
}

HttpResult HttpClient::get(const std::string& target) {
  return impl_->request(http::verb::get, target, "", "");
}
HttpResult HttpClient::del(const std::string& target) {
  return impl_->request(http::verb::delete_, target, "", "");
}

HttpResult HttpClient::post(const std::string& target, const std::string& content_type,
                            const std::string& body) {
  return impl_->request(http::verb::post, target, content_type, body);
}

}  // namespace piket::common
