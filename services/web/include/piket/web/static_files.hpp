#pragma once
// The app's files (HTML, JavaScript, CSS, the charting library), read once at
// start from the assets directory the build fills, served with strict
// security headers: the page may load nothing from outside this origin.

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "piket/common/http_types.hpp"

namespace piket::web {

class StaticFiles {
 public:
  // Reads every regular file under `dir` (not following symlinks out of it).
  // Throws std::runtime_error when `dir` has no index.html.
  explicit StaticFiles(const std::filesystem::path& dir);

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

// The headers every answer of the web service carries.
void add_security_headers(common::HttpResponse& response);

}  // namespace piket::web
