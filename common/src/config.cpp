#include "piket/common/config.hpp"

#include <arpa/inet.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "piket/common/records.hpp"
#include "piket/common/time_format.hpp"
#include "piket/common/toml_reader.hpp"

namespace piket::common {
namespace {

const std::regex kIdPattern{"^[a-z0-9][a-z0-9_-]{0,63}$"};
constexpr std::size_t kMaxRegionId = 32;
const std::regex kHexSha256{"^[0-9a-f]{64}$"};
const std::regex kE164{"^\\+[1-9][0-9]{6,14}$"};
const std::regex kZmqEndpoint{
    "^(tcp://[0-9a-zA-Z.*-]+:[0-9]{1,5}|ipc://[^ ]{1,200}|inproc://[^ ]{1,100})$"};
const std::regex kHttpUrl{"^https?://[^ ?#]{1,300}$"};
const std::regex kIpAddress{"^[0-9A-Fa-f:.]{2,45}$"};
const std::regex kSmtpUrl{"^smtps?://[^ /?#@]{1,300}/?$"};
const std::regex kEmail{
    "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63}){0,8}$"};
const std::regex kArgon2id{
    "^\\$argon2id\\$v=19\\$m=[0-9]{1,8},t=[0-9]{1,3},p=[0-9]{1,3}\\$[A-Za-z0-9+/"
    "]{11,128}\\$[A-Za-z0-9+/]{16,256}$"};

using Reader = TomlReader;

template <typename T, typename U>
void set_if(std::optional<U> v, T& target) {
  if (v) target = static_cast<T>(*v);
}

void read_millis(Reader& r, const toml::table& t, const std::string& p, std::string_view key,
                 std::int64_t lo, std::int64_t hi, Millis& target) {
  if (auto v = r.integer(t, p, key, lo, hi)) target = Millis{*v};
}

// people.contact = [{channel = "push", after_s = 0}, {channel = "sms", after_s = 60}, …]:
// 1-3 distinct channels, the first at once, after_s never decreasing. Default:
// SMS at once, and e-mail after 5 minutes when the person has an address and
// [smtp] is configured.
constexpr std::int64_t kMaxContactDelayS = 24 * 3600;
std::vector<ContactRule> read_contact(Reader& r, const toml::table& person, bool have_smtp,
                                      const std::string& email) {
  std::vector<ContactRule> out;
  const toml::node* n = person.get("contact");
  if (!n) {
    out.push_back({ContactChannel::sms, Millis{0}});
    if (have_smtp && !email.empty()) out.push_back({ContactChannel::email, Millis{300'000}});
    return out;
  }
  const toml::array* a = n->as_array();
  if (!a || a->empty() || a->size() > 3) {
    r.error(n->source(), "people.contact",
            "must be a list of 1-3 tables such as [{channel = \"sms\", after_s = 0}]");
    return out;
  }
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::node& e = *a->get(i);
    const std::string name = "people.contact[" + std::to_string(i) + "].";
    const toml::table* t = e.as_table();
    if (!t) {
      r.error(e.source(), name.substr(0, name.size() - 1), "must be a table {channel, after_s}");
      continue;
    }
    r.only_known(*t, name, {"channel", "after_s"});
    ContactRule rule;
    if (auto v = r.string(*t, name, "channel", true)) {
      if (*v == "sms")
        rule.channel = ContactChannel::sms;
      else if (*v == "push")
        rule.channel = ContactChannel::push;
      else if (*v == "email")
        rule.channel = ContactChannel::email;
      else {
        r.error(t->get("channel")->source(), name + "channel",
                "must be \"sms\", \"push\" or \"email\"");
        continue;
      }
    } else {
      continue;
    }
    if (auto v = r.integer(*t, name, "after_s", 0, kMaxContactDelayS))
      rule.after = std::chrono::seconds{*v};
    else if (t->get("after_s"))
      continue;
    const auto& where = e.source();
    if (out.empty() && rule.after.count() != 0)
      r.error(where, name + "after_s", "the first channel must be used at once (0)");
    if (!out.empty() && rule.after < out.back().after)
      r.error(where, name + "after_s", "must not be less than the channel before it");
    for (const auto& prev : out)
      if (prev.channel == rule.channel)
        r.error(where, name + "channel",
                "channel " + std::string(to_string(rule.channel)) + " is listed twice");
    if (rule.channel == ContactChannel::email && email.empty())
      r.error(where, name + "channel", "e-mail needs the person's email address");
    if (rule.channel == ContactChannel::email && !have_smtp)
      r.error(where, name + "channel", "e-mail needs an [smtp] table");
    out.push_back(rule);
  }
  return out;
}

}  // namespace

std::string_view to_string(ContactChannel c) {
  switch (c) {
    case ContactChannel::sms:
      return "sms";
    case ContactChannel::push:
      return "push";
    case ContactChannel::email:
      return "email";
  }
  return "sms";
}

const PersonConfig* Config::person(std::string_view id) const {
  for (const auto& p : people)
    if (p.id == id) return &p;
  return nullptr;
}

const RegionConfig* Config::region(std::string_view id) const {
  for (const auto& r : regions)
    if (r.id == id) return &r;
  return nullptr;
}

const DeadlinePolicy& Config::deadline_policy(std::string_view region_id,
                                              std::string_view kind) const {
  const DeadlineRule* best = nullptr;
  int best_rank = 0;
  for (const auto& rule : deadline_rules) {
    if (!rule.region.empty() && rule.region != region_id) continue;
    if (!rule.kind.empty() && rule.kind != kind) continue;
    const int rank = (rule.kind.empty() ? 0 : 2) + (rule.region.empty() ? 0 : 1);
    if (rank > best_rank) {
      best = &rule;
      best_rank = rank;
    }
  }
  return best ? best->policy : deadlines;
}

namespace {

// [deadlines] and [[deadlines.rules]] (docs/deadlines.md).
constexpr std::string_view kPolicyKeys[] = {"ack_timeout_minutes",
                                            "first_contact_minutes",
                                            "first_contact_grace_minutes",
                                            "plan_hours",
                                            "plan_warn_hours",
                                            "ban_decision_hours",
                                            "ban_end_notice",
                                            "handover_warn_days",
                                            "handover_due_days",
                                            "checkin_intensive_days",
                                            "checkin_monitoring_days",
                                            "stall_grace_intensive_days",
                                            "stall_grace_monitoring_days",
                                            "evaluation_days",
                                            "evaluation_remind_days",
                                            "evaluation_grace_days",
                                            "closing_days",
                                            "closing_grace_days",
                                            "incident_clocks",
                                            "reminder_ack_hours",
                                            "evaluation_from_days"};

void only_policy_keys(Reader& r, const toml::table& t, const std::string& prefix,
                      std::initializer_list<std::string_view> extra) {
  for (const auto& [k, v] : t) {
    bool known = false;
    for (auto name : kPolicyKeys) known = known || k.str() == name;
    for (auto name : extra) known = known || k.str() == name;
    if (!known) r.error(v.source(), prefix + std::string(k.str()), "unknown key");
  }
}

void read_deadline_policy(Reader& r, const toml::table& t, const std::string& p,
                          DeadlinePolicy& d) {
  auto minutes = [&](std::string_view key, std::int64_t lo, std::int64_t hi, Millis& target) {
    if (auto v = r.integer(t, p, key, lo, hi)) target = std::chrono::minutes{*v};
  };
  auto hours = [&](std::string_view key, std::int64_t lo, std::int64_t hi, Millis& target) {
    if (auto v = r.integer(t, p, key, lo, hi)) target = std::chrono::hours{*v};
  };
  auto days = [&](std::string_view key, std::int64_t lo, std::int64_t hi, int& target) {
    set_if(r.integer(t, p, key, lo, hi), target);
  };
  minutes("ack_timeout_minutes", 0, 7 * 24 * 60, d.ack_timeout);  // 0: no acknowledgement clock
  minutes("first_contact_minutes", 1, 7 * 24 * 60, d.first_contact);
  minutes("first_contact_grace_minutes", 0, 7 * 24 * 60, d.first_contact_grace);
  hours("plan_hours", 1, 24 * 28, d.plan);
  if (const toml::node* n = t.get("plan_warn_hours")) {
    const toml::array* a = n->as_array();
    if (!a || a->size() > 5) {
      r.error(n->source(), p + "plan_warn_hours", "must be a list of at most 5 whole hours");
    } else {
      std::vector<Millis> warnings;
      for (std::size_t i = 0; i < a->size(); ++i) {
        const toml::node& e = *a->get(i);
        if (!e.is_integer() || e.as_integer()->get() < 1 || e.as_integer()->get() > 24 * 28) {
          r.error(e.source(), p + "plan_warn_hours[" + std::to_string(i) + "]",
                  "must be a whole number of hours, 1-672");
          continue;
        }
        const Millis w = std::chrono::hours{e.as_integer()->get()};
        if (!warnings.empty() && w <= warnings.back())
          r.error(e.source(), p + "plan_warn_hours[" + std::to_string(i) + "]",
                  "must be later than the warning before it");
        warnings.push_back(w);
      }
      d.plan_warnings = std::move(warnings);
    }
  }
  hours("ban_decision_hours", 1, 24 * 27, d.ban_decision_before);
  set_if(r.boolean(t, p, "ban_end_notice"), d.ban_end_notice);
  days("handover_warn_days", 1, 366, d.handover_warn_days);
  days("handover_due_days", 1, 366, d.handover_due_days);
  days("checkin_intensive_days", 1, 90, d.checkin_intensive_days);
  days("checkin_monitoring_days", 1, 180, d.checkin_monitoring_days);
  days("stall_grace_intensive_days", 0, 60, d.stall_grace_intensive_days);
  days("stall_grace_monitoring_days", 0, 90, d.stall_grace_monitoring_days);
  days("evaluation_days", 1, 730, d.evaluation_days);
  days("evaluation_remind_days", 0, 180, d.evaluation_remind_days);
  days("evaluation_grace_days", 0, 365, d.evaluation_grace_days);
  days("closing_days", 1, 1100, d.closing_days);
  days("closing_grace_days", 0, 365, d.closing_grace_days);
  hours("reminder_ack_hours", 0, 24 * 7, d.reminder_ack);
  days("evaluation_from_days", 0, 730, d.evaluation_from_days);
  if (const toml::node* n = t.get("incident_clocks")) {
    const toml::array* a = n->as_array();
    if (!a || a->size() > 2) {
      r.error(n->source(), p + "incident_clocks",
              "must be a list of at most 2 of \"first_contact\", \"plan\"");
    } else {
      IncidentClocks clocks;
      for (std::size_t i = 0; i < a->size(); ++i) {
        const toml::node& e = *a->get(i);
        const auto* v = e.as_string();
        const std::string name = p + "incident_clocks[" + std::to_string(i) + "]";
        if (v && v->get() == "first_contact" && !clocks.first_contact)
          clocks.first_contact = true;
        else if (v && v->get() == "plan" && !clocks.plan)
          clocks.plan = true;
        else
          r.error(e.source(), name, "must be \"first_contact\" or \"plan\", each once");
      }
      d.incident_clocks = clocks;
    }
  }
  // Consistency of the result (a rule's keys together with the defaults it inherits).
  for (const auto w : d.plan_warnings)
    if (w >= d.plan) {
      r.error_at_table(t, p + "plan_warn_hours", "every warning must come before plan_hours");
      break;
    }
  if (d.handover_warn_days >= d.handover_due_days)
    r.error_at_table(t, p + "handover_warn_days", "must be less than handover_due_days");
  if (d.evaluation_remind_days >= d.evaluation_days)
    r.error_at_table(t, p + "evaluation_remind_days", "must be less than evaluation_days");
  if (d.evaluation_days >= d.closing_days)
    r.error_at_table(t, p + "evaluation_days", "must be less than closing_days");
  if (d.evaluation_from_days > d.evaluation_days)
    r.error_at_table(t, p + "evaluation_from_days", "must not be more than evaluation_days");
}

// [escalation] and [[escalation.regions]] (docs/paging.md, "Escalation").
void read_escalation_policy(Reader& r, const toml::table& t, const std::string& p,
                            EscalationPolicy& out) {
  if (const toml::node* n = t.get("steps")) {
    const toml::array* a = n->as_array();
    if (!a || a->empty() || a->size() > 6) {
      r.error(n->source(), p + "steps",
              "must be a list of 1-6 tables such as [{target = \"primary\", wait_minutes = 5}]");
    } else {
      std::vector<EscalationStep> steps;
      for (std::size_t i = 0; i < a->size(); ++i) {
        const toml::node& e = *a->get(i);
        const std::string name = p + "steps[" + std::to_string(i) + "].";
        const toml::table* st = e.as_table();
        if (!st) {
          r.error(e.source(), name.substr(0, name.size() - 1),
                  "must be a table {target, wait_minutes}");
          continue;
        }
        r.only_known(*st, name, {"target", "wait_minutes"});
        EscalationStep step;
        if (auto v = r.string(*st, name, "target", true, 32)) {
          if (*v == "primary")
            step.target = EscalationTarget::primary;
          else if (*v == "backup")
            step.target = EscalationTarget::backup;
          else if (*v == "team_lead")
            step.target = EscalationTarget::team_lead;
          else
            r.error(st->get("target")->source(), name + "target",
                    "must be \"primary\", \"backup\" or \"team_lead\"");
        }
        if (auto v = r.integer(*st, name, "wait_minutes", 1, 24 * 60))
          step.wait = std::chrono::minutes{*v};
        else if (!st->get("wait_minutes"))
          r.error_at_table(*st, name + "wait_minutes", "required key is missing");
        steps.push_back(step);
      }
      // dispatch's first page goes to the primary casemanager (or further up
      // when nobody can take it): the policy starts there.
      if (!steps.empty() && steps.front().target != EscalationTarget::primary)
        r.error(a->get(0)->source(), p + "steps[0].target",
                "the first step must be \"primary\" (dispatch's first page goes to the primary "
                "casemanager)");
      out.steps = std::move(steps);
    }
  }
  set_if(r.integer(t, p, "repeat", 0, 5), out.repeat);
  if (auto v = r.integer(t, p, "forgotten_minutes", 0, 7 * 24 * 60))
    out.forgotten = std::chrono::minutes{*v};
  set_if(r.integer(t, p, "forgotten_repages", 0, 5), out.forgotten_repages);
}

}  // namespace

std::string_view to_string(EscalationTarget t) {
  switch (t) {
    case EscalationTarget::primary:
      return "primary";
    case EscalationTarget::backup:
      return "backup";
    case EscalationTarget::team_lead:
      return "team_lead";
  }
  return "primary";
}

namespace {}  // namespace

Config parse_config(std::string_view text, const std::string& file_name) {
  toml::table root;
  try {
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << file_name << ':' << e.source().begin.line << ": " << e.description();
    throw ConfigError(out.str());
  }
  Reader r(file_name);
  Config c;
  c.file = file_name;
  r.only_known(root, "", {"deployment", "clock",     "redis",      "log",     "ingest",  "dispatch",
                          "notify",     "inbound",   "web",        "kannel",  "outbox",  "regions",
                          "partners",   "admins",    "people",     "rotas",   "rota",    "smtp",
                          "cases",      "deadlines", "escalation", "secrets", "caseload"});
  c.secrets_dir = std::filesystem::path(file_name).parent_path() / "secrets";
  if (const auto* t = r.table(root, "", "secrets")) {
    r.only_known(*t, "secrets.", {"dir"});
    if (auto v = r.string(*t, "secrets.", "dir", false, 1000)) {
      std::filesystem::path p(*v);
      c.secrets_dir = p.is_absolute() ? p : std::filesystem::path(file_name).parent_path() / p;
    }
  }

  if (const auto* d = r.table(root, "", "deployment")) {
    r.only_known(*d, "deployment.", {"name"});
    if (auto v = r.matching(*d, "deployment.", "name", false, kIdPattern, "a lower-case id"))
      c.deployment = *v;
  }
  if (const auto* t = r.table(root, "", "clock")) {
    r.only_known(*t, "clock.", {"mode", "start"});
    if (auto v = r.string(*t, "clock.", "mode", false)) {
      if (*v == "system")
        c.clock = ClockMode::system;
      else if (*v == "simulated")
        c.clock = ClockMode::simulated;
      else
        r.error(t->get("mode")->source(), "clock.mode", "must be \"system\" or \"simulated\"");
    }
    if (auto v = r.instant(*t, "clock.", "start", c.clock == ClockMode::simulated))
      c.simulated_start = *v;
  }
  if (const auto* t = r.table(root, "", "redis")) {
    r.only_known(*t, "redis.", {"address", "timeout_ms"});
    set_if(r.host_port(*t, "redis.", "address"), c.redis.address);
    read_millis(r, *t, "redis.", "timeout_ms", 10, 60000, c.redis.timeout);
  }
  if (const auto* t = r.table(root, "", "log")) {
    r.only_known(*t, "log.", {"format", "level", "dir"});
    if (auto v = r.string(*t, "log.", "format", false)) {
      if (*v == "json" || *v == "text")
        c.log.json = *v == "json";
      else
        r.error(t->get("format")->source(), "log.format", "must be \"text\" or \"json\"");
    }
    if (auto v = r.string(*t, "log.", "level", false)) {
      static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error"};
      if (levels.count(*v))
        c.log.level = *v;
      else
        r.error(t->get("level")->source(), "log.level",
                "must be trace, debug, info, warn or error");
    }
    set_if(r.string(*t, "log.", "dir", false, 1000), c.log.dir);
  }
  if (const auto* t = r.table(root, "", "ingest")) {
    r.only_known(*t, "ingest.", {"http", "threads"});
    set_if(r.host_port(*t, "ingest.", "http"), c.ingest.http);
    set_if(r.integer(*t, "ingest.", "threads", 1, 64), c.ingest.threads);
  }
  if (const auto* t = r.table(root, "", "dispatch")) {
    r.only_known(*t, "dispatch.", {"http", "zmq", "workers"});
    set_if(r.integer(*t, "dispatch.", "workers", 1, 64), c.dispatch.workers);
    set_if(r.host_port(*t, "dispatch.", "http"), c.dispatch.http);
    set_if(r.matching(*t, "dispatch.", "zmq", false, kZmqEndpoint, "a ZeroMQ endpoint"),
           c.dispatch.zmq_bind);
  }
  if (const auto* t = r.table(root, "", "notify")) {
    r.only_known(
        *t, "notify.",
        {"http", "zmq", "workers", "retry_initial_ms", "retry_max_ms", "max_attempts",
         "in_doubt_grace_ms", "gateway_timeout_ms", "push_stream_maxlen", "bundle_window_ms"});
    set_if(r.host_port(*t, "notify.", "http"), c.notify.http);
    set_if(r.matching(*t, "notify.", "zmq", false, kZmqEndpoint, "a ZeroMQ endpoint"),
           c.notify.zmq_bind);
    set_if(r.integer(*t, "notify.", "workers", 1, 32), c.notify.workers);
    read_millis(r, *t, "notify.", "retry_initial_ms", 10, 600000, c.notify.retry_initial);
    read_millis(r, *t, "notify.", "retry_max_ms", 10, 3600000, c.notify.retry_max);
    set_if(r.integer(*t, "notify.", "max_attempts", 1, 100), c.notify.max_attempts);
    read_millis(r, *t, "notify.", "in_doubt_grace_ms", 0, 600000, c.notify.in_doubt_grace);
    read_millis(r, *t, "notify.", "gateway_timeout_ms", 100, 60000, c.notify.gateway_timeout);
    set_if(r.integer(*t, "notify.", "push_stream_maxlen", 10, 1000000),
           c.notify.push_stream_maxlen);
    read_millis(r, *t, "notify.", "bundle_window_ms", 0, 60000, c.notify.bundle_window);
  }
  if (const auto* t = r.table(root, "", "inbound")) {
    r.only_known(*t, "inbound.", {"http", "code_max_failures", "code_lock_minutes"});
    set_if(r.host_port(*t, "inbound.", "http"), c.inbound.http);
    set_if(r.integer(*t, "inbound.", "code_max_failures", 1, 20), c.inbound.code_max_failures);
    if (auto v = r.integer(*t, "inbound.", "code_lock_minutes", 1, 24 * 60))
      c.inbound.code_lock = std::chrono::minutes{*v};
  }
  if (const auto* t = r.table(root, "", "web")) {
    r.only_known(*t, "web.",
                 {"http", "threads", "assets_dir", "session_idle_minutes", "session_max_hours",
                  "cookie_secure", "max_failures", "lockout_minutes", "remote_max_failures",
                  "max_delay_seconds", "unauthenticated_per_second", "unauthenticated_burst",
                  "trusted_proxies", "calendar_base_url"});
    set_if(r.host_port(*t, "web.", "http"), c.web.http);
    set_if(r.integer(*t, "web.", "threads", 1, 64), c.web.threads);
    set_if(r.string(*t, "web.", "assets_dir", false, 1000), c.web.assets_dir);
    if (auto v = r.integer(*t, "web.", "session_idle_minutes", 1, 24 * 60))
      c.web.session_idle = std::chrono::minutes{*v};
    if (auto v = r.integer(*t, "web.", "session_max_hours", 1, 24 * 7))
      c.web.session_max = std::chrono::hours{*v};
    set_if(r.boolean(*t, "web.", "cookie_secure"), c.web.cookie_secure);
    set_if(r.integer(*t, "web.", "max_failures", 1, 100), c.web.max_failures);
    if (auto v = r.integer(*t, "web.", "lockout_minutes", 1, 24 * 60))
      c.web.lockout = std::chrono::minutes{*v};
    set_if(r.integer(*t, "web.", "remote_max_failures", 1, 10000), c.web.remote_max_failures);
    if (auto v = r.integer(*t, "web.", "max_delay_seconds", 1, 3600))
      c.web.max_delay = std::chrono::seconds{*v};
    set_if(r.number(*t, "web.", "unauthenticated_per_second", 0.01, 10000),
           c.web.unauthenticated_per_second);
    set_if(r.number(*t, "web.", "unauthenticated_burst", 1, 100000), c.web.unauthenticated_burst);
    c.web.trusted_proxies =
        r.string_list(*t, "web.", "trusted_proxies", false, kIpAddress, "an IPv4 or IPv6 address");
    for (const auto& a : c.web.trusted_proxies) {
      unsigned char buf[16];
      if (::inet_pton(AF_INET, a.c_str(), buf) != 1 && ::inet_pton(AF_INET6, a.c_str(), buf) != 1)
        r.error(t->get("trusted_proxies")->source(), "web.trusted_proxies",
                "not an IPv4 or IPv6 address: " + a.substr(0, 45));
    }
    if (c.web.trusted_proxies.size() > 16)
      r.error(t->get("trusted_proxies")->source(), "web.trusted_proxies", "at most 16 proxies");
    set_if(r.matching(*t, "web.", "calendar_base_url", false, kHttpUrl, "an http:// URL"),
           c.web.calendar_base_url);
  }
  if (const auto* t = r.table(root, "", "kannel")) {
    r.only_known(*t, "kannel.",
                 {"sendsms_url", "username", "password", "sender", "callback_base", "dlr_mask"});
    // `password` is listed so that its own error below names what to do.
    set_if(r.matching(*t, "kannel.", "sendsms_url", false, kHttpUrl, "an http:// URL"),
           c.kannel.sendsms_url);
    set_if(r.string(*t, "kannel.", "username", true, 64), c.kannel.username);
    // The sendsms password is a secret: kannel-sendsms.password in the secrets
    // directory (docs/secrets.md), never this file.
    if (const auto* n = t->get("password"))
      r.error(n->source(), "kannel.password",
              "secrets are not kept in this file; the password is read from "
              "kannel-sendsms.password in the secrets directory (docs/secrets.md)");
    set_if(r.matching(*t, "kannel.", "sender", false, std::regex{"^[+]?[0-9A-Za-z]{1,16}$"},
                      "1-16 letters or digits"),
           c.kannel.sender);
    set_if(r.matching(*t, "kannel.", "callback_base", false, kHttpUrl, "an http:// URL"),
           c.kannel.callback_base);
    set_if(r.integer(*t, "kannel.", "dlr_mask", 0, 63), c.kannel.dlr_mask);
  } else {
    r.error_at_table(root, "kannel", "required table is missing");
  }
  if (const auto* t = r.table(root, "", "smtp")) {
    r.only_known(*t, "smtp.", {"url", "from", "username", "password", "require_tls", "timeout_ms"});
    SmtpConfig smtp;
    set_if(r.matching(*t, "smtp.", "url", true, kSmtpUrl, "smtp://HOST:PORT or smtps://HOST:PORT"),
           smtp.url);
    set_if(r.matching(*t, "smtp.", "from", true, kEmail, "an e-mail address"), smtp.from);
    set_if(r.string(*t, "smtp.", "username", false, 200), smtp.username);
    set_if(r.string(*t, "smtp.", "password", false, 200), smtp.password);
    if (smtp.username.empty() != smtp.password.empty())
      r.error_at_table(*t, "smtp.password", "username and password go together");
    set_if(r.boolean(*t, "smtp.", "require_tls"), smtp.require_tls);
    read_millis(r, *t, "smtp.", "timeout_ms", 100, 120000, smtp.timeout);
    c.smtp = std::move(smtp);
  }
  if (const auto* t = r.table(root, "", "outbox")) {
    r.only_known(*t, "outbox.", {"resend_after_ms"});
    read_millis(r, *t, "outbox.", "resend_after_ms", 50, 600000, c.outbox.resend_after);
  }

  if (const auto* t = r.table(root, "", "rota")) {
    r.only_known(
        *t, "rota.",
        {"file", "coverage_days", "allow_gaps", "handoff_notice_minutes", "gap_warning_hours"});
    RotaFileConfig rf;
    if (auto v = r.string(*t, "rota.", "file", true, 1000)) {
      std::filesystem::path p(*v);
      rf.file = p.is_absolute() ? p : std::filesystem::path(file_name).parent_path() / p;
    }
    set_if(r.integer(*t, "rota.", "coverage_days", 0, 366), rf.coverage_days);
    set_if(r.boolean(*t, "rota.", "allow_gaps"), rf.allow_gaps);
    if (auto v = r.integer(*t, "rota.", "handoff_notice_minutes", 0, 7 * 24 * 60))
      rf.handoff_notice = std::chrono::minutes{*v};
    if (auto v = r.integer(*t, "rota.", "gap_warning_hours", 0, 24 * 28))
      rf.gap_warning = std::chrono::hours{*v};
    c.rota = rf;
  }
  std::set<std::string> region_ids;
  for (const auto* t : r.tables(root, "regions", 200)) {
    RegionConfig reg;
    r.only_known(*t, "regions.", {"id", "name"});
    set_if(r.matching(*t, "regions.", "id", true, kIdPattern, "a lower-case id"), reg.id);
    // The id is in every page, which must fit one SMS segment.
    if (reg.id.size() > kMaxRegionId) {
      r.error(t->get("id")->source(), "regions.id",
              "at most " + std::to_string(kMaxRegionId) + " characters (it is shown in every SMS)");
      reg.id.clear();
    }
    set_if(r.string(*t, "regions.", "name", false, 100), reg.name);
    if (!reg.id.empty() && !region_ids.insert(reg.id).second)
      r.error(t->source(), "regions.id", "duplicate region " + reg.id);
    c.regions.push_back(std::move(reg));
  }
  if (c.regions.empty()) r.error_at_table(root, "regions", "at least one [[regions]] is required");

  std::set<std::string> ids;
  // Each token belongs to exactly one principal: TokenRegistry would otherwise
  // let one partner's token act as another (or as an admin).
  std::map<std::string, std::string> token_owner;
  auto unique_token = [&](const toml::table& t, const std::string& p, const std::string& hash,
                          const std::string& owner) {
    if (hash.empty()) return;
    auto [it, fresh] = token_owner.emplace(hash, owner);
    if (!fresh)
      r.error(t.get("token_sha256")->source(), p + "token_sha256",
              "the same token is already configured for " + it->second);
  };
  auto region_list = [&](const toml::table& t, const std::string& p) {
    auto list = r.string_list(t, p, "regions", true, kIdPattern, "a region id");
    for (const auto& reg : list)
      if (!region_ids.count(reg))
        r.error(t.get("regions")->source(), p + "regions", "unknown region " + reg);
    return list;
  };
  for (const auto* t : r.tables(root, "partners", 100)) {
    PartnerConfig p;
    r.only_known(*t, "partners.", {"id", "token_sha256", "regions", "rate_per_second", "burst"});
    set_if(r.matching(*t, "partners.", "id", true, kIdPattern, "a lower-case id"), p.id);
    set_if(r.matching(*t, "partners.", "token_sha256", true, kHexSha256,
                      "64 lower-case hex digits (sha256 of the token)"),
           p.token_sha256);
    unique_token(*t, "partners.", p.token_sha256, "partner " + p.id);
    p.regions = region_list(*t, "partners.");
    set_if(r.number(*t, "partners.", "rate_per_second", 0.1, 100000), p.rate_per_second);
    set_if(r.number(*t, "partners.", "burst", 1, 100000), p.burst);
    if (!p.id.empty() && !ids.insert("partner:" + p.id).second)
      r.error(t->source(), "partners.id", "duplicate partner " + p.id);
    c.partners.push_back(std::move(p));
  }
  for (const auto* t : r.tables(root, "admins", 20)) {
    AdminConfig a;
    r.only_known(*t, "admins.", {"id", "token_sha256"});
    set_if(r.matching(*t, "admins.", "id", true, kIdPattern, "a lower-case id"), a.id);
    set_if(r.matching(*t, "admins.", "token_sha256", true, kHexSha256,
                      "64 lower-case hex digits (sha256 of the token)"),
           a.token_sha256);
    unique_token(*t, "admins.", a.token_sha256, "admin " + a.id);
    if (!a.id.empty() && !ids.insert("admin:" + a.id).second)
      r.error(t->source(), "admins.id", "duplicate admin " + a.id);
    c.admins.push_back(std::move(a));
  }
  for (const auto* t : r.tables(root, "people", 1000)) {
    PersonConfig p;
    r.only_known(*t, "people.",
                 {"id", "name", "role", "phone", "regions", "caseload_cap", "password_argon2",
                  "email", "contact", "token_sha256"});
    set_if(r.matching(*t, "people.", "id", true, kIdPattern, "a lower-case id"), p.id);
    set_if(r.string(*t, "people.", "name", true, 100), p.display_name);
    if (auto v = r.string(*t, "people.", "role", true)) {
      if (*v == "casemanager")
        p.role = StaffRole::casemanager;
      else if (*v == "team_lead")
        p.role = StaffRole::team_lead;
      else if (*v == "admin")
        p.role = StaffRole::admin;
      else
        r.error(t->get("role")->source(), "people.role",
                "must be \"casemanager\", \"team_lead\" or \"admin\"");
    }
    set_if(r.matching(*t, "people.", "phone", true, kE164, "an E.164 number such as +447700900001"),
           p.phone);
    p.regions = region_list(*t, "people.");
    set_if(r.integer(*t, "people.", "caseload_cap", 1, 500), p.caseload_cap);
    set_if(r.matching(*t, "people.", "password_argon2", false, kArgon2id,
                      "an Argon2id encoded hash (make one with piket-passwd)"),
           p.password_argon2);
    set_if(r.matching(*t, "people.", "email", false, kEmail, "an e-mail address"), p.email);
    p.contact = read_contact(r, *t, c.smtp.has_value(), p.email);
    set_if(r.matching(*t, "people.", "token_sha256", false, kHexSha256,
                      "64 lower-case hex digits (sha256 of the token)"),
           p.token_sha256);
    unique_token(*t, "people.", p.token_sha256, "person " + p.id);
    if (!p.id.empty() && !ids.insert("person:" + p.id).second)
      r.error(t->source(), "people.id", "duplicate person " + p.id);
    c.people.push_back(std::move(p));
  }
  for (const auto* t : r.tables(root, "rotas", 200)) {
    SimpleRotaConfig rota;
    r.only_known(*t, "rotas.", {"region", "primary", "anchor", "shift_hours", "team_lead"});
    set_if(r.matching(*t, "rotas.", "region", true, kIdPattern, "a region id"), rota.region);
    if (!rota.region.empty() && !region_ids.count(rota.region))
      r.error(t->get("region")->source(), "rotas.region", "unknown region " + rota.region);
    rota.primary = r.string_list(*t, "rotas.", "primary", true, kIdPattern, "a person id");
    if (t->get("primary") && rota.primary.empty())
      r.error(t->get("primary")->source(), "rotas.primary", "needs at least one casemanager");
    for (const auto& id : rota.primary) {
      const auto* p = c.person(id);
      if (!p || p->role != StaffRole::casemanager)
        r.error(t->get("primary")->source(), "rotas.primary", "no casemanager with id " + id);
    }
    set_if(r.instant(*t, "rotas.", "anchor", true), rota.anchor);
    if (auto h = r.integer(*t, "rotas.", "shift_hours", 1, 24 * 28))
      rota.shift = std::chrono::hours{*h};
    set_if(r.matching(*t, "rotas.", "team_lead", true, kIdPattern, "a person id"), rota.team_lead);
    if (!rota.team_lead.empty()) {
      const auto* p = c.person(rota.team_lead);
      if (!p || p->role != StaffRole::team_lead)
        r.error(t->get("team_lead")->source(), "rotas.team_lead",
                "no team lead with id " + rota.team_lead);
    }
    c.rotas.push_back(std::move(rota));
  }

  if (const auto* t = r.table(root, "", "cases")) {
    r.only_known(*t, "cases.", {"http", "threads", "poll_ms", "household_link_days"});
    set_if(r.host_port(*t, "cases.", "http"), c.cases.http);
    set_if(r.integer(*t, "cases.", "threads", 1, 64), c.cases.threads);
    read_millis(r, *t, "cases.", "poll_ms", 1, 1000, c.cases.poll);
    set_if(r.integer(*t, "cases.", "household_link_days", 0, 3660), c.cases.household_link_days);
  }
  if (const auto* t = r.table(root, "", "caseload")) {
    r.only_known(*t, "caseload.", {"monitoring_weight"});
    set_if(r.number(*t, "caseload.", "monitoring_weight", 0.0, 1.0), c.caseload.monitoring_weight);
  }
  if (const auto* d = r.table(root, "", "deadlines")) {
    only_policy_keys(r, *d, "deadlines.", {"rules", "incident_clocks_since"});
    read_deadline_policy(r, *d, "deadlines.", c.deadlines);
    c.deadlines.incident_clocks_since = r.instant(*d, "deadlines.", "incident_clocks_since", false);
    if (const toml::node* n = d->get("rules")) {
      const toml::array* a = n->as_array();
      if (!a || !a->is_array_of_tables()) {
        r.error(n->source(), "deadlines.rules", "must be written as [[deadlines.rules]] tables");
      } else {
        std::set<std::pair<std::string, std::string>> seen;
        for (std::size_t i = 0; i < a->size() && i < 500; ++i) {
          const toml::table& t = *a->get(i)->as_table();
          const std::string p = "deadlines.rules.";
          only_policy_keys(r, t, p, {"region", "kind"});
          DeadlineRule rule;
          rule.policy = c.deadlines;
          set_if(r.matching(t, p, "region", false, kIdPattern, "a region id"), rule.region);
          if (!rule.region.empty() && !region_ids.count(rule.region))
            r.error(t.get("region")->source(), p + "region", "unknown region " + rule.region);
          if (auto k = r.string(t, p, "kind", false, 64)) {
            if (parse_incident_kind(*k))
              rule.kind = *k;
            else
              r.error(t.get("kind")->source(), p + "kind",
                      "must be an incident kind such as home_ban");
          }
          if (!t.get("region") && !t.get("kind"))
            r.error_at_table(t, p + "region", "a rule needs a region, a kind or both");
          if (!seen.emplace(rule.region, rule.kind).second)
            r.error_at_table(t, p + "region", "a rule for this region and kind is already given");
          read_deadline_policy(r, t, p, rule.policy);
          c.deadline_rules.push_back(std::move(rule));
        }
      }
    }
  }

  if (const auto* e = r.table(root, "", "escalation")) {
    r.only_known(
        *e, "escalation.",
        {"steps", "repeat", "forgotten_minutes", "forgotten_repages", "poll_ms", "regions"});
    EscalationConfig esc;
    read_escalation_policy(r, *e, "escalation.", esc.defaults);
    read_millis(r, *e, "escalation.", "poll_ms", 5, 5000, esc.poll);
    if (const toml::node* n = e->get("regions")) {
      const toml::array* a = n->as_array();
      if (!a || !a->is_array_of_tables()) {
        r.error(n->source(), "escalation.regions",
                "must be written as [[escalation.regions]] tables");
      } else {
        for (std::size_t i = 0; i < a->size() && i < 500; ++i) {
          const toml::table& t = *a->get(i)->as_table();
          const std::string p = "escalation.regions.";
          r.only_known(t, p,
                       {"region", "steps", "repeat", "forgotten_minutes", "forgotten_repages"});
          auto region = r.matching(t, p, "region", true, kIdPattern, "a region id");
          if (!region) continue;
          if (!region_ids.count(*region))
            r.error(t.get("region")->source(), p + "region", "unknown region " + *region);
          EscalationPolicy policy = esc.defaults;
          read_escalation_policy(r, t, p, policy);
          if (!esc.regions.emplace(*region, std::move(policy)).second)
            r.error(t.get("region")->source(), p + "region",
                    "a policy for region " + *region + " is already given");
        }
      }
    }
    // Paging escalates unacknowledged pages itself; the deadline engine's
    // acknowledgement clock would page the team lead a second time.
    auto ack_clock_set = [](const toml::table& t) {
      const toml::node* n = t.get("ack_timeout_minutes");
      return n && n->is_integer() && n->as_integer()->get() != 0 ? n : nullptr;
    };
    if (const auto* d = root.get("deadlines"); d && d->is_table()) {
      if (const auto* n = ack_clock_set(*d->as_table()))
        r.error(n->source(), "deadlines.ack_timeout_minutes",
                "must be 0 or left out when [escalation] is configured (paging escalates "
                "unacknowledged pages)");
      if (const auto* rules = d->as_table()->get("rules"); rules && rules->is_array_of_tables())
        for (const auto& rule : *rules->as_array())
          if (const auto* n = ack_clock_set(*rule.as_table()))
            r.error(n->source(), "deadlines.rules.ack_timeout_minutes",
                    "must be 0 or left out when [escalation] is configured");
    }
    c.deadlines.ack_timeout = Millis{0};
    for (auto& rule : c.deadline_rules) rule.policy.ack_timeout = Millis{0};
    c.escalation = std::move(esc);
  }

  if (!r.errors().empty()) throw ConfigError(r.all_errors());
  return c;
}

Config load_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError(file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string contents = text.str();
  if (contents.size() > 4 * 1024 * 1024) throw ConfigError(file.string() + ": larger than 4 MiB");
  return parse_config(contents, file.string());
}

}  // namespace piket::common
