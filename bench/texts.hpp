#pragma once
// What piket-bench reads in the texts it receives: the case codes in the SMS that notify sends
// to the gateway (Kannel's sendsms), the case code in ingest's 201 answer, and the bench ids in
// Alertmanager's webhook calls. Pure functions, tested in tests/bench.

#include <string>
#include <string_view>
#include <vector>

namespace piket::bench {

struct PageInText {
  std::string case_code;  // "C12345678"
  bool escalation = false;
  friend bool operator==(const PageInText&, const PageInText&) = default;
};

// The case codes an SMS carries, each with whether its page is an escalation: one for a single
// page ("… zaak C12345678 …", an escalation starts "piket OPGESCHAALD "), one per line for a
// bundle ("piket 3 oproepen: 123456 OPGESCHAALD CODE ROOD C12345678; …", docs/paging.md
// "Bundling"). The texts are Dutch: the bench's deployment speaks the default language
// (i18n/nl/piket.po). Pages left for the next SMS are not in it.
std::vector<PageInText> pages_in(std::string_view text);

// The same for a sendsms request's query string: its `text` parameter, URL-decoded. Empty when
// there is none or the query does not parse.
std::vector<PageInText> pages_in_sendsms_query(std::string_view query);

// The case code in ingest's answer to an incident ({"incident_id":…,"case_id":"C12345678",…});
// empty when there is none.
std::string case_id_in_answer(std::string_view body);

// The label that makes each alert the bench posts to Alertmanager unique.
inline constexpr std::string_view kBenchLabel = "bench_id";

// Every value of the label bench_id in an Alertmanager webhook body, once each in order of
// first appearance (the label is in the alert's labels and again in groupLabels and
// commonLabels). Reads the JSON as text: Alertmanager writes it compactly
// ("bench_id":"am-1-7"), and the bench's ids need no escaping.
std::vector<std::string> bench_ids_in_webhook(std::string_view body);

}  // namespace piket::bench
