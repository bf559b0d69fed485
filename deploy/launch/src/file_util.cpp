#include "file_util.hpp"

#include <cerrno>
#include <fstream>
#include <iterator>
#include <system_error>

namespace piket::launch::detail {

void write_file(const std::filesystem::path& path, const std::string& contents) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << contents;
    out.flush();
    if (!out) throw std::system_error(errno, std::generic_category(), "write " + tmp.string());
  }
  std::filesystem::rename(tmp, path);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string tail_of_file(const std::filesystem::path& path, std::size_t max_bytes) {
  std::string all = read_file(path);
  if (all.size() > max_bytes) all.erase(0, all.size() - max_bytes);
  return all;
}

}  // namespace piket::launch::detail
