// iCalendar export, parsed back with libical (a real RFC 5545 parser).
#include "piket/rota/ical.hpp"

#include <libical/ical.h>

#include <memory>

#include "rota_test_support.hpp"

namespace piket::rota::test {
namespace {

struct ParsedEvent {
  std::string uid;
  Instant start;
  Instant end;
  std::string summary;
};

struct ComponentFree {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
using ComponentPtr = std::unique_ptr<icalcomponent, ComponentFree>;

Instant from_ical(icaltimetype t) {
  EXPECT_TRUE(icaltime_is_utc(t));
  return Instant{std::chrono::seconds{icaltime_as_timet(t)}};
}

std::vector<ParsedEvent> parse(const std::string& text) {
  ComponentPtr cal(icalparser_parse_string(text.c_str()));
  EXPECT_TRUE(cal);
  if (!cal) return {};
  EXPECT_EQ(icalcomponent_isa(cal.get()), ICAL_VCALENDAR_COMPONENT);
  EXPECT_EQ(icalcomponent_count_errors(cal.get()), 0);
  // libical's RFC 5545 restriction check (UID, DTSTAMP, DTSTART present, …).
  EXPECT_EQ(icalrestriction_check(cal.get()), 1);
  EXPECT_EQ(icalcomponent_count_errors(cal.get()), 0);
  std::vector<ParsedEvent> out;
  for (icalcomponent* e = icalcomponent_get_first_component(cal.get(), ICAL_VEVENT_COMPONENT); e;
       e = icalcomponent_get_next_component(cal.get(), ICAL_VEVENT_COMPONENT))
    out.push_back(ParsedEvent{icalcomponent_get_uid(e), from_ical(icalcomponent_get_dtstart(e)),
                              from_ical(icalcomponent_get_dtend(e)), icalcomponent_get_summary(e)});
  return out;
}

// Demo-like: six people weekly from Monday 5 January 2026 08:00, backup the next.
RotaDefinition demo() {
  const std::vector<std::string> six{"anna", "bram", "chantal", "daan", "eva", "fleur"};
  auto def = one_layer({rotation(six, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))});
  auto backup = rotation(six, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5));
  backup.offset = 1;
  def.regions[0].layers.push_back(LayerDefinition{"backup", {backup}});
  return def;
}

const Instant kStamp = utc("2026-02-01T10:00:00Z");

TEST(RotaIcal, PersonCalendarParsesBack) {
  const Rota rota(demo(), {}, range("2025-12-01T00:00:00Z", "2026-07-01T00:00:00Z"));
  const auto events = parse(
      ical_for_person(rota, "anna", range("2026-03-01T00:00:00Z", "2026-05-05T00:00:00Z"), kStamp));
  // anna: backup in week 11 (23-30 March, across the spring change) and 17
  // (4-11 May); primary in week 12 (30 March - 6 April).
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].start, utc("2026-03-23T07:00:00Z"));
  EXPECT_EQ(events[0].end, utc("2026-03-30T06:00:00Z"));
  EXPECT_EQ(events[0].summary, "On call: backup (g)");
  EXPECT_EQ(events[1].start, utc("2026-03-30T06:00:00Z"));
  EXPECT_EQ(events[1].end, utc("2026-04-06T06:00:00Z"));
  EXPECT_EQ(events[1].summary, "On call: primary (g)");
  EXPECT_EQ(events[2].start, utc("2026-05-04T06:00:00Z"));
  EXPECT_EQ(events[2].end, utc("2026-05-11T06:00:00Z"));  // beyond the range: the whole shift
  EXPECT_EQ(events[0].uid, "anna/g/backup/20260323T070000Z@piket");
}

TEST(RotaIcal, UidsAreStableAsTheRangeSlides) {
  const Rota rota(demo(), {}, range("2025-12-01T00:00:00Z", "2026-07-01T00:00:00Z"));
  const auto a = parse(
      ical_for_person(rota, "bram", range("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z"), kStamp));
  const auto b = parse(
      ical_for_person(rota, "bram", range("2026-03-20T00:00:00Z", "2026-05-20T00:00:00Z"), kStamp));
  int common_events = 0;
  for (const auto& x : a)
    for (const auto& y : b)
      if (x.uid == y.uid) {
        ++common_events;
        EXPECT_EQ(x.start, y.start);
        EXPECT_EQ(x.end, y.end);
      }
  EXPECT_GE(common_events, 2);
  std::set<std::string> uids;
  for (const auto& x : b) EXPECT_TRUE(uids.insert(x.uid).second) << x.uid;
}

TEST(RotaIcal, LayerCalendarMatchesTheTimelineIncludingGaps) {
  auto def = demo();
  def.overrides.push_back(Override{"gap", "g", "primary", OverrideKind::remove, "chantal", "",
                                   range("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z")});
  const Rota rota(def, {}, range("2025-12-01T00:00:00Z", "2026-07-01T00:00:00Z"));
  const auto r = range("2026-03-01T00:00:00Z", "2026-03-20T00:00:00Z");
  const auto events = parse(ical_for_layer(rota, "primary", "g", r, kStamp));
  const auto segments =
      rota.timeline("primary", "g", TimeRange{r.start - 24h * 31, r.end + 24h * 31});
  std::vector<Segment> overlapping;
  for (const auto& s : segments)
    if (s.range().overlaps(r)) overlapping.push_back(s);
  ASSERT_EQ(events.size(), overlapping.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].start, overlapping[i].start);
    EXPECT_EQ(events[i].end, overlapping[i].end);
  }
  bool saw_gap = false;
  for (const auto& e : events)
    if (e.summary == "GAP: nobody on call (primary, g)") {
      saw_gap = true;
      EXPECT_EQ(e.start, utc("2026-03-03T00:00:00Z"));
      EXPECT_EQ(e.end, utc("2026-03-04T00:00:00Z"));
    }
  EXPECT_TRUE(saw_gap);
}

TEST(RotaIcal, LongLinesFoldAtSeventyFiveOctetsAndUnfold) {
  // Twelve people at once make a SUMMARY far longer than 75 octets.
  auto def = demo();
  std::string expected = "primary (g): ";
  std::vector<std::string> extra;
  for (int i = 0; i < 12; ++i) extra.push_back("icm-extra-person-" + std::to_string(10 + i));
  std::vector<std::string> all = extra;
  all.push_back("chantal");
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) expected += (i ? ", " : "") + all[i];
  for (const auto& p : extra)
    def.overrides.push_back(Override{"add-" + p, "g", "primary", OverrideKind::add, p, "",
                                     range("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z")});
  const Rota rota(def, {}, range("2025-12-01T00:00:00Z", "2026-07-01T00:00:00Z"));
  const auto text = ical_for_layer(rota, "primary", "g",
                                   range("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"), kStamp);

  // Every physical line ends in CRLF and has at most 75 octets.
  std::size_t pos = 0, folded = 0;
  while (pos < text.size()) {
    const auto eol = text.find("\r\n", pos);
    ASSERT_NE(eol, std::string::npos);
    EXPECT_LE(eol - pos, 75u) << text.substr(pos, eol - pos);
    if (text[pos] == ' ') ++folded;
    pos = eol + 2;
  }
  EXPECT_GE(folded, 2u);
  EXPECT_EQ(text.find('\n'), text.find("\r\n") + 1);  // no bare LF
  const auto events = parse(text);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].summary, expected);
}

TEST(RotaIcal, FoldNeverSplitsAUtf8Character) {
  std::string line = "SUMMARY:";
  for (int i = 0; i < 60; ++i) line += "\xC3\xA9";  // é, two octets
  const auto folded = fold_ical_line(line);
  std::string unfolded;
  std::size_t pos = 0;
  while (pos < folded.size()) {
    const auto eol = folded.find("\r\n", pos);
    const auto piece = folded.substr(pos, eol - pos);
    EXPECT_LE(piece.size(), 75u);
    // No piece starts with a continuation byte (after the fold's space).
    const auto body = pos == 0 ? piece : piece.substr(1);
    ASSERT_FALSE(body.empty());
    EXPECT_NE(static_cast<unsigned char>(body[0]) & 0xC0, 0x80);
    unfolded += body;
    pos = eol + 2;
  }
  EXPECT_EQ(unfolded, line);
}

TEST(RotaIcal, EscapesText) {
  EXPECT_EQ(escape_ical_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
}

}  // namespace
}  // namespace piket::rota::test
