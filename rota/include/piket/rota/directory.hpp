#pragma once
// The deployment's regions and people — who is who, where they work and how
// pages reach them: [[regions]] and [[people]] of the deployment file. The
// rota is made of them; every service reads them (docs/configuration.md).
// Pure data and its parser (through common::TomlReader, no I/O).

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/i18n/language.hpp"

namespace piket::common {
class TomlReader;
}

namespace piket::rota {

struct RegionConfig {
  std::string id;
  std::string name;
};

// A page reaches a person over these channels, each `after` the page was
// created unless it was acknowledged first — or at once when the channel
// before it failed for good (docs/paging.md).
enum class ContactChannel { sms, push, email };
std::string_view to_string(ContactChannel c);
// "sms", "push" or "email"; nullopt for anything else.
std::optional<ContactChannel> parse_contact_channel(std::string_view s);
struct ContactRule {
  ContactChannel channel = ContactChannel::sms;
  common::Millis after{0};
};

// admin: configuration and operations in the web app, never case content.
enum class StaffRole { casemanager, team_lead, admin };

struct PersonConfig {
  std::string id;
  std::string display_name;
  StaffRole role = StaffRole::casemanager;
  std::string phone;  // E.164
  std::vector<std::string> regions;
  int caseload_cap = 12;
  // Argon2id encoded hash (piket-passwd) for signing in to the web app; empty:
  // this person cannot sign in.
  std::string password_argon2;
  std::string email{};  // optional; needed for an "email" contact rule
  // How pages reach this person, in order (never empty after loading).
  std::vector<ContactRule> contact{};
  // hex SHA-256 of the staff API token (POST /v1/pages/{id}/ack); empty: none.
  std::string token_sha256{};
  // The language of this person's SMS, replies and e-mail ("nl" or "en");
  // empty: the deployment's ([deployment] language).
  std::optional<i18n::Language> language{};
};

// The regions and the people of a deployment.
struct Directory {
  std::vector<RegionConfig> regions;
  std::vector<PersonConfig> people;
  // [deployment] language (common::SharedConfig::language, copied here when
  // the file is assembled): for people who chose none.
  i18n::Language deployment_language = i18n::kDefaultLanguage;

  const PersonConfig* person(std::string_view id) const;
  // The language of messages to this person: theirs, else the deployment's
  // (also for an unknown person or none).
  i18n::Language language_of(const PersonConfig* person) const;
  i18n::Language language_of(std::string_view person_id) const {
    return language_of(person(person_id));
  }
  const RegionConfig* region(std::string_view id) const;
  // The ids of the regions (for checking references to them).
  std::set<std::string> region_ids() const;
};

// [[regions]] (at least one).
std::vector<RegionConfig> parse_regions(common::TomlReader& r);
// [[people]]: their regions must be among `regions`; `have_smtp` (an [smtp]
// table is configured) allows e-mail contact rules and makes e-mail after 5
// minutes part of the default rules of a person with an address.
std::vector<PersonConfig> parse_people(common::TomlReader& r,
                                       const std::vector<RegionConfig>& regions, bool have_smtp);

}  // namespace piket::rota
