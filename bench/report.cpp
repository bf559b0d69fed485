#include "report.hpp"

#include <cstdio>

namespace piket::bench {
namespace {

std::string fixed(double v, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string line(const std::string& what, const Percentiles& p) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "  %-20s p50 %9.2f  p90 %9.2f  p99 %9.2f  max %9.2f  (n %zu)\n",
                what.c_str(), p.p50, p.p90, p.p99, p.max, p.n);
  return buf;
}

std::string mib(long kib) {
  return kib < 0 ? "-" : fixed(static_cast<double>(kib) / 1024.0, 1);
}

std::string table_row(const std::string& what, const std::string& a, const std::string& b,
                      const std::string& r) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "  %-36s %12s %14s %8s\n", what.c_str(), a.c_str(), b.c_str(),
                r.c_str());
  return buf;
}

}  // namespace

std::string run_text(const RunResult& r) {
  const std::string status = std::to_string(r.accepted_status);
  std::string out = r.system + " at " + fixed(r.rate) + "/s for " + fixed(r.seconds, 1) +
                    " s: posted " + std::to_string(r.posted) + ", accepted (" + status + ") " +
                    std::to_string(r.accepted) + ", at the " + r.delivery + " " +
                    std::to_string(r.delivered) + ", lost " + std::to_string(r.lost) +
                    " (accepted, not at the " + r.delivery + " " + fixed(r.grace, 0) +
                    " s after the last answer)\n";
  if (!r.lost_keys.empty()) {
    out += "  LOST (first " + std::to_string(r.lost_keys.size()) + ", look for them in the logs):";
    for (const auto& k : r.lost_keys) out += " " + k;
    out += "\n";
  }
  out += line("post->" + r.delivery + " ms", r.end_to_end);
  out += line("POST->" + status + " ms", r.answer);
  out += line(status + "->" + r.delivery + " ms", r.after_answer);
  out += "  throughput: posted " + fixed(r.posted_rate, 1) + "/s, at the " + r.delivery + " " +
         fixed(r.delivered_rate, 1) + "/s (first post -> last arrival), " +
         std::to_string(r.delivery_requests) + " requests at the " + r.delivery + "\n";
  std::string verdict = "on schedule";
  if (r.waited * 100 > r.posted)
    verdict =
        "BEHIND its schedule: every connection was waiting for an answer (the system "
        "answered slower than the rate; figures understate the load)";
  else if (r.behind())
    verdict =
        "BEHIND its schedule: posts went out late (the cores were busy; figures "
        "understate the load)";
  out += "  harness: " + verdict + " (lag ms p50 " + fixed(r.lag.p50) + " p99 " + fixed(r.lag.p99) +
         " max " + fixed(r.lag.max) + "; " + std::to_string(r.waited) +
         " posts waited for a free connection; " + std::to_string(r.connections) +
         " connections at the end)\n";
  return out;
}

std::string ratio(double peer, double piket) {
  if (piket <= 0 || peer < 0) return "n/a";
  return fixed(peer / piket);
}

std::string side_by_side(const SystemFigures& piket, const SystemFigures& peer) {
  const auto& a = piket.run;
  const auto& b = peer.run;
  std::string out = "side by side at " + fixed(a.rate, 0) + "/s for " + fixed(a.seconds, 1) +
                    " s, one after the other on the same harness (ratio = " + b.system + " / " +
                    a.system + "; end to end = post sent -> " + a.delivery + " / " + b.delivery +
                    ")\n";
  out += table_row("", a.system, b.system, "ratio");
  auto ms = [&](const char* what, double x, double y) {
    out += table_row(std::string("end to end ") + what + " ms", fixed(x), fixed(y), ratio(y, x));
  };
  ms("p50", a.end_to_end.p50, b.end_to_end.p50);
  ms("p99", a.end_to_end.p99, b.end_to_end.p99);
  ms("max", a.end_to_end.max, b.end_to_end.max);
  out += table_row("throughput delivered /s", fixed(a.delivered_rate, 1),
                   fixed(b.delivered_rate, 1), ratio(b.delivered_rate, a.delivered_rate));
  out += table_row("lost (of accepted)", std::to_string(a.lost) + "/" + std::to_string(a.accepted),
                   std::to_string(b.lost) + "/" + std::to_string(b.accepted),
                   ratio(static_cast<double>(b.lost), static_cast<double>(a.lost)));
  auto rss = [&](const char* what, long x, long y) {
    out +=
        table_row(what, mib(x), mib(y),
                  x < 0 || y < 0 ? "n/a" : ratio(static_cast<double>(y), static_cast<double>(x)));
  };
  rss("RSS under load MiB (services)", piket.rss_load_kib, peer.rss_load_kib);
  rss("RSS after MiB (services)", piket.rss_after_kib, peer.rss_after_kib);
  out += table_row(
      "CPU % of a core (services)", piket.cpu_percent < 0 ? "-" : fixed(piket.cpu_percent, 0),
      peer.cpu_percent < 0 ? "-" : fixed(peer.cpu_percent, 0),
      piket.cpu_percent < 0 || peer.cpu_percent < 0 ? "n/a"
                                                    : ratio(peer.cpu_percent, piket.cpu_percent));
  if (piket.apart_load_kib >= 0 || peer.apart_load_kib >= 0) {
    out += table_row("Redis RSS under load MiB (apart)", mib(piket.apart_load_kib),
                     mib(peer.apart_load_kib), "");
    out += table_row("Redis RSS after MiB (apart)", mib(piket.apart_after_kib),
                     mib(peer.apart_after_kib), "");
    out +=
        table_row("Redis CPU % of a core (apart)",
                  piket.apart_cpu_percent < 0 ? "-" : fixed(piket.apart_cpu_percent, 0), "-", "");
  }
  if (a.behind() || b.behind())
    out += "  note: the harness fell behind its schedule in " +
           std::string(a.behind() && b.behind() ? "both runs"
                       : a.behind()             ? "piket's run"
                                                : b.system + "'s run") +
           "\n";
  return out;
}

}  // namespace piket::bench
