#include "piket/common/redis.hpp"

#include <hiredis/hiredis.h>

#include <exception>

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

}  // namespace

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  // Redis names scripts by SHA-1; libsodium has no SHA-1, so the SHA is
  // learnt from SCRIPT LOAD on first use instead (see eval()).
}

struct RedisConnection::Impl {
  RedisConfig cfg;
  ContextPtr ctx;
  std::vector<std::pair<std::string, std::string>> loaded;  // source -> sha

  redisContext* context() {
    if (ctx) return ctx.get();
    auto tv = to_timeval(cfg.timeout);
    ContextPtr c(redisConnectWithTimeout(cfg.address.host.c_str(), cfg.address.port, tv));
    if (!c) throw RedisIoError("redis: cannot allocate context");
    if (c->err) throw RedisIoError(std::string("redis: ") + c->errstr);
    redisSetTimeout(c.get(), tv);
    if (!cfg.user.empty()) {
      // Every connection authenticates as its service's ACL user.
      ReplyPtr r(static_cast<redisReply*>(redisCommand(c.get(), "AUTH %b %b", cfg.user.data(),
                                                       cfg.user.size(), cfg.password.data(),
                                                       cfg.password.size())));
      if (!r) throw RedisIoError(std::string("redis: AUTH: ") + c->errstr);
      if (r->type == REDIS_REPLY_ERROR)
        throw RedisReplyError("redis: AUTH as '" + cfg.user +
                              "' refused: " + std::string(r->str, r->len));
    }
    ctx = std::move(c);
    return ctx.get();
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
      ctx.reset();
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
      impl_->ctx.reset();
      throw RedisIoError("redis: cannot queue command");
    }
  }
  std::vector<RedisReply> out;
  out.reserve(commands.size());
  std::exception_ptr first_error;  // keeps its type (RedisFullError)
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || !raw) {
      std::string err = c->errstr;
      impl_->ctx.reset();
      throw RedisIoError("redis: " + err);
    }
    ReplyPtr reply(static_cast<redisReply*>(raw));
    try {
      out.push_back(convert(reply.get()));
    } catch (const RedisReplyError&) {
      if (!first_error) first_error = std::current_exception();
      out.emplace_back();
    }
  }
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

bool RedisConnection::connected() const {
  return impl_->ctx != nullptr;
}
void RedisConnection::disconnect() {
  impl_->ctx.reset();
}

}  // namespace piket::common
