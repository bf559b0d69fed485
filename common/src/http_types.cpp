#include "piket/common/http_types.hpp"

#include <cctype>
#include <string>

#include "piket/common/api_refusal.hpp"

namespace piket::common {

std::string_view HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return v;
  return {};
}

HttpResponse error_response(int status, std::string_view code, std::string_view message,
                            std::string_view field) {
  return to_response(
      ApiRefusal{status, std::string(code), std::string(message), std::string(field)});
}

HttpResponse method_not_allowed(std::string_view allow) {
  auto r = error_response(405, "method_not_allowed", "method not allowed on this path");
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

bool is_json_media_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  auto type = content_type.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  constexpr std::string_view want = "application/json";
  if (type.size() != want.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(type[i])) != want[i]) return false;
  if (semi != std::string_view::npos) {
    std::string params(content_type.substr(semi + 1));
    for (auto& c : params) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (params.find("charset") != std::string::npos &&
        params.find("charset=utf-8") == std::string::npos &&
        params.find("charset=\"utf-8\"") == std::string::npos)
      return false;
  }
  return true;
}

}  // namespace piket::common
