#include "piket/notify/smtp_gateway.hpp"

#include <curl/curl.h>
#include <dlfcn.h>

#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>

namespace piket::notify {
namespace {

// libcurl's functions, from the library loaded when the first gateway is made (see the header).
struct Curl {
  decltype(&curl_global_init) global_init;
  decltype(&curl_easy_init) easy_init;
  decltype(&curl_easy_cleanup) easy_cleanup;
  decltype(&curl_easy_reset) easy_reset;
  decltype(&curl_easy_setopt) easy_setopt;
  decltype(&curl_easy_perform) easy_perform;
  decltype(&curl_easy_getinfo) easy_getinfo;
  decltype(&curl_easy_strerror) easy_strerror;
  decltype(&curl_slist_append) slist_append;
  decltype(&curl_slist_free_all) slist_free_all;
};

constexpr const char* kLibcurl = "libcurl.so.4";

// Loads libcurl once (never unloaded) and initialises it; throws naming the library when it
// cannot be loaded, again on each call.
const Curl& curl() {
  static std::mutex mutex;
  static std::optional<Curl> loaded;
  std::lock_guard lock(mutex);
  if (loaded) return *loaded;
  void* lib = ::dlopen(kLibcurl, RTLD_NOW | RTLD_LOCAL);
  if (!lib) throw std::runtime_error(std::string("smtp: cannot load ") + ::dlerror());
  auto symbol = [lib](const char* name) {
    void* f = ::dlsym(lib, name);
    if (!f) throw std::runtime_error(std::string("smtp: ") + kLibcurl + " has no " + name);
    return f;
  };
  Curl c;
  // Each pointer takes the type of the function it is (the declarations come from curl.h).
  auto bind = [&symbol](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(symbol(name));
  };
  bind(c.global_init, "curl_global_init");
  bind(c.easy_init, "curl_easy_init");
  bind(c.easy_cleanup, "curl_easy_cleanup");
  bind(c.easy_reset, "curl_easy_reset");
  bind(c.easy_setopt, "curl_easy_setopt");
  bind(c.easy_perform, "curl_easy_perform");
  bind(c.easy_getinfo, "curl_easy_getinfo");
  bind(c.easy_strerror, "curl_easy_strerror");
  bind(c.slist_append, "curl_slist_append");
  bind(c.slist_free_all, "curl_slist_free_all");
  if (c.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    throw std::runtime_error("smtp: curl_global_init failed");
  loaded = c;
  return *loaded;
}

bool has_line_break(const std::string& v) {
  return v.find_first_of("\r\n") != std::string::npos;
}

struct Reader {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t read_cb(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* r = static_cast<Reader*>(user);
  const std::size_t room = size * n;
  const std::size_t left = r->data->size() - r->offset;
  const std::size_t len = std::min(room, left);
  std::memcpy(buffer, r->data->data() + r->offset, len);
  r->offset += len;
  return len;
}

}  // namespace

SendResult::Kind classify_smtp(bool curl_ok, long code) {
  if (curl_ok) return SendResult::Kind::accepted;
  if (code >= 500 && code < 600) return SendResult::Kind::permanent_failure;
  return SendResult::Kind::temporary_failure;
}

std::string smtp_message(const std::string& from, const OutgoingEmail& m) {
  if (has_line_break(from) || has_line_break(m.to) || has_line_break(m.subject) ||
      has_line_break(m.delivery_id))
    return {};
  std::string id = m.delivery_id;
  for (auto& c : id)
    if (c == ':') c = '.';
  std::string body = m.body;
  return "From: piket <" + from + ">\r\nTo: <" + m.to + ">\r\nSubject: " + m.subject +
         "\r\nMessage-ID: <" + id +
         "@piket>\r\nMIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n"
         "Auto-Submitted: auto-generated\r\n\r\n" +
         body;
}

struct SmtpGateway::Impl {
  notify::SmtpConfig config;
  const Curl* lib = nullptr;
  CURL* curl = nullptr;
};

void SmtpGateway::load_library() {
  curl();
}

SmtpGateway::SmtpGateway(notify::SmtpConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->lib = &curl();
  impl_->curl = impl_->lib->easy_init();
  if (!impl_->curl) throw std::runtime_error("smtp: curl_easy_init failed");
}

SmtpGateway::~SmtpGateway() {
  if (impl_ && impl_->curl) impl_->lib->easy_cleanup(impl_->curl);
}

SendResult SmtpGateway::send(const OutgoingEmail& mail) {
  SendResult out;
  const auto message = smtp_message(impl_->config.from, mail);
  if (message.empty()) {
    out.kind = SendResult::Kind::permanent_failure;
    out.detail = "header value with a line break refused";
    return out;
  }
  const Curl& lib = *impl_->lib;
  CURL* c = impl_->curl;
  lib.easy_reset(c);
  Reader reader{&message};
  const auto& cfg = impl_->config;
  const std::string from = "<" + cfg.from + ">";
  curl_slist* rcpt = lib.slist_append(nullptr, ("<" + mail.to + ">").c_str());
  lib.easy_setopt(c, CURLOPT_URL, cfg.url.c_str());
  lib.easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  lib.easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  lib.easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
  lib.easy_setopt(c, CURLOPT_READDATA, &reader);
  lib.easy_setopt(c, CURLOPT_UPLOAD, 1L);
  lib.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  lib.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(cfg.timeout.count()));
  lib.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(cfg.timeout.count()));
  lib.easy_setopt(c, CURLOPT_USE_SSL,
                  static_cast<long>(cfg.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  if (!cfg.username.empty()) {
    lib.easy_setopt(c, CURLOPT_USERNAME, cfg.username.c_str());
    lib.easy_setopt(c, CURLOPT_PASSWORD, cfg.password.c_str());
  }
  const CURLcode rc = lib.easy_perform(c);
  long code = 0;
  lib.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  lib.slist_free_all(rcpt);
  out.kind = classify_smtp(rc == CURLE_OK, code);
  out.http_status = rc == CURLE_OK && code == 0 ? 250 : static_cast<int>(code);
  out.detail = rc == CURLE_OK ? "accepted by the mail server"
                              : std::string(lib.easy_strerror(rc)).substr(0, 120);
  return out;
}

}  // namespace piket::notify
