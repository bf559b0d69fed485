#include "piket/config/config.hpp"

#include "piket/common/secrets.hpp"
#include "piket/common/toml_reader.hpp"
#include "piket/paging/reply_code.hpp"

namespace piket::config {

Config parse_config(std::string_view text, const std::string& file_name) {
  Config c;
  // "rotas" stays a known section so that parse_rota_file_config can refuse
  // the old simple rota with a pointer to the rota file.
  common::parse_config_file(
      text, file_name,
      {"deployment", "clock",     "redis",      "log",     "ingest",   "dispatch",
       "notify",     "inbound",   "web",        "kannel",  "outbox",   "regions",
       "partners",   "admins",    "people",     "rotas",   "rota",     "smtp",
       "cases",      "deadlines", "escalation", "secrets", "caseload", "chain_partners",
       "agreements", "family"},
      [&c](common::TomlReader& r) {
        // In the order of the file's documentation, so the errors come in it too.
        common::parse_shared(r, c);
        c.ingest = ingest::parse_ingest(r);
        c.dispatch = dispatch::parse_dispatch(r);
        c.notify = notify::parse_notify(r);
        c.inbound = inbound::parse_inbound(r);
        c.web = web::parse_web(r);
        c.kannel = notify::parse_kannel(r);
        c.smtp = notify::parse_smtp(r);
        c.outbox = common::parse_outbox(r);
        c.rota = rota::parse_rota_file_config(r);
        c.regions = rota::parse_regions(r);
        const auto region_ids = c.region_ids();
        c.partners = ingest::parse_partners(r, region_ids, c.ingest);
        c.admins = ingest::parse_admins(r);
        c.people = rota::parse_people(r, c.regions, c.smtp.has_value());
        c.deployment_language = c.language;  // [deployment] language, for language_of()
        c.cases = cases::parse_cases(r);
        c.caseload = rota::parse_caseload(r);
        c.deadlines = cases::parse_deadlines(r, region_ids);
        c.escalation = paging::parse_escalation(r, region_ids);
        c.chain = cases::parse_chain(r, region_ids);
        c.family = dispatch::parse_family(r);
      });
  return c;
}

Config load_config(const std::filesystem::path& file) {
  return parse_config(common::read_config_file(file), file.string());
}

void load_secrets(Config& config, std::string_view service) {
  common::load_service_secrets(config, service, [&config](const common::SecretStore& store) {
    notify::load_kannel_secrets(config.kannel, store);
  });
}

int service_main(const std::string& name, int argc, char** argv,
                 const std::function<void(common::ServiceContext&, const Config&)>& run) {
  Config config;
  return common::service_main(
      name, argc, argv,
      [&](const std::filesystem::path& file) -> const common::SharedConfig& {
        config = load_config(file);
        load_secrets(config, name);
        return config;
      },
      [&](common::ServiceContext& ctx) { run(ctx, config); });
}

std::vector<common::TokenHolder> Config::bearer_tokens() const {
  using common::Caller;
  std::vector<common::TokenHolder> out;
  for (const auto& p : partners)
    out.push_back({p.token_sha256,
                   Caller{Caller::Kind::partner, p.id, {p.regions.begin(), p.regions.end()}}});
  for (const auto& a : admins)
    out.push_back({a.token_sha256, Caller{Caller::Kind::admin, a.id, {}}});
  for (const auto& p : people) {
    if (p.token_sha256.empty()) continue;
    const auto kind =
        p.role == rota::StaffRole::team_lead ? Caller::Kind::team_lead : Caller::Kind::casemanager;
    out.push_back({p.token_sha256, Caller{kind, p.id, {p.regions.begin(), p.regions.end()}}});
  }
  return out;
}

common::ZmqEndpoints Config::zmq_endpoints() const {
  return {{"dispatch", {dispatch.zmq_bind, dispatch.zmq_peers}},
          {"notify", {notify.zmq_bind, notify.zmq_peers}}};
}

common::Millis Config::reply_code_window() const {
  return paging::reply_code_window(escalation.longest_run());
}

const std::string& receiver_endpoint(const Config& config, std::string_view service) {
  if (service == "dispatch") return config.dispatch.zmq_bind;
  if (service == "notify") return config.notify.zmq_bind;
  return common::receiver_endpoint(common::ZmqEndpoints{}, service);  // throws
}

common::OutboxSenderOptions outbox_sender_options(const Config& config, std::string_view service,
                                                  std::string_view channel) {
  return common::outbox_sender_options(config, config.zmq_endpoints(), service, channel);
}

common::InboxReceiverOptions inbox_receiver_options(const Config& config, std::string_view service,
                                                    int workers) {
  return common::inbox_receiver_options(config, config.zmq_endpoints(), service, workers);
}

}  // namespace piket::config
