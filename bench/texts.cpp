#include "texts.hpp"

#include <algorithm>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse_query.hpp>

namespace piket::bench {

std::vector<PageInText> pages_in(std::string_view text) {
  std::vector<PageInText> out;
  constexpr std::string_view kBundle = " oproepen: ";
  constexpr std::size_t kCode = 9;  // "C" and eight digits
  const auto head = text.find(kBundle);
  if (head == std::string_view::npos) {
    const auto at = text.find("zaak C");
    if (at != std::string_view::npos && at + 5 + kCode <= text.size())
      out.push_back(
          {std::string(text.substr(at + 5, kCode)), text.starts_with("piket OPGESCHAALD ")});
    return out;
  }
  const auto body = text.substr(head + kBundle.size());
  const auto items = body.substr(0, body.find(". "));
  for (std::size_t at = 0; at < items.size();) {
    const auto end = std::min(items.find("; ", at), items.size());
    const auto item = items.substr(at, end - at);
    const auto code = item.rfind(" C");
    if (code != std::string_view::npos && code + 1 + kCode <= item.size())
      out.push_back({std::string(item.substr(code + 1, kCode)),
                     item.find(" OPGESCHAALD ") != std::string_view::npos});
    at = end + 2;
  }
  return out;
}

std::vector<PageInText> pages_in_sendsms_query(std::string_view query) {
  auto params = boost::urls::parse_query(query);
  if (!params) return {};
  for (auto p : *params)
    // A form-encoded query may write a space as "+" (Kannel reads it so).
    if (p.key == "text") return pages_in(p.value.decode(boost::urls::encoding_opts(true)));
  return {};
}

std::string case_id_in_answer(std::string_view body) {
  constexpr std::string_view kKey = R"("case_id":")";
  const auto at = body.find(kKey);
  if (at == std::string_view::npos) return {};
  const auto start = at + kKey.size();
  const auto end = body.find('"', start);
  if (end == std::string_view::npos) return {};
  return std::string(body.substr(start, end - start));
}

std::vector<std::string> bench_ids_in_webhook(std::string_view body) {
  std::vector<std::string> out;
  const std::string key = "\"" + std::string(kBenchLabel) + "\":\"";
  for (auto at = body.find(key); at != std::string_view::npos; at = body.find(key, at)) {
    const auto start = at + key.size();
    const auto end = body.find('"', start);
    if (end == std::string_view::npos) break;
    std::string id(body.substr(start, end - start));
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
    at = end;
  }
  return out;
}

}  // namespace piket::bench
