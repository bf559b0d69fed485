#pragma once
// Small file helpers shared by the launch sources (not installed, not public API).

#include <filesystem>
#include <string>

namespace piket::launch::detail {

// Writes `contents` to a temporary file next to `path` and renames it over `path`.
// Throws std::system_error on failure.
void write_file(const std::filesystem::path& path, const std::string& contents);

// Same, but the file is created with mode 0600 (for secrets and ACL files).
void write_private_file(const std::filesystem::path& path, const std::string& contents);

// Lower-case hex SHA-256 (libsodium).
std::string sha256_hex(const std::string& data);

// `bytes` random bytes as hex (libsodium).
std::string random_hex(std::size_t bytes);

// The whole file; empty if it does not exist or cannot be read.
std::string read_file(const std::filesystem::path& path);

// At most the last `max_bytes` bytes of the file (for error messages).
std::string tail_of_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace piket::launch::detail
