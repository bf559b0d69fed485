#include "piket/notify/send_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace piket::notify {
namespace {

constexpr std::uintmax_t kMaxFile = 64ULL * 1024 * 1024;

std::string clean(std::string s) {
  for (auto& ch : s)
    if (ch == '\t' || ch == '\n' || ch == '\r') ch = ' ';
  return s;
}

// "S\tid\toutcome\tretry_due\tstatus\treason\tdetail\n" (a noted outcome), "D\tid\n" (settled).
std::string noted_line(const store::NotifyCompleteItem& i) {
  return "S\t" + clean(i.delivery_id) + "\t" + clean(i.sent.outcome) + "\t" +
         std::to_string(i.sent.retry_due_ms) + "\t" + std::to_string(i.sent.gateway_status) + "\t" +
         clean(i.sent.reason) + "\t" + clean(i.sent.detail) + "\n";
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> f;
  std::size_t at = 0;
  for (;;) {
    const auto tab = line.find('\t', at);
    f.push_back(line.substr(at, tab - at));
    if (tab == std::string::npos) return f;
    at = tab + 1;
  }
}

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::runtime_error("send journal " + path.string() + ": " + what + ": " +
                           std::strerror(errno));
}

int open_append(const std::filesystem::path& path, bool truncate) {
  const int fd = ::open(path.c_str(),
                        O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0600);
  if (fd < 0) fail(path, "cannot open");
  return fd;
}

}  // namespace

SendJournal::SendJournal(std::filesystem::path path, std::size_t compact_at)
    : path_(std::move(path)), compact_at_(compact_at) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path_, ec);
  if (!ec && size > kMaxFile)
    throw std::runtime_error("send journal " + path_.string() + ": larger than 64 MiB");
  if (!ec) {
    std::ifstream in(path_);
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // no newline: torn by a crash
      const auto f = split(line);
      if (f.size() == 7 && f[0] == "S" && !f[1].empty()) {
        store::NotifyCompleteItem item{f[1], {f[2], 0, 0, f[6], f[5]}};
        try {
          item.sent.retry_due_ms = std::stoll(f[3]);
          item.sent.gateway_status = std::stoi(f[4]);
        } catch (const std::exception&) {
          continue;
        }
        if (!open_.count(f[1])) order_.push_back(f[1]);
        open_[f[1]] = std::move(item);
      } else if (f.size() == 2 && f[0] == "D") {
        open_.erase(f[1]);
      }
    }
  }
  fd_ = open_append(path_, false);
  ::fchmod(fd_, 0600);
  std::lock_guard lock(mutex_);
  compact();  // only what is open stays
}

SendJournal::~SendJournal() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<store::NotifyCompleteItem> SendJournal::left_over() const {
  std::lock_guard lock(mutex_);
  std::vector<store::NotifyCompleteItem> out;
  for (const auto& id : order_)
    if (auto it = open_.find(id); it != open_.end()) out.push_back(it->second);
  return out;
}

void SendJournal::note(const std::vector<store::NotifyCompleteItem>& items) {
  if (items.empty()) return;
  std::string text;
  for (const auto& i : items) text += noted_line(i);
  std::lock_guard lock(mutex_);
  append(text);
  for (const auto& i : items) open_[i.delivery_id] = i;
}

void SendJournal::settle(const std::vector<std::string>& delivery_ids) {
  std::string text;
  std::lock_guard lock(mutex_);
  for (const auto& id : delivery_ids)
    if (open_.erase(id)) text += "D\t" + clean(id) + "\n";
  if (text.empty()) return;
  append(text);
  if (bytes_ > compact_at_) compact();
}

std::size_t SendJournal::unsettled() const {
  std::lock_guard lock(mutex_);
  return open_.size();
}

void SendJournal::append(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(path_, "cannot write");
    done += static_cast<std::size_t>(n);
  }
  bytes_ += text.size();
}

// Rewrites the file with the open entries alone: a new file renamed over the old one (a crash
// in between leaves one or the other, both complete), then appends go to the new one.
void SendJournal::compact() {
  std::string text;
  for (const auto& id : order_)
    if (auto it = open_.find(id); it != open_.end()) text += noted_line(it->second);
  for (const auto& [id, item] : open_)
    if (std::find(order_.begin(), order_.end(), id) == order_.end()) text += noted_line(item);
  const auto tmp = std::filesystem::path(path_.string() + ".new");
  const int fd = open_append(tmp, true);
  const int old = fd_;
  fd_ = fd;
  bytes_ = 0;
  append(text);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) fail(path_, "cannot replace");
  ::close(old);
  std::vector<std::string> kept;
  for (const auto& id : order_)
    if (open_.count(id)) kept.push_back(id);
  order_ = std::move(kept);
}

}  // namespace piket::notify
