#pragma once
// The whole deployment file, assembled from its owners' sections
// (docs/configuration.md, "Who parses what"): the shared part is common's,
// regions and people the rota's, every other section its service's. This
// library is the only place that knows them all; common knows none.
// A service's main() loads the whole file (so a mistake anywhere stops every
// service, as one file should) and hands each part its own section.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "piket/cases/cases_config.hpp"
#include "piket/cases/chain_config.hpp"
#include "piket/common/bearer_auth.hpp"
#include "piket/common/channels.hpp"
#include "piket/common/config.hpp"
#include "piket/common/service_main.hpp"
#include "piket/dispatch/dispatch_config.hpp"
#include "piket/dispatch/family_config.hpp"
#include "piket/inbound/inbound_config.hpp"
#include "piket/ingest/ingest_config.hpp"
#include "piket/notify/notify_config.hpp"
#include "piket/paging/escalation_config.hpp"
#include "piket/rota/directory.hpp"
#include "piket/rota/rota_config.hpp"
#include "piket/web/web_config.hpp"

namespace piket::config {

// The shared part (redis, log, clock, …) and the directory (regions, people)
// are bases, so `cfg.redis` and `cfg.people` read as before and `cfg` passes
// where only one of them is wanted.
struct Config : common::SharedConfig, rota::Directory {
  ingest::IngestConfig ingest;
  dispatch::DispatchConfig dispatch;
  notify::NotifyConfig notify;
  inbound::InboundConfig inbound;
  web::WebConfig web;
  notify::KannelConfig kannel;
  std::optional<notify::SmtpConfig> smtp;  // absent: no e-mail channel
  cases::CasesConfig cases;
  rota::CaseloadConfig caseload;
  cases::DeadlinesConfig deadlines;
  std::vector<ingest::PartnerConfig> partners;
  std::vector<ingest::AdminConfig> admins;
  rota::RotaFileConfig rota;  // required: every deployment has a rota file
  // Always in force: paging alone escalates an unacknowledged page. Without
  // an [escalation] section, paging::builtin_policy() (the team lead after
  // 15 minutes, once).
  paging::EscalationConfig escalation;
  // [[chain_partners]] and [agreements] (issue 16): whom a case's agreements name.
  cases::ChainConfig chain;
  // [family]: when a family's unacknowledged message goes to the team lead (issue 18).
  dispatch::FamilyPolicy family;

  // The most specific deadline policy for (region, incident kind).
  const cases::DeadlinePolicy& deadline_policy(std::string_view region,
                                               std::string_view kind) const {
    return deadlines.policy(region, kind);
  }
  // Every bearer token of the file: partners, admins, then people with one.
  std::vector<common::TokenHolder> bearer_tokens() const;
  // The endpoints the receiving services bind ([dispatch] zmq, [notify] zmq).
  common::ZmqEndpoints zmq_endpoints() const;
  // How long a page's reply code stays valid: the longest escalation run
  // (of any region's policy) plus the grace.
  common::Millis reply_code_window() const;
};

Config parse_config(std::string_view text, const std::string& file_name);
Config load_config(const std::filesystem::path& file);

// The secrets of `service` (common::load_service_secrets with Kannel's).
void load_secrets(Config& config, std::string_view service);

// common::service_main with the whole file: loads it and the service's
// secrets, then calls `run` with both.
int service_main(const std::string& name, int argc, char** argv,
                 const std::function<void(common::ServiceContext&, const Config&)>& run);

// The messaging options (common/channels.hpp) with the file's endpoints.
const std::string& receiver_endpoint(const Config& config, std::string_view service);
common::OutboxSenderOptions outbox_sender_options(const Config& config, std::string_view service,
                                                  std::string_view channel);
common::InboxReceiverOptions inbox_receiver_options(const Config& config, std::string_view service,
                                                    int workers);

}  // namespace piket::config
