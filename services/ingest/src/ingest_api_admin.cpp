// The simulated clock of a test or demo deployment, moved by an admin token
// (forward only).
#include <boost/json/parse.hpp>

#include "ingest_api_handlers.hpp"
#include "piket/common/time_format.hpp"

namespace piket::ingest::api {

HttpResponse admin_clock(IngestContext& c, const HttpRequest& req, std::string_view) {
  auto auth = authenticate(c, req);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&auth)) return common::to_response(*refusal);
  if (std::get<Principal>(auth).kind != Principal::Kind::admin)
    return common::error_response(403, "admin_only", "only an admin token may set the clock");
  if (!common::is_json_media_type(req.header("content-type")))
    return common::error_response(415, "unsupported_media_type",
                                  "Content-Type must be application/json");
  boost::system::error_code ec;
  auto v = boost::json::parse(req.body, ec);
  if (ec) return common::error_response(400, "invalid_json", "the body is not JSON");
  if (!v.is_object())
    return common::error_response(400, "not_an_object", "the body must be a JSON object");
  const auto& o = v.as_object();
  const auto* adv = o.if_contains("advance_seconds");
  const auto* set = o.if_contains("set");
  if ((adv == nullptr) == (set == nullptr))
    return common::error_response(422, "one_of_required",
                                  "give exactly one of advance_seconds or set");
  std::optional<common::Millis> advance;
  std::optional<common::Instant> target;
  if (adv) {
    constexpr std::int64_t max_advance = 10LL * 366 * 24 * 3600;
    if (!adv->is_int64() && !adv->is_uint64())
      return common::error_response(422, "wrong_type", "advance_seconds must be an integer",
                                    "advance_seconds");
    const auto n =
        adv->is_int64()
            ? adv->as_int64()
            : static_cast<std::int64_t>(std::min<std::uint64_t>(adv->as_uint64(), max_advance + 1));
    if (n < 0 || n > max_advance)
      return common::error_response(422, "out_of_range",
                                    "advance_seconds must be between 0 and ten years",
                                    "advance_seconds");
    advance = std::chrono::duration_cast<common::Millis>(std::chrono::seconds{n});
  } else {
    if (!set->is_string())
      return common::error_response(422, "wrong_type", "set must be an RFC 3339 string", "set");
    target = common::parse_rfc3339(std::string_view(set->as_string()));
    if (!target)
      return common::error_response(422, "invalid_timestamp", "set must be RFC 3339 with offset",
                                    "set");
  }
  auto now = c.d.set_clock(advance, target);
  if (!now)
    return common::error_response(422, "clock_backwards", "the clock never goes backwards", "set");
  HttpResponse r;
  r.body = R"({"now":")" + common::format_rfc3339(*now) + "\"}";
  return r;
}

}  // namespace piket::ingest::api
