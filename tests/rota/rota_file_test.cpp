// The rota file: the demo file against the demo deployment's people, every
// feature of the format, and errors that name file, line and key.
#include "piket/rota/rota_file.hpp"

#include <fstream>
#include <regex>
#include <sstream>

#include "piket/config/config.hpp"
#include "piket/rota/coverage.hpp"
#include "rota_test_support.hpp"

namespace piket::rota::test {
namespace {

using rota::StaffRole;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The demo deployment's people: deploy/local/piket.toml.in with its
// placeholders filled in as deploy/run would (every token hash distinct).
std::vector<rota::PersonConfig> demo_people() {
  std::string text = read(std::string(PIKET_SOURCE_DIR) + "/deploy/local/piket.toml.in");
  const std::regex hash("@[A-Z_]*SHA256@");
  int n = 0;
  for (std::smatch m; std::regex_search(text, m, hash);) {
    std::string value = std::to_string(++n);
    value.insert(0, 64 - value.size(), 'a');
    text.replace(static_cast<std::size_t>(m.position(0)), static_cast<std::size_t>(m.length(0)),
                 value);
  }
  text = std::regex_replace(text, std::regex("@LOG_DIR@"), "/srv/piket-demo/logs");  // absolute
  text = std::regex_replace(text, std::regex("@[A-Z_]+@"), "x");
  return config::parse_config(text, "piket.toml").people;
}

TEST(RotaFile, TheDemoRota) {
  const auto people = demo_people();
  auto def = load_rota_file(std::string(PIKET_SOURCE_DIR) + "/deploy/local/rota.toml", people);
  ASSERT_EQ(def.regions.size(), 1u);
  const Rota rota(std::move(def), {}, range("2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z"));
  using P = std::vector<std::string>;
  // Week 8 from 5 January (2 March): chantal; backup is the next: daan.
  EXPECT_EQ(rota.on_call("primary", "groningen", utc("2026-03-02T12:00:00Z")), P{"icm-chantal"});
  EXPECT_EQ(rota.on_call("backup", "groningen", utc("2026-03-02T12:00:00Z")), P{"icm-daan"});
  EXPECT_EQ(rota.on_call("team_lead", "groningen", utc("2026-03-02T12:00:00Z")), P{"tl-gerrit"});
  // Monday 30 March 08:00 CEST is 06:00Z: fleur (week 11) hands over to anna.
  EXPECT_EQ(rota.on_call("primary", "groningen", utc("2026-03-30T05:59:59Z")), P{"icm-fleur"});
  EXPECT_EQ(rota.on_call("primary", "groningen", utc("2026-03-30T06:00:00Z")), P{"icm-anna"});
  EXPECT_EQ(rota.on_call("backup", "groningen", utc("2026-03-30T06:00:00Z")), P{"icm-bram"});
  const std::vector<std::string> regions{"groningen"};
  EXPECT_TRUE(check_coverage(rota, regions, utc("2026-11-22T07:00:00Z")).empty());
  EXPECT_TRUE(
      coverage_gaps(rota, regions, range("2026-01-05T07:00:00Z", "2027-12-31T00:00:00Z")).empty());
}

std::vector<rota::PersonConfig> few() {
  return {person("anna"), person("bram"), person("chantal"), person("tl", StaffRole::team_lead),
          person("olaf", StaffRole::casemanager, 12, {"other"})};
}

TEST(RotaFile, EveryFeature) {
  const auto def = parse_rota_file(R"(
[[rotations]]
region = "g"
layer = "primary"
name = "days"
shift = "day"
handoff = "08:30"
start = 2026-01-05
end = "2026-12-31"
members = ["anna", "bram"]
offset = 1
restrict = [{ days = ["mon", "fri"], from = "18:00", to = "08:00" },
            { from = "sat 00:00", to = "mon 00:00" }]

[[rotations]]
region = "g"
layer = "primary"
shift = [12, 12, 24]
handoff = 07:00:00
start = 2028-02-29
members = ["chantal"]

[[rotations]]
region = "g"
layer = "backup"
shift = "2 weeks"
handoff = "08:00"
start = 2026-01-05
members = ["bram", "anna"]

[[rotations]]
region = "g"
layer = "team_lead"
shift = 36
handoff = "00:00"
start = 2026-01-05
members = ["tl"]

[[overrides]]
id = "anna-sick"
region = "g"
layer = "primary"
kind = "replace"
person = "bram"
replaces = "anna"
from = 2026-03-29T02:30:00
to = 2026-03-30T08:00:00+02:00

[[overrides]]
region = "g"
layer = "backup"
kind = "remove"
person = "bram"
from = "2026-10-25T02:30"
to = 2026-10-26
)",
                                   "rota.toml", few());
  ASSERT_EQ(def.regions.size(), 1u);
  const auto& g = def.regions[0];
  ASSERT_EQ(g.layers.size(), 3u);
  const auto* primary = g.layer("primary");
  ASSERT_TRUE(primary);
  ASSERT_EQ(primary->rotations.size(), 2u);
  const auto& days = primary->rotations[0];
  EXPECT_EQ(days.name, "days");
  EXPECT_EQ(days.shift, ShiftLength::days(1));
  EXPECT_EQ(days.handoff, 8h + 30min);
  EXPECT_EQ(days.start, ymd(2026, 1, 5));
  EXPECT_EQ(days.end, ymd(2026, 12, 31));
  EXPECT_EQ(days.offset, 1);
  using std::chrono::hours;
  EXPECT_EQ(days.restrictions, (std::vector<WeeklyWindow>{{hours{18}, hours{32}},
                                                          {hours{4 * 24 + 18}, hours{5 * 24 + 8}},
                                                          {hours{5 * 24}, hours{0}}}));
  const auto& custom = primary->rotations[1];
  EXPECT_EQ(custom.name, "primary-2");
  EXPECT_EQ(custom.shift, ShiftLength::custom({12, 12, 24}));
  EXPECT_EQ(custom.handoff, 7h);
  EXPECT_EQ(custom.start, ymd(2028, 2, 29));
  EXPECT_EQ(g.layer("backup")->rotations[0].shift, ShiftLength::weeks(2));
  EXPECT_EQ(g.layer("team_lead")->rotations[0].shift, ShiftLength::hours(36));

  ASSERT_EQ(def.overrides.size(), 2u);
  const auto& sick = def.overrides[0];
  EXPECT_EQ(sick.id, "anna-sick");
  EXPECT_EQ(sick.kind, OverrideKind::replace);
  EXPECT_EQ(sick.person, "bram");
  EXPECT_EQ(sick.replaces, "anna");
  // 02:30 on 29 March does not exist: the override starts at the jump.
  EXPECT_EQ(sick.window, range("2026-03-29T01:00:00Z", "2026-03-30T06:00:00Z"));
  const auto& off = def.overrides[1];
  EXPECT_EQ(off.kind, OverrideKind::remove);
  EXPECT_EQ(off.window, range("2026-10-25T00:30:00Z", "2026-10-25T23:00:00Z"));
  EXPECT_FALSE(off.id.empty());
}

std::string error_of(const std::string& text) {
  try {
    parse_rota_file(text, "rota.toml", few());
  } catch (const RotaFileError& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kGood = R"([[rotations]]
region = "g"
layer = "primary"
shift = "week"
handoff = "08:00"
start = 2026-01-05
members = ["anna", "bram"]
)";

struct BadCase {
  const char* what;
  std::string from;  // replaced in kGood
  std::string to;
  std::string expected;  // the whole message
};
void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.what;
}

class RotaFileErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(RotaFileErrors, NameFileLineAndKey) {
  const auto& c = GetParam();
  std::string text = kGood;
  const auto at = text.find(c.from);
  ASSERT_NE(at, std::string::npos) << c.what;
  text.replace(at, c.from.size(), c.to);
  EXPECT_EQ(error_of(text), c.expected) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RotaFileErrors,
    ::testing::Values(
        BadCase{"unknown person", "\"bram\"]", "\"bart\"]",
                "rota.toml:7: rotations[0].members[1]: unknown person bart (not in the "
                "deployment's [[people]])"},
        BadCase{"person of another region", "\"bram\"]", "\"olaf\"]",
                "rota.toml:7: rotations[0].members[1]: olaf does not serve region g"},
        BadCase{"no members", "members = [\"anna\", \"bram\"]", "members = []",
                "rota.toml:7: rotations[0].members: must be a list of 1-1000 person ids"},
        BadCase{"missing members", "members = [\"anna\", \"bram\"]", "",
                "rota.toml:1: rotations[0].members: required key is missing"},
        BadCase{
            "bad shift", "\"week\"", "\"fortnight\"",
            "rota.toml:4: rotations[0].shift: must be \"day\", \"week\", \"N days\", \"N weeks\", "
            "a number of hours, or a list of 1-100 hour counts such as [12, 12, 24]"},
        BadCase{"zero hours", "\"week\"", "0",
                "rota.toml:4: rotations[0].shift: must be between 1 and 8784"},
        BadCase{"bad handoff", "\"08:00\"", "\"8 am\"",
                "rota.toml:5: rotations[0].handoff: must be a time of day such as \"08:00\""},
        BadCase{"handoff 24:00", "\"08:00\"", "\"24:00\"",
                "rota.toml:5: rotations[0].handoff: must be a time of day such as \"08:00\""},
        BadCase{
            "29 February 2027", "2026-01-05", "\"2027-02-29\"",
            "rota.toml:6: rotations[0].start: must be a date such as 2026-01-05 (years 2000-2200)"},
        BadCase{"end before start", "start = 2026-01-05", "start = 2026-01-05\nend = 2026-01-01",
                "rota.toml:7: rotations[0].end: must be after start"},
        BadCase{"unknown key", "layer = \"primary\"", "layer = \"primary\"\nhandof = \"08:00\"",
                "rota.toml:4: rotations[0].handof: unknown key"},
        BadCase{"bad layer id", "\"primary\"", "\"Primary\"",
                "rota.toml:3: rotations[0].layer: must be a lower-case id"},
        BadCase{"bad restriction", "members",
                "restrict = [{ from = \"fri 18:00\", to = \"08:00\" }]\nmembers",
                "rota.toml:7: rotations[0].restrict[0].to: give a weekday in both from and to, or "
                "in neither"},
        BadCase{"bad weekday", "members",
                "restrict = [{ days = [\"fr\"], from = \"18:00\", to = \"08:00\" }]\nmembers",
                "rota.toml:7: rotations[0].restrict[0].days[0]: must be one of mon, tue, wed, thu, "
                "fri, sat, sun"},
        BadCase{
            "override without replaces", "members = [\"anna\", \"bram\"]\n",
            "members = [\"anna\", \"bram\"]\n[[overrides]]\nregion = \"g\"\nlayer = \"primary\"\n"
            "kind = \"replace\"\nperson = \"chantal\"\nfrom = 2026-03-01T08:00:00\nto = "
            "2026-03-02T08:00:00\n",
            "rota.toml:8: overrides[0].replaces: required key is missing (kind = \"replace\")"},
        BadCase{
            "override backwards", "members = [\"anna\", \"bram\"]\n",
            "members = [\"anna\", \"bram\"]\n[[overrides]]\nregion = \"g\"\nlayer = \"primary\"\n"
            "kind = \"add\"\nperson = \"chantal\"\nfrom = 2026-03-02T08:00:00\nto = "
            "2026-03-01T08:00:00\n",
            "rota.toml:14: overrides[0].to: must be after from"},
        BadCase{
            "override bad kind", "members = [\"anna\", \"bram\"]\n",
            "members = [\"anna\", \"bram\"]\n[[overrides]]\nregion = \"g\"\nlayer = \"primary\"\n"
            "kind = \"swap\"\nperson = \"chantal\"\nfrom = 2026-03-01T08:00:00\nto = "
            "2026-03-02T08:00:00\n",
            "rota.toml:11: overrides[0].kind: must be \"replace\", \"add\" or \"remove\""}),
    [](const auto& param_info) { return test_name(param_info.param.what); });

TEST(RotaFile, ReportsEveryProblemAtOnce) {
  const auto message = error_of(R"([[rotations]]
region = "g"
layer = "primary"
shift = "week"
handoff = "25:00"
start = 2026-01-05
members = ["anna", "nobody"]

[[rotations]]
region = "g"
layer = "backup"
shift = "day"
handoff = "08:00"
start = "2026-13-01"
members = ["bram"]
)");
  EXPECT_EQ(
      message,
      "rota.toml:5: rotations[0].handoff: must be a time of day such as \"08:00\"\n"
      "rota.toml:7: rotations[0].members[1]: unknown person nobody (not in the deployment's "
      "[[people]])\n"
      "rota.toml:14: rotations[1].start: must be a date such as 2026-01-05 (years 2000-2200)");
}

TEST(RotaFile, SyntaxErrorsNameTheLine) {
  std::string text = kGood;
  text.replace(text.find("\"primary\""), 9, "\"primary");
  EXPECT_TRUE(error_of(text).starts_with("rota.toml:3: ")) << error_of(text);
}

TEST(RotaFile, DuplicateNamesAndIds) {
  const auto message =
      error_of(std::string(kGood) + "name = \"x\"\n" + kGood + "name = \"x\"\n" +
               "[[overrides]]\nid = \"o\"\nregion = \"g\"\nlayer = \"primary\"\nkind = "
               "\"add\"\nperson = \"anna\"\nfrom = 2026-01-01\nto = 2026-01-02\n" +
               "[[overrides]]\nid = \"o\"\nregion = \"g\"\nlayer = \"primary\"\nkind = "
               "\"add\"\nperson = \"anna\"\nfrom = 2026-01-01\nto = 2026-01-02\n");
  EXPECT_NE(message.find("rotations[1].name: duplicate rotation x in g/primary"), std::string::npos)
      << message;
  EXPECT_NE(message.find("overrides[1].id: duplicate override id o"), std::string::npos) << message;
}

// A region its members do not serve (one the deployment lacks, say) is refused
// member by member: what the old [[rotas]] reported as "unknown region".
TEST(RotaFile, ARegionTheMembersDoNotServeIsRefused) {
  std::string text = kGood;
  text.replace(text.find("region = \"g\""), 12, "region = \"utrecht\"");
  EXPECT_EQ(error_of(text),
            "rota.toml:7: rotations[0].members[0]: anna does not serve region utrecht\n"
            "rota.toml:7: rotations[0].members[1]: bram does not serve region utrecht");
}

TEST(RotaFile, MissingFile) {
  EXPECT_THROW(load_rota_file("/nonexistent/rota.toml", few()), RotaFileError);
}

}  // namespace
}  // namespace piket::rota::test
