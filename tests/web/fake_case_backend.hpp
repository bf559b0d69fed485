#pragma once
// A CaseBackend that records what it is asked and answers from a table, for
// tests of the web API's access rules (the real backend is tested with the
// cases service's own store elsewhere).

#include <mutex>
#include <string>
#include <vector>

#include "piket/web/case_backend.hpp"

namespace piket::web::fakes {

class FakeCaseBackend final : public CaseBackend {
 public:
  std::vector<ClockView> clock_table;
  std::vector<EscalationView> escalation_table;
  std::vector<UnansweredPage> unanswered_table;  // every region's (the board asks by region)
  std::vector<std::string> calls;  // "event C… anna first_contact", "reassign C… bert", …

  std::vector<ClockView> clocks(const std::vector<std::string>& ids, common::Instant) override {
    std::vector<ClockView> out;
    for (const auto& c : clock_table)
      if (std::find(ids.begin(), ids.end(), c.case_id) != ids.end()) out.push_back(c);
    return out;
  }
  std::vector<EscalationView> open_escalations(const std::string& region) override {
    std::vector<EscalationView> out;
    for (const auto& e : escalation_table)
      if (e.region == region) out.push_back(e);
    return out;
  }
  std::vector<UnansweredPage> unanswered_pages(const std::string&) override {
    return unanswered_table;
  }
  std::optional<EscalationView> escalation(const std::string& id) override {
    for (const auto& e : escalation_table)
      if (e.id == id) return e;
    return std::nullopt;
  }
  std::vector<EventType> event_types() const override {
    return {{"first_contact", "First contact"},
            {"plan_of_action", "Plan of action"},
            {"handover", "Handover"}};
  }
  // A handover is logged with what it passes on: "… handover Org/role s1 h0 d14".
  ActionOutcome record_event(const std::string& id, const std::string& by, const std::string& type,
                             common::Instant, const std::string&, const std::string& incident = {},
                             const Handover& h = {}) override {
    std::string line = "event " + id + " " + by + " " + type;
    if (!incident.empty()) line += " " + incident;
    if (type == "handover")
      line += " " + h.organisation + "/" + h.role + " s" + std::to_string(h.safety_reached) + " h" +
              std::to_string(h.help_plan_exists) +
              (h.checkin_days ? " d" + std::to_string(*h.checkin_days) : "");
    return log(std::move(line));
  }
  // Agreements: listed from a table; a new one or a change is logged
  // ("agreement C… anna vz-noord/referral/victim due 1795…", "settle C… anna A1 done").
  std::vector<AgreementView> agreement_table;
  AgreementChoices choices{
      {{"vz-noord", "Synthetic Addiction Care", "addiction_care", "groningen"}},
      {"referral", "appointment"}};
  std::vector<AgreementView> agreements(const std::vector<std::string>& ids) override {
    std::vector<AgreementView> out;
    for (const auto& a : agreement_table)
      if (std::find(ids.begin(), ids.end(), a.case_id) != ids.end()) out.push_back(a);
    return out;
  }
  AgreementChoices agreement_choices(const std::string& region) override {
    auto c = choices;
    std::erase_if(c.partners, [&](const ChainPartnerView& p) { return p.region != region; });
    return c;
  }
  ActionOutcome record_agreement(const std::string& id, const std::string& by,
                                 const NewAgreementRequest& a) override {
    return log("agreement " + id + " " + by + " " + a.who + "/" + a.category + "/" + a.track +
               " due " + std::to_string(common::to_epoch_ms(a.due)) +
               (a.request_key.empty() ? "" : " key " + a.request_key));
  }
  ActionOutcome settle_agreement(const std::string& id, const std::string& by,
                                 const std::string& agreement, const std::string& state,
                                 std::optional<common::Instant> started_at = {}) override {
    return log("settle " + id + " " + by + " " + agreement + " " + state +
               (started_at ? " started " + std::to_string(common::to_epoch_ms(*started_at)) : ""));
  }
  // Tracks: listed from a table; a record is logged ("track C… anna children
  // not_applicable no_children at 1795…").
  std::vector<std::pair<std::string, TrackView>> track_table;  // case id, track
  std::vector<TrackView> tracks(const std::string& id, common::Instant) override {
    std::vector<TrackView> out;
    for (const auto& [c, t] : track_table)
      if (c == id) out.push_back(t);
    return out;
  }
  ActionOutcome record_track(const std::string& id, const std::string& by,
                             const TrackRequest& t) override {
    return log("track " + id + " " + by + " " + t.track + " " + t.type +
               (t.reason.empty() ? "" : " " + t.reason) +
               (t.at ? " at " + std::to_string(common::to_epoch_ms(*t.at)) : ""));
  }
  // The next change refused with this (the owning service's refusal), once.
  std::optional<common::ApiRefusal> refuse_next;
  ActionOutcome reassign(const std::string& id, const std::string& to, const std::string& by,
                         const std::string&) override {
    return log("reassign " + id + " " + to + " by " + by);
  }
  ActionOutcome acknowledge_escalation(const std::string& id, const std::string& by) override {
    return log("ack-escalation " + id + " " + by);
  }
  ActionOutcome mark_absent(const std::string& person, common::Instant, common::Instant,
                            const std::string& by) override {
    return log("absent " + person + " by " + by);
  }
  ActionOutcome acknowledge_page(const std::string& id, const std::string& person,
                                 const std::string& = {}) override {
    return log("ack " + id + " " + person);
  }
  ActionOutcome decline_page(const std::string& id, const std::string& person,
                             const std::string& = {}) override {
    return log("decline " + id + " " + person);
  }

 private:
  ActionOutcome log(std::string s) {
    std::lock_guard lock(mutex_);
    if (refuse_next) {
      auto r = std::move(*refuse_next);
      refuse_next.reset();
      return r;
    }
    calls.push_back(std::move(s));
    return {};
  }
  std::mutex mutex_;
};

}  // namespace piket::web::fakes
