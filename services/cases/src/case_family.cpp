#include "piket/cases/case_family.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "piket/common/records.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/case_scripts.hpp"
#include "piket/store/lua.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
constexpr std::size_t kMaxReason = 500;
constexpr int kAttempts = 8;

common::ApiRefusal refuse(int status, std::string code, std::string message,
                          std::string field = {}) {
  return common::ApiRefusal{status, std::move(code), std::move(message), std::move(field)};
}

const common::RedisScript& join_script() {
  static const common::RedisScript s{std::string(lua::cases_join())};
  return s;
}

const common::RedisScript& split_script() {
  static const common::RedisScript s{std::string(lua::cases_split())};
  return s;
}

std::optional<common::ApiRefusal> team_lead_of(const CaseState& survivor, const Actor& actor) {
  // The reassignment rule of piket_access (need_to_know.hpp): a team lead of
  // the case's region.
  if (actor.role != rota::StaffRole::team_lead)
    return refuse(403, "team_lead_only", "only a team lead of the case's region joins or splits");
  if (std::find(actor.regions.begin(), actor.regions.end(), survivor.region) == actor.regions.end())
    return refuse(403, "not_your_region", "this case belongs to a region you do not lead");
  return std::nullopt;
}

std::optional<common::ApiRefusal> survivor_open(const CaseState& s) {
  if (!s.merged_into.empty())
    return refuse(409, "case_merged", "this case was joined into " + s.merged_into);
  if (s.phase == Phase::closed) return refuse(409, "case_closed", "this case is closed");
  return std::nullopt;
}

}  // namespace

std::variant<FamilyRequest, common::ApiRefusal> parse_family_request(std::string_view body) {
  json::error_code ec;
  const auto v = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) return refuse(400, "invalid_json", "the body is not JSON");
  if (!v.is_object()) return refuse(400, "not_an_object", "the body must be a JSON object");
  FamilyRequest r;
  for (const auto& [k, value] : v.as_object()) {
    if (k == "other_case_id") {
      if (!value.is_string() || !common::is_case_id(std::string_view(value.as_string())))
        return refuse(422, "unknown_case", "other_case_id must be a case id such as C1234ABCD",
                      "other_case_id");
      r.other_case_id = std::string(value.as_string());
    } else if (k == "reason") {
      if (!value.is_string()) return refuse(422, "wrong_type", "reason must be a string", "reason");
      r.reason = std::string(value.as_string());
      if (r.reason.empty() || r.reason.size() > kMaxReason)
        return refuse(422, "out_of_range", "reason must be 1-500 characters", "reason");
    } else {
      return refuse(422, "unknown_field", "this field is not part of a join or split",
                    std::string(k).substr(0, 64));
    }
  }
  if (r.other_case_id.empty())
    return refuse(422, "required", "other_case_id names the other case", "other_case_id");
  if (r.reason.empty()) return refuse(422, "required", "give a reason", "reason");
  return r;
}

std::optional<common::ApiRefusal> check_join(const CaseState& s, const CaseState& o,
                                             const Actor& actor) {
  if (auto r = team_lead_of(s, actor)) return r;
  if (s.id == o.id)
    return refuse(422, "same_case", "a case cannot be joined with itself", "other_case_id");
  if (s.region != o.region)
    return refuse(422, "different_regions", "only cases of one region can be joined",
                  "other_case_id");
  if (auto r = survivor_open(s)) return r;
  if (!o.merged_into.empty())
    return refuse(409, "case_merged", "the other case was joined into " + o.merged_into,
                  "other_case_id");
  if (o.phase == Phase::closed)
    return refuse(409, "case_closed", "the other case is closed", "other_case_id");
  return std::nullopt;
}

std::optional<common::ApiRefusal> check_split(const CaseState& s, const CaseState& o,
                                              const Actor& actor) {
  if (auto r = team_lead_of(s, actor)) return r;
  if (s.region != o.region)
    return refuse(422, "different_regions", "the other case belongs to another region",
                  "other_case_id");
  if (o.merged_into != s.id)
    return refuse(409, "not_joined", "the other case is not joined into this one", "other_case_id");
  if (auto r = survivor_open(s)) return r;
  return std::nullopt;
}

struct CaseFamilies::Impl {
  Impl(RedisCaseStore& s, common::RedisConfig r) : store(s), pool(std::move(r)) {}
  RedisCaseStore& store;
  common::RedisPool pool;
};

CaseFamilies::CaseFamilies(RedisCaseStore& store, common::RedisConfig redis)
    : impl_(std::make_unique<Impl>(store, std::move(redis))) {}
CaseFamilies::~CaseFamilies() = default;

std::variant<FamilyResult, common::ApiRefusal> CaseFamilies::join(const std::string& survivor,
                                                                  const FamilyRequest& request,
                                                                  const Actor& actor,
                                                                  common::Instant now) {
  return run(true, survivor, request, actor, now);
}

std::variant<FamilyResult, common::ApiRefusal> CaseFamilies::split(const std::string& survivor,
                                                                   const FamilyRequest& request,
                                                                   const Actor& actor,
                                                                   common::Instant now) {
  return run(false, survivor, request, actor, now);
}

std::variant<FamilyResult, common::ApiRefusal> CaseFamilies::run(bool join,
                                                                 const std::string& survivor,
                                                                 const FamilyRequest& request,
                                                                 const Actor& actor,
                                                                 common::Instant now) {
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const auto s = common::is_case_id(survivor) ? impl_->store.load(survivor) : std::nullopt;
    if (!s) return refuse(404, "not_found", "no such case");
    if (auto r = team_lead_of(*s, actor)) return *r;
    const auto o = impl_->store.load(request.other_case_id);
    if (!o) return refuse(422, "unknown_case", "there is no such other case", "other_case_id");
    if (auto r = join ? check_join(*s, *o, actor) : check_split(*s, *o, actor)) return *r;
    const store::CaseFamilyArgs args{.survivor = s->id,
                                     .other = o->id,
                                     .now_ms = common::to_epoch_ms(now),
                                     .by = store::by_person(actor.person),
                                     .reason = request.reason,
                                     .survivor_version = s->version,
                                     .other_version = o->version};
    const auto reply = store::parse_case_family(
        impl_->pool.lease()->eval(join ? join_script() : split_script(), {}, args.args()));
    if (reply.outcome.empty() || reply.outcome == "stale") continue;
    FamilyResult out;
    out.survivor = s->id;
    out.other = o->id;
    out.household_keys = reply.household_keys;
    out.incidents = reply.incidents;
    return out;
  }
  return refuse(503, "busy", "the cases kept changing; try again");
}

}  // namespace piket::cases
