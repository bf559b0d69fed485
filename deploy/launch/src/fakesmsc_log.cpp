#include "piket/launch/fakesmsc_log.hpp"

#include <map>
#include <optional>
#include <ostream>
#include <tuple>

#include "piket/launch/url_codec.hpp"

namespace piket::launch {
namespace {

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

constexpr char32_t kReplacement = 0xFFFD;

// Payload of a UDH message: UCS-2 if it looks like it (see header), else bytes as they are.
std::string decode_udh_payload(const std::string& bytes) {
  if (bytes.size() % 2 == 0 && bytes.find('\0') != std::string::npos) {
    return utf16be_to_utf8(bytes);
  }
  return bytes;
}

struct Concat {
  unsigned ref = 0;
  unsigned total = 0;
  unsigned seq = 0;
};

// The concatenation information element of a UDH, if any.
std::optional<Concat> find_concat(const std::string& udh) {
  if (udh.empty()) return std::nullopt;
  const auto byte = [&](std::size_t i) -> unsigned { return static_cast<unsigned char>(udh[i]); };
  const std::size_t end = std::min<std::size_t>(udh.size(), 1 + std::size_t{byte(0)});
  std::size_t i = 1;
  while (i + 2 <= end) {
    const unsigned iei = byte(i);
    const std::size_t len = byte(i + 1);
    const std::size_t data = i + 2;
    if (data + len > end) break;
    if (iei == 0x00 && len == 3) return Concat{byte(data), byte(data + 1), byte(data + 2)};
    if (iei == 0x08 && len == 4) {
      return Concat{(byte(data) << 8) | byte(data + 1), byte(data + 2), byte(data + 3)};
    }
    i = data + len;
  }
  return std::nullopt;
}

struct Parsed {
  std::string from;
  std::string to;
  std::string type;
  std::string payload;
};

std::optional<Parsed> split_wire_line(std::string_view content) {
  const auto sp1 = content.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return std::nullopt;
  const auto sp2 = content.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return std::nullopt;
  const auto sp3 = content.find(' ', sp2 + 1);
  if (sp3 == std::string_view::npos) return std::nullopt;  // Kannel always writes "<type> "
  Parsed p;
  p.from = content.substr(0, sp1);
  p.to = content.substr(sp1 + 1, sp2 - sp1 - 1);
  p.type = content.substr(sp2 + 1, sp3 - sp2 - 1);
  p.payload = content.substr(sp3 + 1);
  if (p.type != "text" && p.type != "data" && p.type != "ucs-2" && p.type != "udh") {
    return std::nullopt;
  }
  return p;
}

// The text inside "Got message N: <...>", or nullopt for any other line.
std::optional<std::string_view> got_message_content(std::string_view line) {
  static constexpr std::string_view kMarker = "Got message ";
  const auto pos = line.find(kMarker);
  if (pos == std::string_view::npos) return std::nullopt;
  std::size_t i = pos + kMarker.size();
  const std::size_t digits_begin = i;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
  if (i == digits_begin || line.substr(i, 3) != ": <") return std::nullopt;
  i += 3;
  if (line.size() <= i || line.back() != '>') return std::nullopt;
  return line.substr(i, line.size() - i - 1);
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const DeliveredSms& sms) {
  return out << "{from=\"" << sms.from << "\" to=\"" << sms.to << "\" text=\"" << sms.text << "\"}";
}

std::string utf16be_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  const auto unit = [&](std::size_t i) {
    return static_cast<char32_t>((static_cast<unsigned char>(bytes[i]) << 8) |
                                 static_cast<unsigned char>(bytes[i + 1]));
  };
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    const char32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 3 < bytes.size()) {
        const char32_t low = unit(i + 2);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
          i += 2;
          continue;
        }
      }
      append_utf8(out, kReplacement);
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      append_utf8(out, kReplacement);
    } else {
      append_utf8(out, u);
    }
  }
  if (i < bytes.size()) append_utf8(out, kReplacement);
  return out;
}

std::vector<DeliveredSms> parse_fakesmsc_log(std::string_view contents) {
  std::vector<DeliveredSms> out;

  struct Group {
    std::size_t index;                              // into `out`
    std::vector<std::optional<std::string>> parts;  // raw payload bytes, by sequence number
  };
  std::vector<Group> groups;
  using Key = std::tuple<std::string, std::string, unsigned, unsigned>;
  std::map<Key, std::size_t> open_groups;  // -> index into `groups`
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t last_text = kNone;  // index of a text message a following non-message line continues

  while (!contents.empty()) {
    const auto nl = contents.find('\n');
    std::string_view line = contents.substr(0, nl);
    contents.remove_prefix(nl == std::string_view::npos ? contents.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    const auto content = got_message_content(line);
    if (!content) continue;
    auto parsed = split_wire_line(*content);
    if (!parsed) {
      if (last_text != kNone) {
        out[last_text].text += '\n';
        out[last_text].text += *content;
      }
      continue;
    }
    last_text = kNone;

    if (parsed->type == "text") {
      last_text = out.size();
      out.push_back({std::move(parsed->from), std::move(parsed->to), std::move(parsed->payload)});
    } else if (parsed->type == "data") {
      out.push_back({std::move(parsed->from), std::move(parsed->to), url_decode(parsed->payload)});
    } else if (parsed->type == "ucs-2") {
      out.push_back({std::move(parsed->from), std::move(parsed->to),
                     utf16be_to_utf8(url_decode(parsed->payload))});
    } else {  // udh: "<udh> data <payload>"
      const auto sp = parsed->payload.find(' ');
      const std::string udh = url_decode(parsed->payload.substr(0, sp));
      std::string payload;
      if (sp != std::string::npos) {
        std::string_view rest = std::string_view(parsed->payload).substr(sp + 1);
        if (rest.substr(0, 5) == "data ") rest.remove_prefix(5);
        payload = url_decode(rest);
      }
      const auto concat = find_concat(udh);
      if (!concat || concat->total == 0 || concat->seq == 0 || concat->seq > concat->total) {
        out.push_back(
            {std::move(parsed->from), std::move(parsed->to), decode_udh_payload(payload)});
        continue;
      }
      Key key{parsed->from, parsed->to, concat->ref, concat->total};
      auto it = open_groups.find(key);
      if (it != open_groups.end() && groups[it->second].parts[concat->seq - 1]) {
        open_groups.erase(it);  // same reference reused: a new message
        it = open_groups.end();
      }
      if (it == open_groups.end()) {
        groups.push_back({out.size(), std::vector<std::optional<std::string>>(concat->total)});
        it = open_groups.emplace(std::move(key), groups.size() - 1).first;
        out.push_back({std::move(parsed->from), std::move(parsed->to), {}});
      }
      groups[it->second].parts[concat->seq - 1] = std::move(payload);
    }
  }

  for (const auto& group : groups) {
    std::string bytes;
    for (const auto& part : group.parts) {
      if (part) bytes += *part;
    }
    out[group.index].text = decode_udh_payload(bytes);
  }
  return out;
}

}  // namespace piket::launch
