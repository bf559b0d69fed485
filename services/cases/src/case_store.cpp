#include "piket/cases/case_store.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "piket/common/redis.hpp"
#include "piket/common/redis_health.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/case_scripts.hpp"
#include "piket/store/lua.hpp"

namespace piket::cases {
namespace {

using common::Instant;

const common::RedisScript& load_script() {
  static const common::RedisScript s{std::string(lua::cases_load())};
  return s;
}
const common::RedisScript& due_with_cases_script() {
  static const common::RedisScript s{std::string(lua::cases_due_with_cases())};
  return s;
}
const common::RedisScript& sync_script() {
  static const common::RedisScript s{std::string(lua::cases_sync())};
  return s;
}
const common::RedisScript& fire_script() {
  static const common::RedisScript s{std::string(lua::cases_fire())};
  return s;
}
const common::RedisScript& record_script() {
  static const common::RedisScript s{std::string(lua::cases_record())};
  return s;
}
const common::RedisScript& absence_script() {
  static const common::RedisScript s{std::string(lua::cases_absence())};
  return s;
}
const common::RedisScript& agreement_script() {
  static const common::RedisScript s{std::string(lua::cases_agreement())};
  return s;
}
const common::RedisScript& track_script() {
  static const common::RedisScript s{std::string(lua::cases_track())};
  return s;
}
const common::RedisScript& monitoring_refresh_all_script() {
  static const common::RedisScript s{std::string(lua::cases_monitoring_refresh_all())};
  return s;
}

std::string ms(Instant t) {
  return std::to_string(common::to_epoch_ms(t));
}

std::optional<Instant> opt_ms(const std::string& s) {
  if (s.empty()) return std::nullopt;
  try {
    return common::from_epoch_ms(std::stoll(s));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

long minutes_of(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stol(s);
  } catch (const std::exception&) {
    return 0;
  }
}

// "C1 C2 …" → {"C1", "C2", …}
std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < s.size()) {
    const auto end = s.find(' ', at);
    const auto w = s.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (!w.empty()) out.push_back(w);
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return out;
}

std::vector<store::CaseTimerArg> timer_args(const std::vector<Step>& timers) {
  std::vector<store::CaseTimerArg> out;
  out.reserve(timers.size());
  for (const auto& t : timers) out.push_back({t.key, common::to_epoch_ms(t.due)});
  return out;
}

WriteOutcome outcome_of(const std::string& s) {
  if (s == "done") return WriteOutcome::done;
  if (s == "duplicate") return WriteOutcome::duplicate;
  if (s == "stale") return WriteOutcome::stale;
  if (s == "collision") return WriteOutcome::collision;
  if (s == "closed") return WriteOutcome::closed;
  // cases_agreement.lua: a case full of agreements; an id taken or not the case's.
  if (s == "full") return WriteOutcome::full;
  if (s == "exists" || s == "unknown") return WriteOutcome::collision;
  return WriteOutcome::missing;
}

std::vector<std::string> fire_args(const FireRequest& f) {
  store::CaseFireArgs a;
  a.case_id = f.case_id;
  a.version = f.version;
  a.key = f.key;
  a.popped = f.popped;
  if (f.page) {
    const auto& p = *f.page;
    a.page = store::CasePageArgs{.page_id = p.page_id,
                                 .person = p.person,
                                 .phone = p.phone,
                                 .text = p.text,
                                 .ack_code = p.ack_code,
                                 .incident = p.incident,
                                 .rule = p.rule,
                                 .code_ttl_ms = p.code_ttl.count(),
                                 .brief = p.brief,
                                 .rank = p.rank};
  }
  a.now_ms = common::to_epoch_ms(f.now);
  a.outbox_due_ms = common::to_epoch_ms(f.outbox_due);
  a.timeline_json = f.timeline_json;
  a.escalate_incident = f.escalate_incident;
  if (f.watch) a.watch = store::CaseReminderWatch{f.page ? f.page->page_id : "", f.watch_person};
  a.forget_reminders = f.forget_reminders;
  a.timers = timer_args(f.timers);
  return a.args();
}

std::vector<std::string> sync_args(const SyncRequest& s) {
  return store::CaseSyncArgs{.case_id = s.case_id,
                             .version = s.version,
                             .popped = s.popped,
                             .timers = timer_args(s.timers)}
      .args();
}

std::vector<std::string> record_args(const std::string& case_id, long long version,
                                     const Change& change, const std::vector<Step>& timers) {
  using Op = store::CaseRecordArgs::Op;
  store::CaseRecordArgs a;
  a.case_id = case_id;
  a.version = version;
  a.timeline_json = change.timeline_json;
  a.op = change.op == Change::Op::reassign ? Op::reassign
         : change.op == Change::Op::close  ? Op::close
                                           : Op::none;
  a.new_casemanager = change.new_casemanager;
  a.fields = change.fields;
  for (const auto& f : change.incident_fields)
    a.incident_fields.push_back({f.incident, f.field, f.value});
  a.timers = timer_args(timers);
  return a.args();
}

std::vector<std::string> agreement_args(const std::string& case_id, long long version,
                                        const AgreementWrite& write, std::size_t max_agreements,
                                        const std::vector<Step>& timers) {
  return store::CaseAgreementArgs{.case_id = case_id,
                                  .version = version,
                                  .agreement_id = write.agreement.id,
                                  .fresh = write.fresh,
                                  .record_json = to_record_json(write.agreement),
                                  .timeline_json = write.timeline_json,
                                  .max_agreements = max_agreements,
                                  .fields = write.fields,
                                  .timers = timer_args(timers)}
      .args();
}

std::vector<std::string> track_args(const std::string& case_id, long long version,
                                    const TrackWrite& write, const std::vector<Step>& timers) {
  return store::CaseTrackArgs{.case_id = case_id,
                              .version = version,
                              .track = std::string(to_string(write.record.track)),
                              .record_json = to_record_json(write.record),
                              .timeline_json = write.timeline_json,
                              .fields = write.fields,
                              .timers = timer_args(timers)}
      .args();
}

FireResult fire_result(const common::RedisReply& r) {
  auto w = store::parse_case_write(r);
  return FireResult{outcome_of(w.outcome), std::move(w.payload)};
}

// Runs a script that writes a case and maps its reply. Durable answers
// ([redis] min_replicas, docs/availability.md): a write is confirmed only once
// replicas have it; `what` names it in the error.
WriteOutcome replicated_write(common::RedisConnection& redis, const common::RedisScript& script,
                              const std::vector<std::string>& args, const std::string& what) {
  const auto outcome = outcome_of(redis.eval(script, {}, args).str);
  if (outcome == WriteOutcome::done && !redis.wait_replicated())
    throw common::RedisNotReplicatedError(what + " is recorded but not yet on enough replicas");
  return outcome;
}

std::optional<CaseState> case_state(const std::string& case_id,
                                    const std::optional<store::LoadedCase>& loaded) {
  if (!loaded) return std::nullopt;
  const auto& c = *loaded;
  CaseState s;
  s.id = case_id;
  s.version = c.version;
  auto get = [&c](const char* k) { return c.field(k); };
  s.region = get("region");
  s.opened_at = opt_ms(get("opened_at")).value_or(Instant{});
  s.phase = parse_phase(get("phase")).value_or(Phase::registered);
  // A case joined into another (case_family.hpp) runs no clocks of its own.
  if (get("state") == "closed" || get("state") == "merged") s.phase = Phase::closed;
  s.phase_at = opt_ms(get("phase_at")).value_or(s.opened_at);
  s.casemanager = get("casemanager");
  s.first_contact_at = opt_ms(get("first_contact_at"));
  s.intake_at = opt_ms(get("intake_at"));
  s.plan_at = opt_ms(get("plan_at"));
  s.help_at = opt_ms(get("help_at"));
  s.handover_at = opt_ms(get("handover_at"));
  s.monitoring_at = opt_ms(get("monitoring_at"));
  s.evaluation_at = opt_ms(get("evaluation_at"));
  s.closed_at = opt_ms(get("closed_at"));
  s.last_activity_at = opt_ms(get("last_activity_at")).value_or(s.opened_at);
  if (auto first = opt_ms(get("ban_first_start")), end = opt_ms(get("ban_end")); first && end)
    s.ban = BanFacts{*first, *end, get("ban_state") != "lifted",
                     std::chrono::minutes{minutes_of(get("ban_first_offset"))},
                     std::chrono::minutes{minutes_of(get("ban_end_offset"))}};
  s.merged_into = get("merged_into");
  s.joined_cases = words(get("joined_cases"));
  s.previous_cases = words(get("previous_cases"));
  if (const auto days = minutes_of(get("checkin_days")); days > 0)
    s.checkin_days = static_cast<int>(days);
  for (const auto& inc : c.incidents) {
    IncidentFacts f;
    f.id = inc.id;
    const auto kind = common::parse_incident_kind(inc.kind);
    if (!kind) continue;
    f.kind = *kind;
    f.accepted_at = opt_ms(inc.accepted_at).value_or(s.opened_at);
    f.status = inc.status;
    f.ban_ends_at = opt_ms(inc.ban_ends_at);
    f.ban_starts_at = opt_ms(inc.ban_starts_at);
    f.contact_at = opt_ms(inc.contact_at);
    f.plan_at = opt_ms(inc.plan_at);
    s.incidents.push_back(std::move(f));
  }
  s.fired.insert(c.fired.begin(), c.fired.end());
  if (c.absence) {
    if (auto since = opt_ms(c.absence->since))
      s.absence = Absence{c.absence->person, *since, opt_ms(c.absence->until)};
  }
  for (const auto& r : c.reminders)
    s.reminders[r.key] = ReminderPage{r.page, r.person, r.acknowledged};
  for (const auto& [id, record] : c.agreements)
    if (auto a = parse_record_json(record); a && a->id == id) s.agreements.push_back(std::move(*a));
  std::sort(s.agreements.begin(), s.agreements.end(), [](const Agreement& a, const Agreement& b) {
    return agreement_number(a.id) < agreement_number(b.id);
  });
  // Tracks (track.hpp): the incidents' roles, and what was recorded per track.
  for (const auto& role : c.roles) {
    const auto r = common::parse_person_role(role);
    if (!r) continue;
    s.role_tracks.insert(*r == common::PersonRole::perpetrator ? Track::perpetrator
                         : *r == common::PersonRole::victim    ? Track::victim
                         : *r == common::PersonRole::child     ? Track::children
                                                               : Track::other);
  }
  for (const auto& [track, record] : c.tracks)
    if (auto t = parse_track_record_json(record); t && to_string(t->track) == track)
      s.tracks.push_back(std::move(*t));
  return s;
}

std::optional<CaseState> parse_case(const std::string& case_id, const common::RedisReply& r) {
  return case_state(case_id, store::parse_loaded_case(r));
}

}  // namespace

std::string_view to_string(WriteOutcome o) {
  switch (o) {
    case WriteOutcome::done:
      return "done";
    case WriteOutcome::duplicate:
      return "duplicate";
    case WriteOutcome::stale:
      return "stale";
    case WriteOutcome::collision:
      return "collision";
    case WriteOutcome::closed:
      return "closed";
    case WriteOutcome::missing:
      return "missing";
    case WriteOutcome::full:
      return "full";
  }
  return "unknown";
}

using ScriptCall = std::pair<const common::RedisScript*, std::vector<std::string>>;

struct RedisCaseStore::Impl {
  explicit Impl(common::RedisConfig r) : pool(std::move(r)) {}

  std::string sha_of(common::RedisConnection& c, const common::RedisScript& s) {
    std::lock_guard lock(mutex);
    auto it = shas.find(&s);
    if (it != shas.end()) return it->second;
    auto sha = c.command({"SCRIPT", "LOAD", s.source()}).str;
    shas.emplace(&s, sha);
    return sha;
  }

  // Pipelines EVALSHA of known scripts (and then `extra` commands). After a
  // Redis restart its script cache is empty: every EVALSHA of the batch
  // fails with NOSCRIPT (none ran), so the scripts are loaded again and the
  // batch is sent once more.
  std::vector<common::RedisReply> evalsha_many(
      const std::vector<ScriptCall>& calls,
      const std::vector<std::vector<std::string>>& extra = {}) {
    auto lease = pool.lease();
    for (int attempt = 0;; ++attempt) {
      std::vector<std::vector<std::string>> commands;
      commands.reserve(calls.size() + extra.size());
      for (const auto& [script, args] : calls) {
        std::vector<std::string> c{"EVALSHA", sha_of(*lease, *script), "0"};
        c.insert(c.end(), args.begin(), args.end());
        commands.push_back(std::move(c));
      }
      commands.insert(commands.end(), extra.begin(), extra.end());
      try {
        return lease->pipeline(commands);
      } catch (const common::RedisReplyError& e) {
        if (attempt > 0 || std::string_view(e.what()).find("NOSCRIPT") == std::string_view::npos)
          throw;
        std::lock_guard lock(mutex);
        shas.clear();
      }
    }
  }

  common::RedisPool pool;
  std::mutex mutex;
  std::map<const common::RedisScript*, std::string> shas;
};

RedisCaseStore::RedisCaseStore(common::RedisConfig redis)
    : impl_(std::make_unique<Impl>(std::move(redis))) {}
RedisCaseStore::~RedisCaseStore() = default;

long long RedisCaseStore::refresh_monitoring_set() {
  return impl_->pool.lease()->eval(monitoring_refresh_all_script(), {}, {}).integer;
}

std::optional<CaseState> RedisCaseStore::load(const std::string& case_id) {
  return parse_case(
      case_id, impl_->pool.lease()->eval(load_script(), {}, store::CaseLoadArgs{case_id}.args()));
}

std::optional<TimerEntry> RedisCaseStore::earliest_due(Instant now) {
  auto t = due_timers(now, 1);
  if (t.empty()) return std::nullopt;
  return t.front();
}

std::vector<TimerEntry> RedisCaseStore::due_timers(Instant now, std::size_t limit) {
  auto r =
      impl_->pool.lease()->command({"ZRANGEBYSCORE", std::string(store::kDeadlinesDue), "-inf",
                                    ms(now), "WITHSCORES", "LIMIT", "0", std::to_string(limit)});
  std::vector<TimerEntry> out;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
    out.push_back({r.elements[i].str, common::from_epoch_ms(std::stoll(r.elements[i + 1].str))});
  return out;
}

FireResult RedisCaseStore::fire(const FireRequest& f) {
  return fire_result(impl_->pool.lease()->eval(fire_script(), {}, fire_args(f)));
}

WriteOutcome RedisCaseStore::sync(const std::string& case_id, long long version,
                                  const std::string& popped, const std::vector<Step>& timers) {
  return outcome_of(impl_->pool.lease()
                        ->eval(sync_script(), {}, sync_args({case_id, version, popped, timers}))
                        .str);
}

std::vector<std::optional<CaseState>> RedisCaseStore::load_many(
    const std::vector<std::string>& ids) {
  std::vector<ScriptCall> calls;
  calls.reserve(ids.size());
  for (const auto& id : ids) calls.push_back({&load_script(), store::CaseLoadArgs{id}.args()});
  const auto replies = impl_->evalsha_many(calls);
  std::vector<std::optional<CaseState>> out;
  out.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) out.push_back(parse_case(ids[i], replies.at(i)));
  return out;
}

DueBatch RedisCaseStore::due_with_cases(Instant now, std::size_t limit) {
  const auto r = impl_
                     ->evalsha_many({{&due_with_cases_script(),
                                      store::CaseDueArgs{common::to_epoch_ms(now), limit}.args()}})
                     .at(0);
  const auto batch = store::parse_due_with_cases(r);
  DueBatch out;
  out.due = batch.due;
  for (const auto& d : batch.timers) {
    TimerEntry t{d.member, common::from_epoch_ms(std::stoll(d.due_ms))};
    out.cases.push_back(case_state(std::string(case_of_timer(t.member)), d.state));
    out.timers.push_back(std::move(t));
  }
  return out;
}

std::vector<FireResult> RedisCaseStore::write_many(
    const std::vector<std::variant<FireRequest, SyncRequest>>& ops,
    std::optional<common::Instant>* next_due) {
  std::vector<ScriptCall> calls;
  calls.reserve(ops.size());
  for (const auto& op : ops) {
    if (const auto* f = std::get_if<FireRequest>(&op))
      calls.push_back({&fire_script(), fire_args(*f)});
    else
      calls.push_back({&sync_script(), sync_args(std::get<SyncRequest>(op))});
  }
  std::vector<std::vector<std::string>> extra;
  if (next_due)
    extra.push_back({"ZRANGE", std::string(store::kDeadlinesDue), "0", "0", "WITHSCORES"});
  const auto replies = impl_->evalsha_many(calls, extra);
  std::vector<FireResult> out;
  out.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) out.push_back(fire_result(replies.at(i)));
  if (next_due) {
    const auto& z = replies.back();
    *next_due = z.elements.size() >= 2
                    ? std::optional(common::from_epoch_ms(std::stoll(z.elements[1].str)))
                    : std::nullopt;
  }
  return out;
}

std::optional<Instant> RedisCaseStore::next_due() {
  auto r = impl_->pool.lease()->command(
      {"ZRANGE", std::string(store::kDeadlinesDue), "0", "0", "WITHSCORES"});
  if (r.elements.size() < 2) return std::nullopt;
  return common::from_epoch_ms(std::stoll(r.elements[1].str));
}

WriteOutcome RedisCaseStore::record(const std::string& case_id, long long version,
                                    const Change& change, const std::vector<Step>& timers) {
  auto lease = impl_->pool.lease();
  return replicated_write(*lease, record_script(), record_args(case_id, version, change, timers),
                          "the event on case " + case_id);
}

WriteOutcome RedisCaseStore::write_agreement(const std::string& case_id, long long version,
                                             const AgreementWrite& write,
                                             std::size_t max_agreements,
                                             const std::vector<Step>& timers) {
  auto lease = impl_->pool.lease();
  return replicated_write(*lease, agreement_script(),
                          agreement_args(case_id, version, write, max_agreements, timers),
                          "the agreement on case " + case_id);
}

WriteOutcome RedisCaseStore::write_track(const std::string& case_id, long long version,
                                         const TrackWrite& write, const std::vector<Step>& timers) {
  auto lease = impl_->pool.lease();
  return replicated_write(*lease, track_script(), track_args(case_id, version, write, timers),
                          "the track on case " + case_id);
}

std::vector<WriteOutcome> RedisCaseStore::record_many(const std::vector<RecordRequest>& requests) {
  std::vector<ScriptCall> calls;
  calls.reserve(requests.size());
  for (const auto& r : requests) {
    if (r.track)
      calls.push_back({&track_script(), track_args(r.case_id, r.version, *r.track, r.timers)});
    else if (r.agreement)
      calls.push_back({&agreement_script(), agreement_args(r.case_id, r.version, *r.agreement,
                                                           kMaxAgreements, r.timers)});
    else
      calls.push_back({&record_script(), record_args(r.case_id, r.version, *r.change, r.timers)});
  }
  std::vector<WriteOutcome> out;
  for (const auto& reply : impl_->evalsha_many(calls)) out.push_back(outcome_of(reply.str));
  return out;
}

long long RedisCaseStore::set_absence(const std::string& person, bool absent, Instant since,
                                      std::optional<Instant> until, const std::string& by,
                                      Instant now) {
  const store::CaseAbsenceArgs a{
      .person = person,
      .absent = absent,
      .since_ms = common::to_epoch_ms(since),
      .until_ms = until ? std::optional(common::to_epoch_ms(*until)) : std::nullopt,
      .by = by,
      .now_ms = common::to_epoch_ms(now)};
  return impl_->pool.lease()->eval(absence_script(), {}, a.args()).integer;
}

std::optional<Absence> RedisCaseStore::absence(const std::string& person) {
  auto r =
      impl_->pool.lease()->command({"HMGET", store::person_absence_key(person), "since", "until"});
  if (r.elements.size() != 2 || r.elements[0].is_nil()) return std::nullopt;
  auto since = opt_ms(r.elements[0].str);
  if (!since) return std::nullopt;
  return Absence{person, *since, opt_ms(r.elements[1].str)};
}

std::vector<std::string> RedisCaseStore::timeline(const std::string& case_id) {
  auto r = impl_->pool.lease()->command({"LRANGE", store::case_timeline_key(case_id), "0", "-1"});
  std::vector<std::string> out;
  out.reserve(r.elements.size());
  for (auto& e : r.elements) out.push_back(std::move(e.str));
  return out;
}

long long RedisCaseStore::timer_count() {
  return impl_->pool.lease()->command({"ZCARD", std::string(store::kDeadlinesDue)}).integer;
}

bool RedisCaseStore::healthy() {
  return !health_problem().has_value();
}

std::optional<std::string> RedisCaseStore::health_problem() {
  // Reachable and accepting writes (not at maxmemory).
  return common::redis_health_problem(*impl_->pool.lease());
}

}  // namespace piket::cases
