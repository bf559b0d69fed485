#pragma once
// The app's files (HTML, JavaScript, CSS, the charting library), read once at
// start from the assets directory the build fills, served with strict
// security headers: the page may load nothing from outside this origin.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "piket/common/http_types.hpp"

namespace piket::web {

class StaticFiles {
 public:
  // Reads every regular file under `dir` (not following symlinks out of it).
  // `language` ("nl" or "en") is the deployment's default language: index.html
  // says it on its <html> element (lang, data-default-lang), which the app
  // follows for whoever has not chosen one. Throws std::runtime_error when
  // `dir` has no index.html, or it has no <html lang="nl"> to set.
  explicit StaticFiles(const std::filesystem::path& dir, const std::string& language = "nl");

  // GET/HEAD of "/" or a file path; nullopt when there is no such file.
  std::optional<common::HttpResponse> serve(const common::HttpRequest& request) const;
  std::size_t file_count() const { return files_.size(); }

 private:
  struct File {
    std::string content_type;
    std::string body;
    std::string etag;
  };
  std::map<std::string, File, std::less<>> files_;
};

// The app's Content-Security-Policy: no inline script or style sheet,
// nothing from elsewhere, no form posts (the app sends JSON).
inline constexpr std::string_view kAppCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

// The headers every answer of the web service carries; `csp` replaces the
// app's policy for a page with its own (the family's contact form).
void add_security_headers(common::HttpResponse& response, std::string_view csp = kAppCsp);

}  // namespace piket::web
