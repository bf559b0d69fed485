#pragma once
// The rota file: a human-editable TOML file next to the deployment config
// (format: docs/rota-file.md). The loader checks every key and every person id
// against the deployment's people, and throws RotaFileError listing each
// problem as "file:line: key: what is wrong".

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "piket/rota/directory.hpp"
#include "piket/rota/rota_definition.hpp"

namespace piket::rota {

class RotaFileError : public std::runtime_error {
 public:
  explicit RotaFileError(const std::string& what) : std::runtime_error(what) {}
};

RotaDefinition load_rota_file(const std::filesystem::path& file,
                              const std::vector<PersonConfig>& people);
// Same, from text (file name used in messages only).
RotaDefinition parse_rota_file(std::string_view text, const std::string& file_name,
                               const std::vector<PersonConfig>& people);

}  // namespace piket::rota
