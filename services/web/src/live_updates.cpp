#include "piket/web/live_updates.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "piket/store/delivery.hpp"
#include "piket/store/lua.hpp"

namespace piket::web {
namespace {

const common::RedisScript kDigest{std::string(lua::web_live_digest())};

}  // namespace

LiveUpdates::LiveUpdates(common::RedisConfig redis, LiveHub& hub, const common::Clock& domain_clock,
                         const common::Clock& transport_clock, common::Millis interval)
    : redis_(std::move(redis)),
      hub_(hub),
      clock_(domain_clock),
      interval_(interval),
      loop_({.name = "live updates", .every = interval}, transport_clock, [this] {
        try {
          poll_once();
        } catch (const std::exception&) {
          redis_.disconnect();  // a fresh connection next time
          throw;                // logged by the loop, at most every 5 s
        }
      }) {}

LiveUpdates::~LiveUpdates() {
  stop();
}

void LiveUpdates::start() {
  loop_.start();
}

void LiveUpdates::stop() {
  loop_.stop();
}

std::string LiveUpdates::digest() const {
  std::lock_guard lock(digest_mutex_);
  return digest_;
}

bool LiveUpdates::poll_once() {
  const auto d = redis_.eval(kDigest, {}, {}).str;
  bool changed = false;
  {
    std::lock_guard lock(digest_mutex_);
    changed = d != digest_;
    digest_ = d;
  }
  if (changed) {
    boost::json::object o;
    o["digest"] = d;
    o["now"] = common::to_epoch_ms(clock_.now());
    hub_.broadcast(sse_frame("change", boost::json::serialize(o)));
  }
  relay_push();
  const auto keepalive_rounds = std::max<long>(1, 15000 / std::max<long>(1, interval_.count()));
  if (++rounds_since_keepalive_ >= keepalive_rounds) {
    rounds_since_keepalive_ = 0;
    hub_.broadcast(sse_keepalive());
    close_expired_sessions();
  }
  return changed;
}

void LiveUpdates::set_session_check(std::function<bool(const std::string&)> alive) {
  std::lock_guard lock(session_mutex_);
  session_alive_ = std::move(alive);
}

std::size_t LiveUpdates::close_expired_sessions() {
  std::function<bool(const std::string&)> alive;
  {
    std::lock_guard lock(session_mutex_);
    alive = session_alive_;
  }
  if (!alive) return 0;
  std::size_t n = 0;
  for (const auto& s : hub_.sessions())
    if (!alive(s)) n += hub_.close_session(s);
  return n;
}

void LiveUpdates::relay_push() {
  const auto people = hub_.people();
  // Forget people who left; start new ones at the end of their stream.
  for (auto it = push_cursor_.begin(); it != push_cursor_.end();)
    it = std::binary_search(people.begin(), people.end(), it->first) ? std::next(it)
                                                                     : push_cursor_.erase(it);
  std::vector<std::string> fresh;
  for (const auto& p : people)
    if (!push_cursor_.count(p)) fresh.push_back(p);
  if (!fresh.empty()) {
    std::vector<std::vector<std::string>> cmds;
    for (const auto& p : fresh)
      cmds.push_back({"XREVRANGE", store::push_key(p), "+", "-", "COUNT", "1"});
    auto replies = redis_.pipeline(cmds);
    for (std::size_t i = 0; i < fresh.size(); ++i) {
      const auto& r = replies[i];
      push_cursor_[fresh[i]] = !r.elements.empty() && !r.elements[0].elements.empty()
                                   ? r.elements[0].elements[0].str
                                   : "0-0";
    }
  }
  if (push_cursor_.empty()) return;
  std::vector<std::string> cmd{"XREAD", "COUNT", "50", "STREAMS"};
  for (const auto& [p, id] : push_cursor_) cmd.push_back(store::push_key(p));
  for (const auto& [p, id] : push_cursor_) cmd.push_back(id);
  auto r = redis_.command(cmd);
  // [[stream, [[id, [k, v, …]], …]], …]
  for (const auto& stream : r.elements) {
    if (stream.elements.size() != 2) continue;
    const auto person = store::push_person_of_key(stream.elements[0].str);
    for (const auto& entry : stream.elements[1].elements) {
      if (entry.elements.size() != 2) continue;
      boost::json::object o;
      o["id"] = entry.elements[0].str;
      const auto& kv = entry.elements[1].elements;
      for (std::size_t i = 0; i + 1 < kv.size(); i += 2) o[kv[i].str] = kv[i + 1].str;
      hub_.send_to(person, sse_frame("push", boost::json::serialize(o)));
      push_cursor_[person] = entry.elements[0].str;
    }
  }
}

}  // namespace piket::web
