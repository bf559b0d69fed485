// Administration: the deployment at a glance, and the audit chain's check.
#include "piket/web/access_policy.hpp"
#include "piket/web/audit_chain.hpp"
#include "web_api_handlers.hpp"

namespace piket::web::api {

HttpResponse admin_overview(WebContext& w, Request& r) {
  const auto& d = w.d;
  if (auto dec = may_administer(*r.who); !dec)
    return refuse(w, r, 403, "forbidden", "admins only", "admin", dec.reason);
  json::array people;
  for (const auto& p : d.directory.people)
    people.push_back(json::object{{"id", p.id},
                                  {"name", p.display_name},
                                  {"role", to_string(role_of(p.role))},
                                  {"regions", json::array(p.regions.begin(), p.regions.end())},
                                  {"can_sign_in", !p.password_argon2.empty()}});
  json::array deployment;
  auto kv = [&](const std::string& k, const std::string& v) {
    deployment.push_back(json::array{json::value(k), json::value(v)});
  };
  kv("name", d.shared.deployment);
  kv("clock", d.shared.clock == common::ClockMode::simulated ? "simulated" : "system");
  std::string regions;
  for (const auto& region : d.directory.regions) regions += (regions.empty() ? "" : ", ") + region.id;
  kv("regions", regions);
  kv("people", std::to_string(d.directory.people.size()));
  kv("partners", std::to_string(d.partners));
  kv("open live streams", std::to_string(d.hub.size()));
  auto lease = d.redis.lease();
  const auto entries = lease->command({"LLEN", std::string(store::kAuditLog)}).integer;
  allowed(w, r, "admin", "overview");
  return json_response(json::object{{"deployment", deployment},
                                    {"people", people},
                                    {"audit", json::object{{"entries", entries}}},
                                    {"now", ms(d.domain_clock.now())}});
}

HttpResponse audit_verify(WebContext& w, Request& r) {
  if (auto dec = may_administer(*r.who); !dec)
    return refuse(w, r, 403, "forbidden", "admins only", "audit", dec.reason);
  ChainVerifier v;
  {
    auto lease = w.d.redis.lease();
    v = verify_audit_log(*lease);
  }
  allowed(w, r, "audit", v.ok() ? "intact" : "broken");
  json::object o{{"ok", v.ok()}, {"entries", v.entries()}};
  if (!v.ok()) {
    o["first_broken"] = *v.first_broken();
    o["reason"] = v.reason();
  }
  return json_response(o);
}

}  // namespace piket::web::api
