#include "piket/web/live_hub.hpp"

#include <set>

namespace piket::web {

void LiveHub::add(const std::string& person, std::shared_ptr<EventChannel> channel,
                  const std::string& session) {
  std::lock_guard lock(mutex_);
  channels_.emplace(person, Stream{std::move(channel), session});
}

std::size_t LiveHub::send_range(Map::iterator from, Map::iterator to, const std::string& frame) {
  std::size_t n = 0;
  for (auto it = from; it != to;) {
    if (it->second.channel->send(frame)) {
      ++n;
      ++it;
    } else {
      it = channels_.erase(it);  // gone or too far behind
    }
  }
  return n;
}

std::size_t LiveHub::broadcast(const std::string& frame) {
  std::lock_guard lock(mutex_);
  return send_range(channels_.begin(), channels_.end(), frame);
}

std::size_t LiveHub::send_to(const std::string& person, const std::string& frame) {
  std::lock_guard lock(mutex_);
  auto [from, to] = channels_.equal_range(person);
  return send_range(from, to, frame);
}

std::vector<std::string> LiveHub::people() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [person, ch] : channels_)
    if ((out.empty() || out.back() != person) && ch.channel->open()) out.push_back(person);
  return out;
}

std::size_t LiveHub::size() const {
  std::lock_guard lock(mutex_);
  return channels_.size();
}

void LiveHub::close_all() {
  std::lock_guard lock(mutex_);
  for (auto& [p, ch] : channels_) ch.channel->close();
  channels_.clear();
}

std::size_t LiveHub::close_session(const std::string& session) {
  if (session.empty()) return 0;
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (auto it = channels_.begin(); it != channels_.end();) {
    if (it->second.session == session) {
      it->second.channel->close();
      it = channels_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

std::vector<std::string> LiveHub::sessions() const {
  std::lock_guard lock(mutex_);
  std::set<std::string> out;
  for (const auto& [p, ch] : channels_)
    if (!ch.session.empty()) out.insert(ch.session);
  return {out.begin(), out.end()};
}

}  // namespace piket::web
