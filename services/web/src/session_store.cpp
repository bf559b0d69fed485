#include "piket/web/session_store.hpp"

#include <sodium.h>

#include <stdexcept>

#include "piket/common/crypto.hpp"
#include "piket/store/session.hpp"

namespace piket::web {

std::string random_token() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char out[64];
  sodium_bin2base64(out, sizeof out, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

SessionStore::SessionStore(common::RedisPool& redis, const common::Clock& real_clock,
                           common::Millis idle, common::Millis max)
    : redis_(redis), clock_(real_clock), idle_(idle), max_(max) {}

std::string SessionStore::session_key(std::string_view token) {
  return store::web_session_key(common::sha256_hex(token));
}

bool SessionStore::alive(const std::string& session_key) {
  if (!store::is_web_session_key(session_key)) return false;
  auto lease = redis_.lease();
  const auto r = lease->command({"HMGET", session_key, "created_at", "last_seen"});
  if (r.elements.size() != 2 || r.elements[0].is_nil() || r.elements[1].is_nil()) return false;
  const auto now = clock_.now();
  return now - common::from_epoch_ms(std::stoll(r.elements[0].str)) < max_ &&
         now - common::from_epoch_ms(std::stoll(r.elements[1].str)) < idle_;
}

SessionStore::Created SessionStore::create(const std::string& person, const std::string& remote) {
  Created c;
  c.token = random_token();
  c.session = {person, random_token(), clock_.now(), clock_.now(), remote};
  const auto now = std::to_string(common::to_epoch_ms(c.session.created_at));
  const auto k = key(c.token);
  auto lease = redis_.lease();
  lease->pipeline({{"HSET", k, "person", person, "csrf", c.session.csrf, "created_at", now,
                    "last_seen", now, "remote", remote},
                   {"PEXPIRE", k, std::to_string(idle_.count())}});
  return c;
}

std::optional<Session> SessionStore::find(std::string_view token) {
  if (token.size() < 20 || token.size() > 100) return std::nullopt;
  const auto k = key(token);
  auto lease = redis_.lease();
  auto r = lease->command({"HMGET", k, "person", "csrf", "created_at", "last_seen", "remote"});
  if (r.elements.size() != 5 || r.elements[0].is_nil() || r.elements[2].is_nil() ||
      r.elements[3].is_nil())
    return std::nullopt;
  Session s;
  s.person = r.elements[0].str;
  s.csrf = r.elements[1].str;
  s.created_at = common::from_epoch_ms(std::stoll(r.elements[2].str));
  s.last_seen = common::from_epoch_ms(std::stoll(r.elements[3].str));
  s.remote = r.elements[4].str;
  const auto now = clock_.now();
  if (now - s.created_at >= max_ || now - s.last_seen >= idle_) {
    lease->command({"DEL", k});
    return std::nullopt;
  }
  // Restart the idle timer (at most once a second: the board refetches often).
  if (now - s.last_seen >= common::Millis{1000}) {
    s.last_seen = now;
    lease->pipeline({{"HSET", k, "last_seen", std::to_string(common::to_epoch_ms(now))},
                     {"PEXPIRE", k, std::to_string(idle_.count())}});
  }
  return s;
}

void SessionStore::destroy(std::string_view token) {
  auto lease = redis_.lease();
  lease->command({"DEL", key(token)});
}

}  // namespace piket::web
