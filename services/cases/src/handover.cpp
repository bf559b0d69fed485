#include "piket/cases/handover.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "piket/cases/case_events.hpp"
#include "piket/common/utf8_length.hpp"

namespace piket::cases {
namespace {

using common::ApiRefusal;

ApiRefusal refuse(std::string code, std::string message, std::string field) {
  return ApiRefusal{422, std::move(code), std::move(message), std::move(field)};
}

std::optional<ApiRefusal> bounded_text(const boost::json::object& o, std::string_view key,
                                       std::size_t max, std::string& out) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (!v->is_string())
    return refuse("wrong_type", std::string(key) + " must be a string", std::string(key));
  out = std::string(v->as_string());
  if (out.empty() || common::utf8_length(out) > max)
    return refuse("out_of_range",
                  std::string(key) + " must be 1-" + std::to_string(max) + " characters",
                  std::string(key));
  return std::nullopt;
}

std::optional<ApiRefusal> flag(const boost::json::object& o, std::string_view key, bool& out) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (!v->is_bool())
    return refuse("wrong_type", std::string(key) + " must be true or false", std::string(key));
  out = v->as_bool();
  return std::nullopt;
}

}  // namespace

bool is_handover_field(std::string_view key) {
  return std::find(std::begin(kHandoverFields), std::end(kHandoverFields), key) !=
         std::end(kHandoverFields);
}

std::optional<ApiRefusal> parse_handover_fields(const boost::json::object& o, HandoverFacts& h) {
  if (auto r = bounded_text(o, "receiving_organisation", kMaxReceivingOrganisation, h.organisation))
    return r;
  if (auto r = bounded_text(o, "receiving_role", kMaxReceivingRole, h.role)) return r;
  if (auto r = flag(o, "safety_reached", h.safety_reached)) return r;
  if (auto r = flag(o, "help_plan_exists", h.help_plan_exists)) return r;
  if (const auto* v = o.if_contains("checkin_days")) {
    if (!v->is_int64() || v->as_int64() < 1 || v->as_int64() > 366)
      return refuse("wrong_type", "checkin_days must be a whole number of days", "checkin_days");
    h.checkin_days = static_cast<int>(v->as_int64());
  }
  return std::nullopt;
}

std::optional<ApiRefusal> check_handover(const HandoverFacts& h, const std::string& reason,
                                         const Actor& actor, const DeadlinePolicy& p) {
  if (h.organisation.empty())
    return refuse("required", "a handover names the receiving organisation",
                  "receiving_organisation");
  if (h.role.empty())
    return refuse("required", "a handover names the receiving role", "receiving_role");
  if (h.checkin_days &&
      (*h.checkin_days < p.checkin_min_days || *h.checkin_days > p.checkin_max_days))
    return refuse("out_of_range",
                  "checkin_days must be " + std::to_string(p.checkin_min_days) + "-" +
                      std::to_string(p.checkin_max_days) + " days",
                  "checkin_days");
  if (h.safety_reached && h.help_plan_exists) return std::nullopt;
  const std::string missing = h.safety_reached ? "help_plan_exists" : "safety_reached";
  if (actor.role != rota::StaffRole::team_lead)
    return refuse("handover_conditions",
                  "a handover needs direct safety reached and a help plan, both confirmed; "
                  "without them only a team lead may hand over, with a reason",
                  missing);
  if (reason.empty())
    return refuse("reason_required",
                  "a handover without " + missing + " confirmed needs the team lead's reason",
                  "reason");
  return std::nullopt;
}

}  // namespace piket::cases
