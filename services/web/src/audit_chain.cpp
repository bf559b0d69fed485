#include "piket/web/audit_chain.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "piket/common/crypto.hpp"

namespace piket::web {
namespace {

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string text(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<std::int64_t> integer(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return std::nullopt;
}

}  // namespace

std::string ChainHead::to_string() const {
  return std::to_string(seq) + " " + hash;
}

std::optional<ChainHead> ChainHead::parse(std::string_view s) {
  const auto space = s.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  ChainHead h;
  auto [p, ec] = std::from_chars(s.data(), s.data() + space, h.seq);
  if (ec != std::errc{} || p != s.data() + space) return std::nullopt;
  h.hash = std::string(s.substr(space + 1));
  if (!is_hex64(h.hash)) return std::nullopt;
  return h;
}

AuditEntry next_entry(const ChainHead& head, const AuditRecord& r) {
  boost::json::object o;
  o["seq"] = head.seq + 1;
  o["prev"] = head.hash;
  o["at"] = common::to_epoch_ms(r.at);
  o["domain_at"] = common::to_epoch_ms(r.domain_at);
  o["who"] = r.who;
  o["role"] = r.role;
  o["action"] = r.action;
  o["target"] = r.target;
  o["outcome"] = r.outcome;
  o["reason"] = r.reason;
  o["from"] = r.from;
  AuditEntry e;
  e.seq = head.seq + 1;
  e.prev = head.hash;
  e.json = boost::json::serialize(o);
  e.hash = common::sha256_hex(e.json);
  return e;
}

std::optional<ParsedEntry> parse_entry(std::string_view line) {
  if (line.size() < 66 || line[64] != ' ') return std::nullopt;
  ParsedEntry e;
  e.hash = std::string(line.substr(0, 64));
  if (!is_hex64(e.hash)) return std::nullopt;
  e.json = std::string(line.substr(65));
  boost::system::error_code ec;
  auto v = boost::json::parse(e.json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto seq = integer(o, "seq");
  if (!seq || *seq < 1) return std::nullopt;
  e.seq = static_cast<std::uint64_t>(*seq);
  e.prev = text(o, "prev");
  auto& r = e.record;
  r.at = common::from_epoch_ms(integer(o, "at").value_or(0));
  r.domain_at = common::from_epoch_ms(integer(o, "domain_at").value_or(0));
  r.who = text(o, "who");
  r.role = text(o, "role");
  r.action = text(o, "action");
  r.target = text(o, "target");
  r.outcome = text(o, "outcome");
  r.reason = text(o, "reason");
  r.from = text(o, "from");
  return e;
}

bool ChainVerifier::fail(std::uint64_t position, std::string why) {
  broken_ = position;
  reason_ = std::move(why);
  return false;
}

bool ChainVerifier::add(std::string_view line) {
  if (broken_) return false;
  const auto position = count_ + 1;
  auto e = parse_entry(line);
  if (!e) return fail(position, "not a well-formed entry");
  if (common::sha256_hex(e->json) != e->hash)
    return fail(position, "its content does not match its hash (entry changed)");
  if (e->seq != head_.seq + 1)
    return fail(position, "sequence number " + std::to_string(e->seq) + " where " +
                              std::to_string(head_.seq + 1) + " was due (entry removed or moved)");
  if (e->prev != head_.hash)
    return fail(position, "it does not chain to the entry before it (that entry was replaced)");
  head_ = {e->seq, e->hash};
  count_ = position;
  return true;
}

bool ChainVerifier::finish(const std::optional<ChainHead>& stored_head) {
  if (broken_) return false;
  const ChainHead stored = stored_head.value_or(ChainHead{});
  if (stored.seq > head_.seq)
    return fail(head_.seq + 1, "the head records " + std::to_string(stored.seq) +
                                   " entries; entries from here on are missing");
  if (!(stored == head_))
    return fail(stored.seq == 0 ? 1 : stored.seq,
                "the chain does not end at the stored head (entries added or replaced "
                "outside piket)");
  return true;
}

}  // namespace piket::web
