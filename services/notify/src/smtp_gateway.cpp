#include "piket/notify/smtp_gateway.hpp"

#include <curl/curl.h>

#include <cstring>
#include <mutex>

namespace piket::notify {
namespace {

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

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
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
  CURL* curl = nullptr;
};

SmtpGateway::SmtpGateway(notify::SmtpConfig config) : impl_(std::make_unique<Impl>()) {
  global_init();
  impl_->config = std::move(config);
  impl_->curl = curl_easy_init();
  if (!impl_->curl) throw std::runtime_error("smtp: curl_easy_init failed");
}

SmtpGateway::~SmtpGateway() {
  if (impl_ && impl_->curl) curl_easy_cleanup(impl_->curl);
}

SendResult SmtpGateway::send(const OutgoingEmail& mail) {
  SendResult out;
  const auto message = smtp_message(impl_->config.from, mail);
  if (message.empty()) {
    out.kind = SendResult::Kind::permanent_failure;
    out.detail = "header value with a line break refused";
    return out;
  }
  CURL* c = impl_->curl;
  curl_easy_reset(c);
  Reader reader{&message};
  const auto& cfg = impl_->config;
  const std::string from = "<" + cfg.from + ">";
  curl_slist* rcpt = curl_slist_append(nullptr, ("<" + mail.to + ">").c_str());
  curl_easy_setopt(c, CURLOPT_URL, cfg.url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt(c, CURLOPT_READDATA, &reader);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(cfg.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(cfg.timeout.count()));
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   static_cast<long>(cfg.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  if (!cfg.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, cfg.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, cfg.password.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(rcpt);
  out.kind = classify_smtp(rc == CURLE_OK, code);
  out.http_status = rc == CURLE_OK && code == 0 ? 250 : static_cast<int>(code);
  out.detail = rc == CURLE_OK ? "accepted by the mail server"
                              : std::string(curl_easy_strerror(rc)).substr(0, 120);
  return out;
}

}  // namespace piket::notify
