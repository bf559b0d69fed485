#include "piket/web/refusal_tally.hpp"

#include <algorithm>
#include <vector>

#include "piket/common/crypto.hpp"
#include "piket/common/time_format.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/session.hpp"

namespace piket::web {
namespace {

const std::string kMinutesKey(store::kUnauthMinutes);
// Garbage collection only: a minute nobody wrote (no web process ran) goes
// after a week.
constexpr long long kKeepMs = 7LL * 24 * 3600 * 1000;
// How long a web process's claim on writing a minute lasts (Redis's expiry).
constexpr long long kClaimMs = 60 * 1000;

std::string minute_key(long long minute) {
  return store::unauth_minute_key(std::to_string(minute));
}

// KEYS, ARGV and reply: store/lua/web/web_refusal_tally_add.lua.
const common::RedisScript& add_script() {
  static const common::RedisScript s{std::string(lua::web_refusal_tally_add())};
  return s;
}

// KEYS, ARGV and reply: store/lua/web/web_refusal_tally_done.lua.
const common::RedisScript& done_script() {
  static const common::RedisScript s{std::string(lua::web_refusal_tally_done())};
  return s;
}

}  // namespace

RefusalTally::RefusalTally(common::RedisPool& redis, const common::Clock& transport_clock,
                           AuditLog& audit)
    : redis_(redis), clock_(transport_clock), audit_(audit) {}

void RefusalTally::count(const std::string& address) {
  const auto minute = common::to_epoch_ms(clock_.now()) / kWindow.count();
  // An address is at most 45 characters (canonical IPv6); anything else is
  // not one and is counted as "other".
  const std::string field =
      address.empty() || address.size() > 45 || address == kOther ? kOther : address;
  std::lock_guard lock(mutex_);
  auto& counts = pending_[minute];
  auto it = counts.find(field);
  if (it == counts.end())
    it = counts.try_emplace(counts.size() < kMaxAddresses ? field : std::string(kOther), 0).first;
  ++it->second;
}

void RefusalTally::push(Counts counts) {
  try {
    auto lease = redis_.lease();
    while (!counts.empty()) {
      const auto& [minute, by_address] = *counts.begin();
      std::vector<std::string> args{std::to_string(kMaxAddresses), std::to_string(minute),
                                    std::to_string(kKeepMs)};
      for (const auto& [address, n] : by_address) {
        args.push_back(address);
        args.push_back(std::to_string(n));
      }
      lease->eval(add_script(), {minute_key(minute), kMinutesKey}, args);
      counts.erase(counts.begin());
    }
  } catch (const common::RedisError&) {
    // Not added: keep them for the next flush (still bounded per minute).
    std::lock_guard lock(mutex_);
    for (auto& [minute, by_address] : counts)
      for (auto& [address, n] : by_address) {
        auto& mine = pending_[minute];
        if (mine.count(address) || mine.size() < kMaxAddresses)
          mine[address] += n;
        else
          mine[kOther] += n;
      }
    throw;
  }
}

std::size_t RefusalTally::flush() {
  Counts fresh;
  {
    std::lock_guard lock(mutex_);
    fresh.swap(pending_);
  }
  push(std::move(fresh));
  const auto current = common::to_epoch_ms(clock_.now()) / kWindow.count();
  std::size_t written = 0;
  auto lease = redis_.lease();
  const auto ended = lease->command(
      {"ZRANGEBYSCORE", kMinutesKey, "-inf", "(" + std::to_string(current), "LIMIT", "0", "60"});
  for (const auto& m : ended.elements) {
    long long minute = 0;
    try {
      minute = std::stoll(m.str);
    } catch (const std::exception&) {
      lease->command({"ZREM", kMinutesKey, m.str});
      continue;
    }
    const auto key = minute_key(minute);
    const auto claim = store::unauth_minute_writing_key(std::to_string(minute));
    // The claim keeps two web processes from interleaving the lines of one minute; it runs out
    // after kClaimMs (Redis's expiry), so a minute whose writer died is written by another.
    // Each line takes its count from the minute in the script that appends it
    // (AuditLog::TallyTake), so no line is written twice, even after a claim ran out.
    const auto token = common::random_base32(12);
    if (lease->command({"SET", claim, token, "NX", "PX", std::to_string(kClaimMs)}).is_nil())
      continue;  // another web process is writing this minute
    const auto counts = lease->command({"HGETALL", key});
    std::vector<std::pair<std::string, std::string>> rows;
    for (std::size_t i = 0; i + 1 < counts.elements.size(); i += 2)
      rows.emplace_back(counts.elements[i].str, counts.elements[i + 1].str);
    std::sort(rows.begin(), rows.end());
    const auto from = common::from_epoch_ms(minute * kWindow.count());
    const auto target =
        "minute " + common::format_rfc3339(from) + "/" + common::format_rfc3339(from + kWindow);
    for (const auto& [address, n] : rows) {
      long long count = 0;
      try {
        count = std::stoll(n);
      } catch (const std::exception&) {
      }
      if (count <= 0) {  // not a count: nothing to write
        lease->command({"HDEL", key, address});
        continue;
      }
      AuditRecord r;
      r.who = "-";
      r.role = "-";
      r.action = "unauthenticated";
      r.target = target;
      r.outcome = "refused";
      r.reason = n + (address == kOther ? " requests refused without a session, from more than " +
                                              std::to_string(kMaxAddresses) + " other addresses"
                                        : " requests refused without a session");
      r.from = address;
      if (audit_.append(std::move(r), {key, address, count})) ++written;
    }
    lease->eval(done_script(), {key, kMinutesKey, claim}, {m.str, token});
  }
  return written;
}

}  // namespace piket::web
