#include "piket/common/redis.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <exception>
#include <mutex>

namespace piket::common {
namespace {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

RedisReply convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_NIL:
      out.type = RedisReply::Type::nil;
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    case REDIS_REPLY_ERROR: {
      std::string e(r->str, r->len);
      // -OOM …, or a script's "OOM command not allowed … script: …".
      if (e.rfind("OOM ", 0) == 0) throw RedisFullError(e);
      if (e.rfind("NOREPLICAS", 0) == 0) throw RedisNoReplicasError(e);
      throw RedisReplyError(e);
    }
    default:
      throw RedisReplyError("unexpected reply type");
  }
  return out;
}

timeval to_timeval(Millis ms) {
  timeval tv{};
  tv.tv_sec = ms.count() / 1000;
  tv.tv_usec = (ms.count() % 1000) * 1000;
  return tv;
}

// The reply says the command reached a replica (or a primary that was
// demoted): it was not run, and the primary must be found anew.
bool not_on_primary(const redisReply* r) {
  if (!r || r->type != REDIS_REPLY_ERROR) return false;
  const std::string_view e(r->str, r->len);
  return e.rfind("READONLY", 0) == 0 || e.rfind("MASTERDOWN", 0) == 0;
}

// The server does not know the script (restarted, failed over, SCRIPT FLUSH).
bool no_script(const redisReply* r) {
  return r && r->type == REDIS_REPLY_ERROR &&
         std::string_view(r->str, r->len).rfind("NOSCRIPT", 0) == 0;
}

std::string to_string(const HostPort& a) {
  return a.host + ":" + std::to_string(a.port);
}

// A fresh connection to `a`, authenticated as `user` when one is given.
ContextPtr open(const HostPort& a, Millis timeout, const std::string& user,
                const std::string& password, const char* what) {
  auto tv = to_timeval(timeout);
  ContextPtr c(redisConnectWithTimeout(a.host.c_str(), a.port, tv));
  if (!c) throw RedisIoError(std::string("redis: cannot allocate context"));
  if (c->err) throw RedisIoError(std::string(what) + " " + to_string(a) + ": " + c->errstr);
  redisSetTimeout(c.get(), tv);
  if (!user.empty()) {
    // Every connection authenticates as its service's ACL user.
    ReplyPtr r(static_cast<redisReply*>(redisCommand(
        c.get(), "AUTH %b %b", user.data(), user.size(), password.data(), password.size())));
    if (!r) throw RedisIoError(std::string(what) + " " + to_string(a) + ": AUTH: " + c->errstr);
    if (r->type == REDIS_REPLY_ERROR)
      throw RedisReplyError(std::string(what) + " " + to_string(a) + ": AUTH as '" + user +
                            "' refused: " + std::string(r->str, r->len));
  }
  return c;
}

// The primary that one sentinel names for `master`, or why not.
HostPort ask_sentinel(const HostPort& sentinel, const RedisConfig& cfg) {
  // A sentinel that does not answer must not hold up the next one for long.
  const Millis timeout = std::min(cfg.timeout, Millis{1000});
  auto c = open(sentinel, timeout, cfg.user, cfg.password, "sentinel");
  ReplyPtr r(
      static_cast<redisReply*>(redisCommand(c.get(), "SENTINEL get-master-addr-by-name %b",
                                            cfg.master_name.data(), cfg.master_name.size())));
  if (!r) throw RedisIoError("sentinel " + to_string(sentinel) + ": " + c->errstr);
  if (r->type == REDIS_REPLY_ERROR)
    throw RedisReplyError("sentinel " + to_string(sentinel) + ": " + std::string(r->str, r->len));
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
      r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING)
    throw RedisIoError("sentinel " + to_string(sentinel) + ": does not know a primary named '" +
                       cfg.master_name + "'");
  HostPort out;
  out.host.assign(r->element[0]->str, r->element[0]->len);
  try {
    const int port = std::stoi(std::string(r->element[1]->str, r->element[1]->len));
    if (port < 1 || port > 65535) throw std::out_of_range("port");
    out.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    throw RedisIoError("sentinel " + to_string(sentinel) + ": bad port for the primary");
  }
  return out;
}

// The primary last found through sentinels in this process: a different one
// found later is a failover followed.
void note_primary(const HostPort& primary) {
  static std::mutex mutex;
  static std::string last;
  const auto now = to_string(primary);
  std::lock_guard lock(mutex);
  if (!last.empty() && last != now) ++redis_stats().failovers_followed;
  last = now;
}

}  // namespace

RedisStats& redis_stats() {
  static RedisStats stats;
  return stats;
}

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  // Redis names scripts by SHA-1; libsodium has no SHA-1, so the SHA is
  // learnt from SCRIPT LOAD on first use instead (see eval()).
}

struct RedisConnection::Impl {
  RedisConfig cfg;
  ContextPtr ctx;
  std::vector<std::pair<std::string, std::string>> loaded;  // source -> sha

  std::optional<HostPort> peer;

  redisContext* context() {
    if (ctx) return ctx.get();
    if (cfg.sentinels.empty()) {
      ctx = open(cfg.address, cfg.timeout, cfg.user, cfg.password, "redis:");
      peer = cfg.address;
      return ctx.get();
    }
    // Each sentinel in turn; the first that names a primary which says it is
    // one (ROLE) wins. A sentinel that has not yet seen a failover may name
    // the old primary: ROLE catches a demoted one, a dead one fails to connect.
    std::string why;
    for (const auto& sentinel : cfg.sentinels) {
      try {
        const auto primary = ask_sentinel(sentinel, cfg);
        auto c = open(primary, cfg.timeout, cfg.user, cfg.password, "redis:");
        ReplyPtr role(static_cast<redisReply*>(redisCommand(c.get(), "ROLE")));
        if (!role) throw RedisIoError("redis: " + to_string(primary) + ": ROLE: " + c->errstr);
        if (role->type != REDIS_REPLY_ARRAY || role->elements < 1 ||
            role->element[0]->type != REDIS_REPLY_STRING ||
            std::string_view(role->element[0]->str, role->element[0]->len) != "master")
          throw RedisIoError("redis: " + to_string(primary) + " (named by sentinel " +
                             to_string(sentinel) + ") is not a primary");
        note_primary(primary);
        ctx = std::move(c);
        peer = primary;
        return ctx.get();
      } catch (const RedisError& e) {
        why += std::string(why.empty() ? "" : "; ") + e.what();
      }
    }
    throw RedisIoError("redis: no sentinel named a reachable primary '" + cfg.master_name +
                       "': " + why);
  }

  void reset() {
    ctx.reset();
    peer.reset();
  }

  // The SHA under which this connection's server knows `source`; empty when
  // not learnt yet.
  std::string sha_of(const std::string& source) const {
    for (const auto& [src, sha] : loaded)
      if (src == source) return sha;
    return {};
  }
  void remember(const std::string& source, std::string sha) {
    for (auto& [src, s] : loaded)
      if (src == source) {
        s = std::move(sha);
        return;
      }
    loaded.emplace_back(source, std::move(sha));
  }
  void forget(const std::string& source) {
    std::erase_if(loaded, [&](const auto& e) { return e.first == source; });
  }

  ReplyPtr run(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* c = context();
    void* raw = redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data());
    if (!raw) {
      std::string err = c->errstr;
      reset();
      throw RedisIoError("redis: " + err);
    }
    return ReplyPtr(static_cast<redisReply*>(raw));
  }
};

RedisConnection::RedisConnection(RedisConfig cfg) : impl_(std::make_unique<Impl>()) {
  impl_->cfg = std::move(cfg);
}
RedisConnection::~RedisConnection() = default;
RedisConnection::RedisConnection(RedisConnection&&) noexcept = default;
RedisConnection& RedisConnection::operator=(RedisConnection&&) noexcept = default;

RedisReply RedisConnection::command(const std::vector<std::string>& args) {
  auto reply = impl_->run(args);
  if (not_on_primary(reply.get()) && !impl_->cfg.sentinels.empty()) {
    // Not run (a replica refused it): once more, on the primary found anew.
    impl_->reset();
    reply = impl_->run(args);
    if (not_on_primary(reply.get())) impl_->reset();
  }
  return convert(reply.get());
}

RedisReply RedisConnection::command(std::initializer_list<std::string_view> args) {
  std::vector<std::string> v;
  v.reserve(args.size());
  for (auto a : args) v.emplace_back(a);
  return command(v);
}

std::vector<RedisReply> RedisConnection::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  auto* c = impl_->context();
  for (const auto& args : commands) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data()) !=
        REDIS_OK) {
      impl_->reset();
      throw RedisIoError("redis: cannot queue command");
    }
  }
  std::vector<RedisReply> out;
  out.reserve(commands.size());
  std::exception_ptr first_error;  // keeps its type (RedisFullError)
  bool stale = false;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || !raw) {
      std::string err = c->errstr;
      impl_->reset();
      throw RedisIoError("redis: " + err);
    }
    ReplyPtr reply(static_cast<redisReply*>(raw));
    // Reached a replica: the next command finds the primary anew.
    if (not_on_primary(reply.get())) stale = true;
    try {
      out.push_back(convert(reply.get()));
    } catch (const RedisReplyError&) {
      if (!first_error) first_error = std::current_exception();
      out.emplace_back();
    }
  }
  if (stale) impl_->reset();
  if (first_error) std::rethrow_exception(first_error);
  return out;
}

RedisReply RedisConnection::eval(const RedisScript& script, const std::vector<std::string>& keys,
                                 const std::vector<std::string>& args) {
  std::string sha;
  for (const auto& [src, s] : impl_->loaded)
    if (src == script.source()) sha = s;
  auto build = [&](const std::string& verb, const std::string& first) {
    std::vector<std::string> v{verb, first, std::to_string(keys.size())};
    v.insert(v.end(), keys.begin(), keys.end());
    v.insert(v.end(), args.begin(), args.end());
    return v;
  };
  if (!sha.empty()) {
    try {
      return command(build("EVALSHA", sha));
    } catch (const RedisReplyError& e) {
      if (std::string_view(e.what()).rfind("NOSCRIPT", 0) != 0) throw;
    }
  }
  auto loaded = command({"SCRIPT", "LOAD", script.source()});
  sha = loaded.str;
  bool known = false;
  for (auto& [src, s] : impl_->loaded)
    if (src == script.source()) {
      s = sha;
      known = true;
    }
  if (!known) impl_->loaded.emplace_back(script.source(), sha);
  return command(build("EVALSHA", sha));
}

std::vector<RedisOutcome> RedisConnection::eval_pipeline(
    const std::vector<RedisScriptCall>& calls) {
  std::vector<RedisOutcome> out(calls.size());
  std::vector<std::size_t> todo(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) todo[i] = i;
  // Another round only for calls that were not run (NOSCRIPT, or a replica
  // refused them; after a failover the new primary may not know the scripts
  // either: a third); a call that ran is never sent again.
  constexpr int kRounds = 3;
  for (int round = 0; round < kRounds && !todo.empty(); ++round) {
    const bool last = round == kRounds - 1;
    std::vector<std::string> shas;
    shas.reserve(todo.size());
    for (const auto i : todo) {
      if (!calls[i].script) {  // a plain command
        shas.emplace_back();
        continue;
      }
      const auto& source = calls[i].script->source();
      auto sha = impl_->sha_of(source);
      if (sha.empty()) {
        sha = command({"SCRIPT", "LOAD", source}).str;
        impl_->remember(source, sha);
      }
      shas.push_back(std::move(sha));
    }
    auto* c = impl_->context();
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (std::size_t k = 0; k < todo.size(); ++k) {
      const auto& call = calls[todo[k]];
      const auto nkeys = std::to_string(call.keys.size());
      argv.clear();
      lens.clear();
      if (call.script) {
        argv.assign({"EVALSHA", shas[k].data(), nkeys.data()});
        lens.assign({7, shas[k].size(), nkeys.size()});
      }
      for (const auto* part : {&call.keys, &call.args})
        for (const auto& a : *part) {
          argv.push_back(a.data());
          lens.push_back(a.size());
        }
      if (redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
          REDIS_OK) {
        impl_->reset();
        throw RedisIoError("redis: cannot queue command");
      }
    }
    std::vector<std::size_t> again;
    bool stale = false;
    for (const auto i : todo) {
      void* raw = nullptr;
      if (redisGetReply(c, &raw) != REDIS_OK || !raw) {
        std::string err = c->errstr;
        impl_->reset();
        throw RedisIoError("redis: " + err);
      }
      ReplyPtr reply(static_cast<redisReply*>(raw));
      if (calls[i].script && no_script(reply.get())) {
        impl_->forget(calls[i].script->source());
        if (!last) {
          again.push_back(i);
          continue;
        }
      }
      if (not_on_primary(reply.get())) {
        stale = true;
        if (!last && !impl_->cfg.sentinels.empty()) {
          again.push_back(i);
          continue;
        }
      }
      try {
        out[i].reply = convert(reply.get());
      } catch (const RedisReplyError&) {
        out[i].error = std::current_exception();
      }
    }
    // Reached a replica: the next command finds the primary anew.
    if (stale) impl_->reset();
    todo = std::move(again);
  }
  return out;
}

bool RedisConnection::wait_replicated() {
  const auto& cfg = impl_->cfg;
  if (cfg.min_replicas <= 0) return true;
  // WAIT blocks up to replica_wait: the socket must wait longer than that.
  auto* c = impl_->context();
  redisSetTimeout(c, to_timeval(cfg.timeout + cfg.replica_wait));
  RedisReply acked;
  try {
    acked = command(
        {"WAIT", std::to_string(cfg.min_replicas), std::to_string(cfg.replica_wait.count())});
  } catch (...) {
    if (impl_->ctx) redisSetTimeout(impl_->ctx.get(), to_timeval(cfg.timeout));
    throw;
  }
  if (impl_->ctx) redisSetTimeout(impl_->ctx.get(), to_timeval(cfg.timeout));
  if (acked.integer >= cfg.min_replicas) return true;
  ++redis_stats().replica_waits_timed_out;
  return false;
}

std::optional<HostPort> RedisConnection::peer() const {
  return impl_->peer;
}
const RedisConfig& RedisConnection::config() const {
  return impl_->cfg;
}
bool RedisConnection::connected() const {
  return impl_->ctx != nullptr;
}
void RedisConnection::disconnect() {
  impl_->reset();
}

}  // namespace piket::common
