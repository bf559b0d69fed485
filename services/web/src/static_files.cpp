#include "piket/web/static_files.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "piket/common/crypto.hpp"

namespace piket::web {
namespace fs = std::filesystem;
namespace {

std::string content_type_for(const fs::path& p) {
  const auto ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json" || ext == ".webmanifest") return "application/json";
  if (ext == ".po") return "text/plain; charset=utf-8";  // the app's message catalogues
  return "application/octet-stream";
}

}  // namespace

void add_security_headers(common::HttpResponse& r, std::string_view csp) {
  r.headers.emplace_back("Content-Security-Policy", std::string(csp));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  r.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
  r.headers.emplace_back("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
}

StaticFiles::StaticFiles(const fs::path& dir, const std::string& language) {
  std::error_code ec;
  const auto root = fs::weakly_canonical(dir, ec);
  if (ec || !fs::is_directory(root))
    throw std::runtime_error("web: assets directory " + dir.string() + " does not exist");
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file() || it->is_symlink()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    auto rel = "/" + fs::relative(it->path(), root).generic_string();
    File f{content_type_for(it->path()), body.str(), {}};
    f.etag = "\"" + common::sha256_hex(f.body).substr(0, 32) + "\"";
    files_.emplace(std::move(rel), std::move(f));
  }
  const auto index = files_.find("/index.html");
  if (index == files_.end())
    throw std::runtime_error("web: " + dir.string() +
                             " has no index.html (were the assets built?)");
  auto& page = index->second;
  const std::string html = "<html lang=\"nl\">";
  const auto at = page.body.find(html);
  if (at == std::string::npos)
    throw std::runtime_error("web: index.html has no " + html + " to set the language on");
  page.body.replace(at, html.size(),
                    "<html lang=\"" + language + "\" data-default-lang=\"" + language + "\">");
  page.etag = "\"" + common::sha256_hex(page.body).substr(0, 32) + "\"";
}

std::optional<common::HttpResponse> StaticFiles::serve(const common::HttpRequest& req) const {
  if (req.method != "GET" && req.method != "HEAD") return std::nullopt;
  std::string_view path = req.path;
  if (path == "/" || path == "/board" || path == "/app" || path == "/admin")
    path = "/index.html";  // the app routes by itself
  const auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  common::HttpResponse r;
  r.content_type = it->second.content_type;
  r.headers.emplace_back("ETag", it->second.etag);
  r.headers.emplace_back("Cache-Control", "no-cache");
  add_security_headers(r);
  if (req.header("if-none-match") == it->second.etag) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  if (req.method == "GET") r.body = it->second.body;
  return r;
}

}  // namespace piket::web
