#pragma once
// Bearer tokens → who is calling, for every API of piket: partners, admins and
// staff (people with a token_sha256). Only SHA-256 hashes of tokens are
// configured and kept; a presented token is hashed and looked up, so an
// unknown token's hash reveals nothing about known ones.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace piket::common {

struct Caller {
  enum class Kind { partner, admin, casemanager, team_lead };
  Kind kind = Kind::partner;
  std::string id;
  std::set<std::string, std::less<>> regions;  // partners: may post; staff: serve

  bool is_staff() const { return kind == Kind::casemanager || kind == Kind::team_lead; }
  bool serves(std::string_view region) const { return regions.count(region) > 0; }
};

// "Bearer <token>" → the token, or empty when the header is not of that form.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// One configured token: the hex SHA-256 of the token and who presents it.
struct TokenHolder {
  std::string token_sha256;
  Caller caller;
};

class BearerAuth {
 public:
  // The deployment's tokens ([[partners]], [[admins]], [[people]] with a
  // token_sha256: config::Config::bearer_tokens()); the first of a hash wins
  // (the configuration refuses a hash given twice).
  explicit BearerAuth(const std::vector<TokenHolder>& tokens);
  // The raw Authorization header value. Empty: missing, malformed or unknown.
  std::optional<Caller> authenticate(std::string_view authorization) const;
  // A token given some other way (e.g. ?token= of a calendar subscription URL).
  std::optional<Caller> authenticate_token(std::string_view token) const;

 private:
  std::unordered_map<std::string, Caller> by_hash_;
};

}  // namespace piket::common
