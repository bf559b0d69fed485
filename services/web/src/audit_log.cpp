#include "piket/web/audit_log.hpp"

#include <set>
#include <vector>

#include "piket/store/audit.hpp"
#include "piket/store/lua.hpp"

namespace piket::web {
namespace {

// KEYS, ARGV and reply: store/lua/web/web_audit_append.lua.
const common::RedisScript kAppend{std::string(lua::web_audit_append())};

}  // namespace

AuditLog::AuditLog(common::RedisPool& redis, const common::Clock& real_clock,
                   const common::Clock& domain_clock)
    : redis_(redis), real_(real_clock), domain_(domain_clock) {}

void AuditLog::append(AuditRecord record) {
  append_line(std::move(record), nullptr);
}

bool AuditLog::append(AuditRecord record, const TallyTake& take) {
  return append_line(std::move(record), &take);
}

bool AuditLog::append_line(AuditRecord record, const TallyTake* take) {
  record.at = real_.now();
  record.domain_at = domain_.now();
  std::lock_guard lock(mutex_);
  auto lease = redis_.lease();
  if (!head_known_) {
    head_ = lease->command({"GET", std::string(store::kAuditHead)}).opt_string().value_or("");
    head_known_ = true;
  }
  // Each lost race means another writer appended; a writer can lose many in
  // a row only under heavy contention, so give up late.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    ChainHead head;
    if (!head_.empty()) {
      auto parsed = ChainHead::parse(head_);
      if (!parsed) throw common::RedisReplyError("audit: the stored head is not valid: " + head_);
      head = *parsed;
    }
    const auto entry = next_entry(head, record);
    const ChainHead next{entry.seq, entry.hash};
    std::vector<std::string> keys{std::string(store::kAuditLog), std::string(store::kAuditHead)};
    std::vector<std::string> args{head_, entry.line(), next.to_string()};
    if (take) {
      keys.push_back(take->key);
      args.push_back(take->field);
      args.push_back(std::to_string(take->count));
    }
    common::RedisReply r;
    try {
      r = lease->eval(kAppend, keys, args);
    } catch (const common::RedisIoError&) {
      head_known_ = false;  // the append may or may not have happened
      throw;
    }
    if (r.elements.size() == 2 && r.elements[0].integer == 1) {
      head_ = next.to_string();
      return true;
    }
    if (r.elements.size() == 2 && r.elements[0].integer == 2) {
      head_ = r.elements[1].str;  // the tally's line was written by another process
      return false;
    }
    // Another writer appended first: chain onto its entry.
    head_ = r.elements.size() == 2 ? r.elements[1].str : "";
  }
  throw common::RedisReplyError("audit: could not append (head kept changing)");
}

ChainVerifier verify_audit_log(common::RedisConnection& redis) {
  ChainVerifier v;
  // Read the head first: entries appended while we read lie beyond it and are
  // ignored, so a busy log verifies as of this moment.
  const auto head_text = redis.command({"GET", std::string(store::kAuditHead)}).opt_string();
  std::optional<ChainHead> head;
  if (head_text) {
    head = ChainHead::parse(*head_text);
    if (!head) {
      v.fail(1, "the stored head is not \"seq hash\"");
      return v;
    }
  }
  const std::uint64_t total = head ? head->seq : 0;
  constexpr std::uint64_t chunk = 1000;
  for (std::uint64_t from = 0; from < total; from += chunk) {
    const auto to = std::min(total, from + chunk) - 1;
    auto r = redis.command(
        {"LRANGE", std::string(store::kAuditLog), std::to_string(from), std::to_string(to)});
    for (const auto& e : r.elements)
      if (!v.add(e.str)) return v;
    if (r.elements.size() < to - from + 1) break;
  }
  v.finish(head);
  return v;
}

ChainHead read_audit_head(common::RedisConnection& redis) {
  const auto text = redis.command({"GET", std::string(store::kAuditHead)}).opt_string();
  if (!text) return ChainHead{};
  auto head = ChainHead::parse(*text);
  if (!head) throw common::RedisReplyError("audit: the stored head is not valid: " + *text);
  return *head;
}

namespace {
constexpr std::string_view kHeadTag = "audit_head seq=";
}  // namespace

std::string audit_head_line(const ChainHead& head) {
  return std::string(kHeadTag) + std::to_string(head.seq) + " hash=" + head.hash;
}

std::optional<ChainHead> find_audit_head(std::string_view line) {
  const auto at = line.find(kHeadTag);
  if (at == std::string_view::npos) return std::nullopt;
  auto rest = line.substr(at + kHeadTag.size());
  const auto space = rest.find(" hash=");
  if (space == std::string_view::npos || rest.size() < space + 6 + 64) return std::nullopt;
  // "seq hash", the stored form, checks both parts.
  return ChainHead::parse(std::string(rest.substr(0, space)) + " " +
                          std::string(rest.substr(space + 6, 64)));
}

ExportedHeadsCheck check_exported_heads(common::RedisConnection& redis,
                                        const std::vector<ChainHead>& heads) {
  ExportedHeadsCheck out;
  const auto now = read_audit_head(redis);
  std::set<std::uint64_t> seen;
  for (const auto& h : heads) {
    if (h.seq == 0 || !seen.insert(h.seq).second) continue;
    ++out.checked;
    const auto where = "the head written out as entry " + std::to_string(h.seq) + " (hash " +
                       h.hash.substr(0, 16) + "…)";
    if (h.seq > now.seq) {
      out.problem = where + ": the chain now ends at entry " + std::to_string(now.seq) +
                    " (entries were removed)";
      return out;
    }
    // LRANGE of one entry, not LINDEX: what piket-web's Redis user may run.
    const auto index = std::to_string(h.seq - 1);
    const auto got =
        redis.command({"LRANGE", std::string(store::kAuditLog), index, index}).elements;
    const auto line = got.size() == 1 ? got[0].opt_string() : std::nullopt;
    const auto entry = line ? parse_entry(*line) : std::nullopt;
    if (!entry || entry->seq != h.seq) {
      out.problem = where + ": the chain has no such entry at its place (entries were removed)";
      return out;
    }
    if (entry->hash != h.hash) {
      out.problem = where + ": entry " + std::to_string(h.seq) + " now has hash " +
                    entry->hash.substr(0, 16) + "… (the chain was rewritten)";
      return out;
    }
  }
  return out;
}

}  // namespace piket::web
