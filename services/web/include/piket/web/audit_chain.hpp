#pragma once
// The tamper-evident audit trail as a pure hash chain. Each entry is stored as
// one line "<hash> <json>", where json holds the entry's sequence number, the
// previous entry's hash and the record, and hash = SHA-256(json). Changing an
// entry breaks its own hash; changing its hash too breaks the next entry's
// "prev"; removing or reordering entries breaks "seq"; cutting off the tail is
// seen against the stored head.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"

namespace piket::web {

struct AuditRecord {
  common::Instant at{};         // real time
  common::Instant domain_at{};  // the deployment's clock (simulated in tests)
  std::string who;              // person id, or "-" before sign-in
  std::string role;             // casemanager, team_lead, admin, or "-"
  std::string action;           // e.g. case.read, case.event, board.read, login
  std::string target;           // case id, region, person, …
  std::string outcome;          // allowed | refused
  std::string reason;           // why refused, or a detail
  std::string from;             // remote address
};

struct ChainHead {
  std::uint64_t seq = 0;  // the last entry's number; 0: empty chain
  std::string hash = std::string(64, '0');
  std::string to_string() const;  // "seq hash"
  static std::optional<ChainHead> parse(std::string_view s);
  friend bool operator==(const ChainHead&, const ChainHead&) = default;
};

struct AuditEntry {
  std::uint64_t seq = 0;
  std::string prev;
  std::string hash;
  std::string json;
  std::string line() const { return hash + " " + json; }
};

// The entry that follows `head`.
AuditEntry next_entry(const ChainHead& head, const AuditRecord& record);

// Reads a stored line back; nullopt when it is not "<64 hex> <json object>"
// with the fields of an entry.
struct ParsedEntry {
  std::uint64_t seq = 0;
  std::string prev;
  std::string hash;
  std::string json;
  AuditRecord record;
};
std::optional<ParsedEntry> parse_entry(std::string_view line);

// Verifies a chain fed one line at a time, in order.
class ChainVerifier {
 public:
  // False from the first broken line on; later lines are ignored.
  bool add(std::string_view line);
  // Compares the end of the chain with the stored head (call after the last line).
  bool finish(const std::optional<ChainHead>& stored_head);

  bool ok() const { return !broken_; }
  std::uint64_t entries() const { return count_; }
  // 1-based position of the first broken line, and why.
  std::optional<std::uint64_t> first_broken() const { return broken_; }
  const std::string& reason() const { return reason_; }
  const ChainHead& head() const { return head_; }
  // Marks the chain broken at `position` for a reason found outside it.
  bool fail(std::uint64_t position, std::string why);

 private:
  ChainHead head_;
  std::uint64_t count_ = 0;
  std::optional<std::uint64_t> broken_;
  std::string reason_;
};

}  // namespace piket::web
