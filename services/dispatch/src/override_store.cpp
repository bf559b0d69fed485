#include "piket/dispatch/override_store.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "piket/common/time_format.hpp"
#include "piket/store/rota_overrides.hpp"

namespace piket::dispatch {
namespace {

std::optional<rota::OverrideKind> parse_kind(std::string_view s) {
  if (s == "replace") return rota::OverrideKind::replace;
  if (s == "add") return rota::OverrideKind::add;
  if (s == "remove") return rota::OverrideKind::remove;
  return std::nullopt;
}

common::ApiRefusal bad(std::string code, std::string message, std::string field) {
  return {422, std::move(code), std::move(message), std::move(field)};
}

}  // namespace

std::variant<rota::Override, common::ApiRefusal> parse_override_request(
    std::string_view body, const rota::Rota& rota, const rota::Directory& config,
    common::Instant now) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) return common::ApiRefusal{400, "invalid_json", "the body is not JSON", ""};
  if (!v.is_object())
    return common::ApiRefusal{400, "not_an_object", "the body must be an object", ""};
  const auto& o = v.as_object();
  auto str = [&o](const char* key) -> std::optional<std::string> {
    const auto* f = o.if_contains(key);
    if (!f || !f->is_string() || f->as_string().size() > 200) return std::nullopt;
    return std::string(f->as_string());
  };
  rota::Override out;
  auto region = str("region");
  if (!region) return bad("missing_field", "region is required", "region");
  if (!config.region(*region)) return bad("unknown_region", "no such region", "region");
  out.region = *region;
  auto layer = str("layer");
  if (!layer) return bad("missing_field", "layer is required", "layer");
  if (!rota.has_layer(*layer, *region))
    return bad("unknown_layer", "the region has no such layer", "layer");
  out.layer = *layer;
  auto kind = str("kind");
  if (!kind || !parse_kind(*kind))
    return bad("invalid_kind", "kind must be replace, add or remove", "kind");
  out.kind = *parse_kind(*kind);
  auto in_region = [&](const std::string& id) {
    const auto* p = config.person(id);
    return p && std::find(p->regions.begin(), p->regions.end(), *region) != p->regions.end();
  };
  auto person = str("person");
  if (!person || !in_region(*person))
    return bad("unknown_person", "person must be a person of the region", "person");
  out.person = *person;
  if (out.kind == rota::OverrideKind::replace) {
    auto replaces = str("replaces");
    if (!replaces || !in_region(*replaces))
      return bad("unknown_person", "replaces must be a person of the region", "replaces");
    if (*replaces == *person)
      return bad("same_person", "a person cannot replace themselves", "replaces");
    out.replaces = *replaces;
  }
  common::Instant start{}, end{};
  if (auto text = str("starts_at"); auto t = text ? common::parse_rfc3339(*text) : std::nullopt)
    start = *t;
  else
    return bad("invalid_timestamp", "starts_at must be RFC 3339 with offset", "starts_at");
  if (auto text = str("ends_at"); auto t = text ? common::parse_rfc3339(*text) : std::nullopt)
    end = *t;
  else
    return bad("invalid_timestamp", "ends_at must be RFC 3339 with offset", "ends_at");
  out.window = {start, end};
  using P = rota::OverrideWindowProblem;
  if (const auto problem = rota::check_override_window(out.window, now)) switch (*problem) {
      case P::empty:
        return bad("window_empty", "ends_at must be after starts_at", "ends_at");
      case P::too_long:
        return bad("window_too_long", "an override lasts at most 90 days", "ends_at");
      case P::in_past:
        return bad("window_in_past", "the override would already be over", "ends_at");
    }
  return out;
}

std::string override_to_json(const rota::Override& o, std::string_view by, common::Instant at) {
  boost::json::object j;
  j["id"] = o.id;
  j["region"] = o.region;
  j["layer"] = o.layer;
  j["kind"] = std::string(rota::to_string(o.kind));
  j["person"] = o.person;
  j["replaces"] = o.replaces;
  j["start"] = common::to_epoch_ms(o.window.start);
  j["end"] = common::to_epoch_ms(o.window.end);
  j["by"] = std::string(by);
  j["at"] = common::to_epoch_ms(at);
  return boost::json::serialize(j);
}

std::optional<rota::Override> override_from_json(std::string_view json) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  try {
    rota::Override out;
    out.id = std::string(o.at("id").as_string());
    out.region = std::string(o.at("region").as_string());
    out.layer = std::string(o.at("layer").as_string());
    auto kind = parse_kind(std::string_view(o.at("kind").as_string()));
    if (!kind) return std::nullopt;
    out.kind = *kind;
    out.person = std::string(o.at("person").as_string());
    out.replaces = std::string(o.at("replaces").as_string());
    out.window = {common::from_epoch_ms(o.at("start").to_number<std::int64_t>()),
                  common::from_epoch_ms(o.at("end").to_number<std::int64_t>())};
    return out;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool OverrideStore::add(const rota::Override& o, std::string_view by, common::Instant at) {
  const auto set = redis_.command(
      {"HSETNX", std::string(store::kRotaOverrides), o.id, override_to_json(o, by, at)});
  if (set.integer != 1) return false;
  redis_.command({"INCR", std::string(store::kRotaOverridesVersion)});
  return true;
}

bool OverrideStore::remove(const std::string& id) {
  auto r = redis_.pipeline({{"HDEL", std::string(store::kRotaOverrides), id},
                            {"INCR", std::string(store::kRotaOverridesVersion)}});
  return r.at(0).integer == 1;
}

std::vector<rota::Override> OverrideStore::list() {
  auto all = redis_.command({"HGETALL", store::kRotaOverrides});
  std::vector<rota::Override> out;
  for (std::size_t i = 0; i + 1 < all.elements.size(); i += 2)
    if (auto o = override_from_json(all.elements[i + 1].str)) out.push_back(std::move(*o));
  // Application order: when they were set (ids are time-ordered), for a stable rota.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

long long OverrideStore::version() {
  auto v = redis_.command({"GET", store::kRotaOverridesVersion});
  return v.is_nil() ? 0 : std::stoll(v.str);
}

}  // namespace piket::dispatch
