#include "piket/cases/track_record.hpp"

#include <boost/json.hpp>

#include "piket/cases/name_table.hpp"
#include "piket/cases/record_fields.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;

constexpr NameTable<TrackReason, 3> kReasons{{
    {TrackReason::no_children, "no_children"},
    {TrackReason::refuses, "refuses"},
    {TrackReason::unreachable, "unreachable"},
}};

void put(json::object& o, std::string_view key, const std::optional<common::Instant>& at,
         const std::string& by) {
  if (!at) return;
  o[std::string(key) + "_at"] = common::to_epoch_ms(*at);
  o[std::string(key) + "_by"] = by;
}

}  // namespace

std::string_view to_string(TrackReason r) {
  return name_of(kReasons, r);
}
std::optional<TrackReason> parse_track_reason(std::string_view s) {
  return value_of(kReasons, s);
}

std::string to_record_json(const TrackRecord& r) {
  json::object o;
  o["track"] = std::string(to_string(r.track));
  put(o, "first_contact", r.first_contact_at, r.first_contact_by);
  put(o, "intake", r.intake_at, r.intake_by);
  if (r.not_applicable) {
    o["not_applicable"] = std::string(to_string(*r.not_applicable));
    put(o, "not_applicable", r.not_applicable_at, r.not_applicable_by);
  }
  return json::serialize(o);
}

std::optional<TrackRecord> parse_track_record_json(std::string_view text) {
  json::error_code ec;
  const auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto track = parse_track(string_of(o, "track"));
  if (!track) return std::nullopt;
  TrackRecord r;
  r.track = *track;
  r.first_contact_at = instant_of(o, "first_contact_at");
  r.first_contact_by = string_of(o, "first_contact_by");
  r.intake_at = instant_of(o, "intake_at");
  r.intake_by = string_of(o, "intake_by");
  const auto reason = string_of(o, "not_applicable");
  if (!reason.empty()) {
    r.not_applicable = parse_track_reason(reason);
    if (!r.not_applicable) return std::nullopt;
    r.not_applicable_at = instant_of(o, "not_applicable_at");
    r.not_applicable_by = string_of(o, "not_applicable_by");
    if (!r.not_applicable_at) return std::nullopt;
  }
  return r;
}

}  // namespace piket::cases
