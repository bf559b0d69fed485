#include "piket/cases/agreement_record.hpp"

#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <utility>

#include "piket/cases/name_table.hpp"
#include "piket/cases/record_fields.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;

constexpr NameTable<AgreementState, 4> kStates{{
    {AgreementState::open, "open"},
    {AgreementState::done, "done"},
    {AgreementState::missed, "missed"},
    {AgreementState::cancelled, "cancelled"},
}};

constexpr NameTable<Track, 4> kTracks{{
    {Track::perpetrator, "perpetrator"},
    {Track::victim, "victim"},
    {Track::children, "children"},
    {Track::other, "other"},
}};

}  // namespace

std::string_view to_string(AgreementState s) {
  return name_of(kStates, s);
}
std::optional<AgreementState> parse_agreement_state(std::string_view s) {
  return value_of(kStates, s);
}
std::string_view to_string(Track t) {
  return name_of(kTracks, t);
}
std::optional<Track> parse_track(std::string_view s) {
  return value_of(kTracks, s);
}

int agreement_number(std::string_view id) {
  if (id.size() < 2 || id.size() > 5 || id[0] != 'A' || id[1] == '0') return 0;
  int n = 0;
  const auto [end, ec] = std::from_chars(id.data() + 1, id.data() + id.size(), n);
  return ec == std::errc{} && end == id.data() + id.size() ? n : 0;
}

std::string to_record_json(const Agreement& a) {
  json::object o;
  o["id"] = a.id;
  o["who"] = a.who;
  o["category"] = a.category;
  o["text"] = a.text;
  o["track"] = std::string(to_string(a.track));
  o["due"] = common::to_epoch_ms(a.due);
  o["state"] = std::string(to_string(a.state));
  o["created_at"] = common::to_epoch_ms(a.created_at);
  o["created_by"] = a.created_by;
  if (a.changed_at) {
    o["changed_at"] = common::to_epoch_ms(*a.changed_at);
    o["changed_by"] = a.changed_by;
  }
  if (a.requested_at) o["requested_at"] = common::to_epoch_ms(*a.requested_at);
  if (a.started_at) o["started_at"] = common::to_epoch_ms(*a.started_at);
  if (!a.request_key.empty()) o["request_key"] = a.request_key;
  return json::serialize(o);
}

std::optional<Agreement> parse_record_json(std::string_view text) {
  json::error_code ec;
  const auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  Agreement a;
  a.id = string_of(o, "id");
  a.who = string_of(o, "who");
  a.category = string_of(o, "category");
  a.text = string_of(o, "text");
  const auto track = parse_track(string_of(o, "track"));
  const auto state = parse_agreement_state(string_of(o, "state"));
  const auto due = instant_of(o, "due");
  const auto created = instant_of(o, "created_at");
  if (agreement_number(a.id) == 0 || !track || !state || !due || !created) return std::nullopt;
  a.track = *track;
  a.state = *state;
  a.due = *due;
  a.created_at = *created;
  a.created_by = string_of(o, "created_by");
  a.changed_at = instant_of(o, "changed_at");
  a.changed_by = string_of(o, "changed_by");
  a.requested_at = instant_of(o, "requested_at");
  a.started_at = instant_of(o, "started_at");
  a.request_key = string_of(o, "request_key");
  return a;
}

}  // namespace piket::cases
