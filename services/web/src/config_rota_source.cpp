#include "piket/web/config_rota_source.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "piket/common/crypto.hpp"
#include "piket/dispatch/override_store.hpp"

namespace piket::web {
namespace {

using common::Instant;
using common::Millis;

// Who the rotation itself puts on call at `t`, and the shift's bounds.
struct Shift {
  std::string person;
  Instant start, end;
};
std::optional<Shift> shift_at(const rota::SimpleRotaConfig& r, Instant t) {
  if (r.primary.empty()) return std::nullopt;
  const Millis len = std::chrono::duration_cast<Millis>(r.shift);
  auto k = (t - r.anchor).count() / len.count();
  if (t < r.anchor && (t - r.anchor).count() % len.count() != 0) --k;
  const auto n = static_cast<long long>(r.primary.size());
  const auto index = ((k % n) + n) % n;
  const Instant start = r.anchor + k * len;
  return Shift{r.primary[static_cast<std::size_t>(index)], start, start + len};
}

// Who is on call at `t` after overrides (the last matching override wins).
std::string with_overrides(const std::string& scheduled, const std::vector<RotaOverride>& ovs,
                           Instant t) {
  std::string who = scheduled;
  for (const auto& o : ovs)
    if (o.layer == "primary" && o.start <= t && t < o.end && o.replaces == who) who = o.person;
  return who;
}

}  // namespace

rota::Override to_rota(const RotaOverride& o) {
  rota::Override r;
  r.id = o.id;
  r.region = o.region;
  r.layer = o.layer;
  r.kind = rota::OverrideKind::replace;
  r.person = o.person;
  r.replaces = o.replaces;
  r.window = {o.start, o.end};
  return r;
}

RotaOverride from_rota(const rota::Override& o) {
  RotaOverride r;
  r.id = o.id;
  r.region = o.region;
  r.layer = o.layer;
  r.reason = std::string(rota::to_string(o.kind));
  r.person = o.person;
  r.replaces = o.replaces;
  r.start = o.window.start;
  r.end = o.window.end;
  return r;
}

std::string new_override_id(common::Instant now) {
  char stamp[16];
  std::snprintf(stamp, sizeof stamp, "%013lld", static_cast<long long>(common::to_epoch_ms(now)));
  return "O" + std::string(stamp) + common::random_base32(4);
}

std::vector<RotaOverride> load_overrides(common::RedisPool& redis) {
  auto lease = redis.lease();
  std::vector<RotaOverride> out;
  for (const auto& o : dispatch::OverrideStore(*lease).list()) out.push_back(from_rota(o));
  return out;
}

void store_override(common::RedisPool& redis, const RotaOverride& o) {
  auto lease = redis.lease();
  dispatch::OverrideStore(*lease).add(to_rota(o), o.by, o.created_at);
}

ConfigRotaSource::ConfigRotaSource(const std::vector<rota::SimpleRotaConfig>& rotas,
                                   common::RedisPool& redis)
    : rotas_(rotas), redis_(redis) {}

std::vector<RotaOverride> ConfigRotaSource::overrides_of(const std::string& region) {
  auto all = load_overrides(redis_);
  std::erase_if(all, [&](const RotaOverride& o) { return o.region != region; });
  return all;  // in the order they were set (ids sort by time)
}

RotaPicture ConfigRotaSource::compute(const rota::SimpleRotaConfig* rota,
                                      const std::vector<RotaOverride>& overrides, Instant now,
                                      int gap_days) {
  RotaPicture pic;
  const Instant horizon = now + std::chrono::days{gap_days};
  if (!rota) {
    pic.now.push_back({"primary", {}, std::nullopt});
    pic.now.push_back({"team_lead", {}, std::nullopt});
    pic.gaps.push_back({"primary", now, horizon});
    pic.gaps.push_back({"team_lead", now, horizon});
    return pic;
  }
  // Primary: walk the schedule, splitting shifts at override edges.
  std::vector<Instant> edges;
  for (auto s = shift_at(*rota, now); s && s->start < horizon; s = shift_at(*rota, s->end))
    edges.push_back(std::max(s->start, now));
  for (const auto& o : overrides) {
    if (o.start > now && o.start < horizon) edges.push_back(o.start);
    if (o.end > now && o.end < horizon) edges.push_back(o.end);
  }
  edges.push_back(now);
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  std::vector<std::pair<Instant, std::string>> segments;  // start -> who
  for (const auto e : edges) {
    const auto s = shift_at(*rota, e);
    const auto who = s ? with_overrides(s->person, overrides, e) : std::string();
    if (segments.empty() || segments.back().second != who) segments.emplace_back(e, who);
  }
  const auto current = segments.empty() ? std::string() : segments.front().second;
  std::optional<Instant> until;
  if (segments.size() > 1) until = segments[1].first;
  pic.now.push_back(
      {"primary", current.empty() ? std::vector<std::string>{} : std::vector<std::string>{current},
       until});
  pic.now.push_back({"team_lead",
                     rota->team_lead.empty() ? std::vector<std::string>{}
                                             : std::vector<std::string>{rota->team_lead},
                     std::nullopt});
  for (std::size_t i = 1; i < segments.size() && pic.handoffs.size() < 16; ++i) {
    if (!segments[i - 1].second.empty())
      pic.handoffs.push_back({"primary", segments[i - 1].second, segments[i].first, false});
    if (!segments[i].second.empty())
      pic.handoffs.push_back({"primary", segments[i].second, segments[i].first, true});
  }
  for (std::size_t i = 0; i < segments.size(); ++i)
    if (segments[i].second.empty())
      pic.gaps.push_back({"primary", segments[i].first,
                          i + 1 < segments.size() ? segments[i + 1].first : horizon});
  if (rota->team_lead.empty()) pic.gaps.push_back({"team_lead", now, horizon});
  for (const auto& o : overrides)
    if (o.end > now) pic.overrides.push_back(o);
  std::sort(pic.overrides.begin(), pic.overrides.end(),
            [](const RotaOverride& a, const RotaOverride& b) { return a.start < b.start; });
  return pic;
}

RotaPicture ConfigRotaSource::picture(const std::string& region, Instant now, int gap_days) {
  const rota::SimpleRotaConfig* rota = nullptr;
  for (const auto& r : rotas_)
    if (r.region == region) rota = &r;
  return compute(rota, overrides_of(region), now, gap_days);
}

void ConfigRotaSource::add_override(const RotaOverride& o) {
  store_override(redis_, o);
}

std::vector<std::string> ConfigRotaSource::on_call(const std::string& region,
                                                   const std::string& layer, Instant at) {
  for (const auto& r : rotas_) {
    if (r.region != region) continue;
    if (layer == "team_lead") return {r.team_lead};
    const auto s = shift_at(r, at);
    if (!s) return {};
    return {with_overrides(s->person, overrides_of(region), at)};
  }
  return {};
}

}  // namespace piket::web
