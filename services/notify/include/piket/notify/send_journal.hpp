#pragma once
// What the gateways did with notify's sends, on notify's own disk, from the gateway's answer
// until Redis has it (docs/paging.md, "No duplicates"). A notify killed between an SMS that
// Kannel took and the record of it in Redis left the delivery `sending`; after its lease, with
// no delivery report yet, the SMS went out a second time — the one duplicate piket allowed, and
// under load the reports come tens of seconds late (the failover test: three SMS twice after
// a kill -9 of notify). Now each outcome is written here the moment the gateway answers (one
// write(2), no fsync: what a killed process wrote is in the kernel's page cache and survives
// it; a crash of the machine does not — then the in-doubt rules apply as before), settled
// when the record is in Redis, and what a killed run left unsettled is recorded by the next
// run before it claims anything (Notifier: the first step). The file holds only what is not
// settled yet: rewritten with just that when it grows past `compact_at` bytes. It holds
// delivery ids and the gateways' answers, no person data; mode 0600.

#include <cstddef>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "piket/store/delivery_scripts.hpp"

namespace piket::notify {

class SendJournal {
 public:
  // Opens (creating, mode 0600) the file and reads what an earlier run left unsettled; a line
  // torn by a crash is skipped. Throws std::runtime_error naming the file if it cannot, or if
  // it is larger than 64 MiB (not ours).
  explicit SendJournal(std::filesystem::path path, std::size_t compact_at = 1 << 20);
  ~SendJournal();
  SendJournal(const SendJournal&) = delete;
  SendJournal& operator=(const SendJournal&) = delete;

  // The outcomes an earlier run noted and never settled, oldest first (one per delivery, the
  // last noted).
  std::vector<store::NotifyCompleteItem> left_over() const;
  // Notes outcomes (one write; thread-safe). Throws std::runtime_error if the write fails.
  void note(const std::vector<store::NotifyCompleteItem>& items);
  // Redis has these deliveries' outcomes: they are settled (left-over ones too).
  void settle(const std::vector<std::string>& delivery_ids);
  std::size_t unsettled() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  void append(const std::string& text);  // mutex held
  void compact();                        // mutex held

  std::filesystem::path path_;
  std::size_t compact_at_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, store::NotifyCompleteItem> open_;
  std::vector<std::string> order_;  // left-over ids in the order read
};

}  // namespace piket::notify
