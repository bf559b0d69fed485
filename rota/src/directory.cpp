#include "piket/rota/directory.hpp"

#include <regex>

#include "piket/common/toml_reader.hpp"

namespace piket::rota {
namespace {

using common::Millis;
using common::set_if;
using common::TomlReader;

constexpr std::size_t kMaxRegionId = 32;
const std::regex kHexSha256{"^[0-9a-f]{64}$"};
const std::regex kE164{"^\\+[1-9][0-9]{6,14}$"};
const std::regex kEmail{
    "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63}){0,8}$"};
const std::regex kArgon2id{
    "^\\$argon2id\\$v=19\\$m=[0-9]{1,8},t=[0-9]{1,3},p=[0-9]{1,3}\\$[A-Za-z0-9+/"
    "]{11,128}\\$[A-Za-z0-9+/]{16,256}$"};

// people.contact = [{channel = "push", after_s = 0}, {channel = "sms", after_s = 60}, …]:
// 1-3 distinct channels, the first at once, after_s never decreasing. Default:
// SMS at once, and e-mail after 5 minutes when the person has an address and
// [smtp] is configured.
constexpr std::int64_t kMaxContactDelayS = 24 * 3600;
std::vector<ContactRule> read_contact(TomlReader& r, const toml::table& person, bool have_smtp,
                                      const std::string& email) {
  std::vector<ContactRule> out;
  const toml::node* n = person.get("contact");
  if (!n) {
    out.push_back({ContactChannel::sms, Millis{0}});
    if (have_smtp && !email.empty()) out.push_back({ContactChannel::email, Millis{300'000}});
    return out;
  }
  const toml::array* a = n->as_array();
  if (!a || a->empty() || a->size() > 3) {
    r.error(n->source(), "people.contact",
            "must be a list of 1-3 tables such as [{channel = \"sms\", after_s = 0}]");
    return out;
  }
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::node& e = *a->get(i);
    const std::string name = "people.contact[" + std::to_string(i) + "].";
    const toml::table* t = e.as_table();
    if (!t) {
      r.error(e.source(), name.substr(0, name.size() - 1), "must be a table {channel, after_s}");
      continue;
    }
    r.only_known(*t, name, {"channel", "after_s"});
    ContactRule rule;
    if (auto v = r.string(*t, name, "channel", true)) {
      if (const auto c = parse_contact_channel(*v))
        rule.channel = *c;
      else {
        r.error(t->get("channel")->source(), name + "channel",
                "must be \"sms\", \"push\" or \"email\"");
        continue;
      }
    } else {
      continue;
    }
    if (auto v = r.integer(*t, name, "after_s", 0, kMaxContactDelayS))
      rule.after = std::chrono::seconds{*v};
    else if (t->get("after_s"))
      continue;
    const auto& where = e.source();
    if (out.empty() && rule.after.count() != 0)
      r.error(where, name + "after_s", "the first channel must be used at once (0)");
    if (!out.empty() && rule.after < out.back().after)
      r.error(where, name + "after_s", "must not be less than the channel before it");
    for (const auto& prev : out)
      if (prev.channel == rule.channel)
        r.error(where, name + "channel",
                "channel " + std::string(to_string(rule.channel)) + " is listed twice");
    if (rule.channel == ContactChannel::email && email.empty())
      r.error(where, name + "channel", "e-mail needs the person's email address");
    if (rule.channel == ContactChannel::email && !have_smtp)
      r.error(where, name + "channel", "e-mail needs an [smtp] table");
    out.push_back(rule);
  }
  return out;
}

}  // namespace

std::optional<ContactChannel> parse_contact_channel(std::string_view s) {
  for (auto c : {ContactChannel::sms, ContactChannel::push, ContactChannel::email})
    if (to_string(c) == s) return c;
  return std::nullopt;
}

std::string_view to_string(ContactChannel c) {
  switch (c) {
    case ContactChannel::sms:
      return "sms";
    case ContactChannel::push:
      return "push";
    case ContactChannel::email:
      return "email";
  }
  return "sms";
}

const PersonConfig* Directory::person(std::string_view id) const {
  for (const auto& p : people)
    if (p.id == id) return &p;
  return nullptr;
}

i18n::Language Directory::language_of(const PersonConfig* p) const {
  return i18n::language_for(deployment_language, p ? p->language : std::nullopt);
}

const RegionConfig* Directory::region(std::string_view id) const {
  for (const auto& r : regions)
    if (r.id == id) return &r;
  return nullptr;
}

std::set<std::string> Directory::region_ids() const {
  std::set<std::string> ids;
  for (const auto& r : regions)
    if (!r.id.empty()) ids.insert(r.id);
  return ids;
}

std::vector<RegionConfig> parse_regions(TomlReader& r) {
  const toml::table& root = r.root();
  std::vector<RegionConfig> regions;
  std::set<std::string> region_ids;
  for (const auto* t : r.tables(root, "regions", 200)) {
    RegionConfig reg;
    r.only_known(*t, "regions.", {"id", "name"});
    set_if(r.matching(*t, "regions.", "id", true, common::id_pattern(), "a lower-case id"), reg.id);
    // The id is in every page, which must fit one SMS segment.
    if (reg.id.size() > kMaxRegionId) {
      r.error(t->get("id")->source(), "regions.id",
              "at most " + std::to_string(kMaxRegionId) + " characters (it is shown in every SMS)");
      reg.id.clear();
    }
    set_if(r.string(*t, "regions.", "name", false, 100), reg.name);
    if (!reg.id.empty() && !region_ids.insert(reg.id).second)
      r.error(t->source(), "regions.id", "duplicate region " + reg.id);
    regions.push_back(std::move(reg));
  }
  if (regions.empty()) r.error_at_table(root, "regions", "at least one [[regions]] is required");
  return regions;
}

std::vector<PersonConfig> parse_people(TomlReader& r, const std::vector<RegionConfig>& regions,
                                       bool have_smtp) {
  const std::set<std::string> region_ids = Directory{regions, {}}.region_ids();
  std::vector<PersonConfig> people;
  std::set<std::string> ids;
  for (const auto* t : r.tables(r.root(), "people", 1000)) {
    PersonConfig p;
    r.only_known(*t, "people.",
                 {"id", "name", "role", "phone", "regions", "caseload_cap", "password_argon2",
                  "email", "contact", "token_sha256", "language"});
    set_if(r.matching(*t, "people.", "id", true, common::id_pattern(), "a lower-case id"), p.id);
    set_if(r.string(*t, "people.", "name", true, 100), p.display_name);
    if (auto v = r.string(*t, "people.", "role", true)) {
      if (*v == "casemanager")
        p.role = StaffRole::casemanager;
      else if (*v == "team_lead")
        p.role = StaffRole::team_lead;
      else if (*v == "admin")
        p.role = StaffRole::admin;
      else
        r.error(t->get("role")->source(), "people.role",
                "must be \"casemanager\", \"team_lead\" or \"admin\"");
    }
    set_if(r.matching(*t, "people.", "phone", true, kE164, "an E.164 number such as +447700900001"),
           p.phone);
    p.regions = r.known_ids(*t, "people.", "regions", true, region_ids, "a region id", "region");
    set_if(r.integer(*t, "people.", "caseload_cap", 1, 500), p.caseload_cap);
    set_if(r.matching(*t, "people.", "password_argon2", false, kArgon2id,
                      "an Argon2id encoded hash (make one with piket-passwd)"),
           p.password_argon2);
    set_if(r.matching(*t, "people.", "email", false, kEmail, "an e-mail address"), p.email);
    p.contact = read_contact(r, *t, have_smtp, p.email);
    set_if(r.matching(*t, "people.", "token_sha256", false, kHexSha256,
                      "64 lower-case hex digits (sha256 of the token)"),
           p.token_sha256);
    r.unique_token(*t, "people.", p.token_sha256, "person " + p.id);
    if (auto v = r.string(*t, "people.", "language", false)) {
      p.language = i18n::parse_language(*v);
      if (!p.language)
        r.error(t->get("language")->source(), "people.language", "must be \"nl\" or \"en\"");
    }
    if (!p.id.empty() && !ids.insert(p.id).second)
      r.error(t->source(), "people.id", "duplicate person " + p.id);
    people.push_back(std::move(p));
  }
  return people;
}

}  // namespace piket::rota
