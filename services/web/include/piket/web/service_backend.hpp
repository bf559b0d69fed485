#pragma once
// CaseBackend over the services that own the state, through their own
// libraries and Redis scripts (no second implementation of their rules):
//  - clocks: the cases service's RedisCaseStore::load + cases::evaluate, the
//    same as GET /v1/cases/{id};
//  - events and reassignment: cases::apply_event + RedisCaseStore::record,
//    the same as POST /v1/cases/{id}/events, with the signed-in person as actor;
//  - answering a page: paging::answer_page (via "web"), the same script as an
//    SMS reply or the staff API;
//  - escalations: the unanswered pages sent to a region's team lead, so
//    acknowledging one is answering that page;
//  - agreements: cases::parse_new_agreement / make_agreement / change_agreement
//    + RedisCaseStore::write_agreement, the same as POST /v1/cases/{id}/agreements;
//  - tracks: cases::parse_track_change / change_track + RedisCaseStore::write_track,
//    the same as POST /v1/cases/{id}/tracks.

#include <memory>

#include "piket/cases/agreement_record.hpp"
#include "piket/cases/cases_config.hpp"
#include "piket/cases/chain_config.hpp"
#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/rota/directory.hpp"
#include "piket/web/case_backend.hpp"

namespace piket::web {

class ServiceBackend final : public CaseBackend {
 public:
  // What the owning services' code needs of the deployment: the people, the
  // cases' clocks ([deadlines]: cases::DeadlinesConfig), how long a reply
  // code stays valid (config::Config::reply_code_window), the push streams'
  // length ([notify]), Redis and the chain partners ([[chain_partners]];
  // none when null: agreements with the family and the casemanager only).
  // `directory`, `deadlines` and `chain` must outlive it.
  ServiceBackend(const rota::Directory& directory, const cases::DeadlinesConfig& deadlines,
                 common::Millis reply_code_window, int push_stream_maxlen,
                 const common::RedisConfig& redis_config, common::RedisPool& redis,
                 const common::Clock& domain_clock, const common::Clock& real_clock,
                 const cases::ChainConfig* chain = nullptr);
  ~ServiceBackend() override;

  std::vector<ClockView> clocks(const std::vector<std::string>& case_ids,
                                common::Instant now) override;
  std::vector<EscalationView> open_escalations(const std::string& region) override;
  std::optional<EscalationView> escalation(const std::string& id) override;
  std::vector<UnansweredPage> unanswered_pages(const std::string& region) override;
  std::vector<EventType> event_types() const override;
  CheckinRange checkin_range(const std::string& case_id) override;
  ActionOutcome record_event(const std::string& case_id, const std::string& by,
                             const std::string& type, common::Instant at, const std::string& note,
                             const std::string& incident = {},
                             const Handover& handover = {}) override;
  ActionOutcome reassign(const std::string& case_id, const std::string& to, const std::string& by,
                         const std::string& reason) override;
  ActionOutcome acknowledge_escalation(const std::string& id, const std::string& by) override;
  ActionOutcome mark_absent(const std::string& person, common::Instant since, common::Instant until,
                            const std::string& by) override;
  ActionOutcome acknowledge_page(const std::string& page_id, const std::string& person,
                                 const std::string& via_ref = {}) override;
  ActionOutcome decline_page(const std::string& page_id, const std::string& person,
                             const std::string& via_ref = {}) override;
  // cases::CaseFamilies, the same as POST /v1/cases/{id}/join and /split.
  ActionOutcome join_cases(const std::string& case_id, const std::string& other,
                           const std::string& by, const std::string& reason) override;
  ActionOutcome split_case(const std::string& case_id, const std::string& other,
                           const std::string& by, const std::string& reason) override;
  std::vector<AgreementView> agreements(const std::vector<std::string>& case_ids) override;
  std::vector<ReferralWait> referral_waits(const std::string& region,
                                           common::Instant since) override;
  AgreementChoices agreement_choices(const std::string& region) override;
  ActionOutcome record_agreement(const std::string& case_id, const std::string& by,
                                 const NewAgreementRequest& request) override;
  ActionOutcome settle_agreement(const std::string& case_id, const std::string& by,
                                 const std::string& agreement, const std::string& state,
                                 std::optional<common::Instant> started_at = {}) override;
  std::vector<TrackView> tracks(const std::string& case_id, common::Instant now) override;
  ActionOutcome record_track(const std::string& case_id, const std::string& by,
                             const TrackRequest& request) override;
  // cases::FamilyLinks, the same as GET, POST and DELETE /v1/cases/{id}/family-link.
  std::optional<FamilyLinkView> family_link(const std::string& case_id) override;
  FamilyLinkMade make_family_link(const std::string& case_id, const std::string& by) override;
  ActionOutcome revoke_family_link(const std::string& case_id, const std::string& by,
                                   std::string& revoked) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// An agreement of a case of `region` as the web service shows it (the
// partner's name from `chain`); the year replay uses it too.
AgreementView agreement_view(const std::string& case_id, const std::string& region,
                             const cases::Agreement& a, const cases::ChainConfig& chain);

}  // namespace piket::web
