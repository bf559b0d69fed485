#include "piket/push/push_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace piket::push {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// The request on an open stream (plain or TLS), the status back. Every
// step is asynchronous so that the stream's deadline (expires_after) holds.
template <class Stream>
asio::awaitable<PushResponse> send_and_read(Stream& stream,
                                            const http::request<http::string_body>& req) {
  beast::error_code ec;
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return PushResponse{0, "write: " + ec.message()};
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);  // a push service says little
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return PushResponse{0, "read: " + ec.message()};
  co_return PushResponse{static_cast<int>(parser.get().result_int()), {}};
}

ssl::context& client_tls() {
  static ssl::context ctx = [] {
    ssl::context c(ssl::context::tls_client);
    c.set_default_verify_paths();
    c.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_min_proto_version(c.native_handle(), TLS1_2_VERSION);
    return c;
  }();
  return ctx;
}

}  // namespace

PushResponse HttpPushClient::post(const PushRequest& request) {
  const auto url = boost::urls::parse_absolute_uri(request.endpoint);
  if (!url) return {0, "endpoint is not an absolute URL"};
  const bool tls = url->scheme() == "https";
  if (!tls && url->scheme() != "http") return {0, "endpoint is not http(s)"};
  const std::string host(url->encoded_host());
  const std::string port = url->has_port() ? std::string(url->port()) : (tls ? "443" : "80");
  std::string target(url->encoded_target());
  if (target.empty()) target = "/";

  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, url->has_port() ? host + ":" + port : host);
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = request.body;
  req.prepare_payload();

  asio::io_context io;
  PushResponse out{0, "no answer in time"};
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        beast::error_code ec;
        const auto r = [&ec] { return asio::redirect_error(asio::use_awaitable, ec); };
        tcp::resolver resolver(io);
        const auto endpoints = co_await resolver.async_resolve(host, port, r());
        if (ec) {
          out.error = "resolve: " + ec.message();
          co_return;
        }
        if (tls) {
          beast::ssl_stream<beast::tcp_stream> stream(io, client_tls());
          beast::get_lowest_layer(stream).expires_after(timeout_);
          // SNI (SSL_set_tlsext_host_name, a macro with a C cast).
          if (SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                       TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str())) != 1) {
            out.error = "TLS: cannot set the server name";
            co_return;
          }
          stream.set_verify_callback(ssl::host_name_verification(host));
          co_await beast::get_lowest_layer(stream).async_connect(endpoints, r());
          if (ec) {
            out.error = "connect: " + ec.message();
            co_return;
          }
          co_await stream.async_handshake(ssl::stream_base::client, r());
          if (ec) {
            out.error = "TLS handshake: " + ec.message();
            co_return;
          }
          out = co_await send_and_read(stream, req);
          co_await stream.async_shutdown(r());  // the answer is in; a failed close changes nothing
          co_return;
        }
        beast::tcp_stream stream(io);
        stream.expires_after(timeout_);
        co_await stream.async_connect(endpoints, r());
        if (ec) {
          out.error = "connect: " + ec.message();
          co_return;
        }
        out = co_await send_and_read(stream, req);
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      },
      asio::detached);
  // The deadline of the resolve, which the stream's does not cover.
  io.run_for(timeout_ + std::chrono::milliseconds(100));
  return out;
}

}  // namespace piket::push
