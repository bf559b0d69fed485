#pragma once
// A small deployment for the cases tests: region groningen with casemanagers
// icm-1, icm-2 and team lead tl-g; region drenthe with icm-d1 and tl-d. Staff
// tokens are "token-<id>".

#include <string>

#include "piket/common/crypto.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"

namespace piket::cases::test {

inline std::string staff_token(const std::string& id) {
  return "token-" + id;
}

inline std::string test_config_text(const std::string& extra = {}, int redis_port = 6390) {
  auto person = [](const std::string& id, const char* role, const char* phone, const char* region) {
    return "[[people]]\nid = \"" + id + "\"\nname = \"" + id + "\"\nrole = \"" + role +
           "\"\nphone = \"" + phone + "\"\nregions = [\"" + region + "\"]\ntoken_sha256 = \"" +
           common::sha256_hex(staff_token(id)) + "\"\n\n";
  };
  return "[redis]\naddress = \"127.0.0.1:" + std::to_string(redis_port) + "\"\n\n" +
         "[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n\n" + extra + "\n" +
         "[[regions]]\nid = \"groningen\"\n\n[[regions]]\nid = \"drenthe\"\n\n" +
         person("icm-1", "casemanager", "+447700900001", "groningen") +
         person("icm-2", "casemanager", "+447700900002", "groningen") +
         person("tl-g", "team_lead", "+447700900010", "groningen") +
         person("icm-d1", "casemanager", "+447700900021", "drenthe") +
         person("tl-d", "team_lead", "+447700900030", "drenthe");
}

inline config::Config test_config(const std::string& extra = {}, int redis_port = 6390) {
  return config::parse_config(test_config_text(extra, redis_port), "cases-test.toml");
}

inline common::Instant at(const char* rfc3339) {
  return *common::parse_rfc3339(rfc3339);
}

}  // namespace piket::cases::test
