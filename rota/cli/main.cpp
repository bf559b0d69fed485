// piket-rota: check a rota file and ask it questions. Wiring only: the logic
// is in piket_rota (rota_file, rota, coverage, fairness, ical, report).

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>

#include "piket/config/config.hpp"
#include "piket/rota/coverage.hpp"
#include "piket/rota/fairness.hpp"
#include "piket/rota/ical.hpp"
#include "piket/rota/report.hpp"
#include "piket/rota/rota.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/rota/wall_clock.hpp"

namespace po = boost::program_options;
using piket::common::Instant;
namespace rota = piket::rota;

namespace {

constexpr const char* kUsage = R"(usage: piket-rota COMMAND ROTA_FILE --people CONFIG [options]

Reads the deployment config (CONFIG, for its people and regions) and the rota
file, and answers in Amsterdam wall-clock time.

commands:
  check FILE [--weeks N] [--from TIME] [--allow-gaps]
        validate the file; list coverage gaps in the next N weeks (default 2).
        Exit 0: valid, no gaps. 1: gaps (0 with --allow-gaps). 2: invalid.
  who FILE [--at TIME]                  who is on call in every layer (default: now)
  gaps FILE --from TIME --to TIME       coverage gaps per layer
  fairness FILE --from TIME --to TIME   hours on call, night, weekend, holiday per person
  export-ics FILE (--person ID | --layer NAME [--region ID]) [--from TIME] [--to TIME] [--out FILE]
        iCalendar (RFC 5545); default range: 7 days back to 365 days ahead

common options:
  --people CONFIG   the deployment config (piket.toml); required
  --rota FILE       the rota file (instead of the positional FILE)
  --region ID       only this region (default: all of the deployment's)

TIME: RFC 3339 with offset (2026-03-29T01:30:00Z), Amsterdam wall-clock time
(2026-03-29T08:00 or "2026-03-29 08:00"), or an Amsterdam date (2026-03-29).
)";

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Instant time_arg(const po::variables_map& vm, const char* name, Instant fallback) {
  if (!vm.count(name)) return fallback;
  const auto& text = vm[name].as<std::string>();
  auto t = rota::parse_time(text);
  if (!t) throw Usage(std::string("--") + name + ": not a time: " + text);
  return *t;
}

Instant required_time(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) throw Usage(std::string("--") + name + " is required");
  return time_arg(vm, name, Instant{});
}

int run(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  po::options_description opts;
  opts.add_options()("help,h", "")("rota", po::value<std::string>(), "")(
      "people", po::value<std::string>(), "")("region", po::value<std::string>(), "")(
      "weeks", po::value<int>(), "")("from", po::value<std::string>(), "")(
      "to", po::value<std::string>(), "")("at", po::value<std::string>(), "")(
      "person", po::value<std::string>(), "")("layer", po::value<std::string>(), "")(
      "out", po::value<std::string>(), "")("allow-gaps", "");
  po::positional_options_description positional;
  positional.add("rota", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc - 1, argv + 1).options(opts).positional(positional).run(),
            vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << kUsage;
    return 0;
  }
  if (command != "check" && command != "who" && command != "gaps" && command != "fairness" &&
      command != "export-ics")
    throw Usage("unknown command " + command);
  if (!vm.count("rota")) throw Usage("the rota file is missing");
  if (!vm.count("people")) throw Usage("--people CONFIG is required");

  rota::check_time_zone_data();
  const auto config = piket::config::load_config(vm["people"].as<std::string>());
  auto definition = rota::load_rota_file(vm["rota"].as<std::string>(), config.people);
  std::vector<std::string> regions;
  for (const auto& r : config.regions) regions.push_back(r.id);
  if (vm.count("region")) {
    const auto& only = vm["region"].as<std::string>();
    if (!config.region(only)) throw Usage("unknown region " + only);
    regions = {only};
  }

  piket::common::SystemClock clock;
  const Instant now = clock.now();
  const auto day = std::chrono::hours{24};

  if (command == "check") {
    const int weeks = vm.count("weeks") ? vm["weeks"].as<int>() : 2;
    if (weeks < 1 || weeks > 520) throw Usage("--weeks must be 1-520");
    const Instant from = time_arg(vm, "from", now);
    const rota::TimeRange range{from, from + day * 7 * weeks};
    std::size_t rotations = 0;
    for (const auto& r : definition.regions)
      for (const auto& l : r.layers) rotations += l.rotations.size();
    const auto overrides = definition.overrides.size();
    const rota::Rota rota(std::move(definition), {}, range);
    const auto found = rota::coverage_gaps(rota, regions, range);
    std::cout << vm["rota"].as<std::string>() << ": valid (" << rotations << " rotations, "
              << overrides << " overrides)\n"
              << "coverage " << rota::format_local(range.start) << " -> "
              << rota::format_local(range.end) << ":\n"
              << rota::render_gaps(found);
    return found.empty() || vm.count("allow-gaps") ? 0 : 1;
  }
  if (command == "who") {
    const Instant at = time_arg(vm, "at", now);
    const rota::Rota rota(std::move(definition), {}, {at - day, at + day * 61});
    std::cout << rota::render_on_call(rota, regions, at);
    return 0;
  }
  if (command == "gaps" || command == "fairness") {
    const rota::TimeRange range{required_time(vm, "from"), required_time(vm, "to")};
    if (range.empty()) throw Usage("--to must be after --from");
    const rota::Rota rota(std::move(definition), {}, range);
    if (command == "gaps") {
      std::cout << rota::render_gaps(rota::coverage_gaps(rota, regions, range));
    } else {
      auto rows = rota::fairness(rota, range);
      std::erase_if(rows, [&](const rota::FairnessRow& r) {
        return std::find(regions.begin(), regions.end(), r.region) == regions.end();
      });
      std::cout << rota::render_fairness(rows);
    }
    return 0;
  }
  // export-ics
  const rota::TimeRange range{time_arg(vm, "from", now - day * 7),
                              time_arg(vm, "to", now + day * 365)};
  if (range.empty()) throw Usage("--to must be after --from");
  if (vm.count("person") == vm.count("layer")) throw Usage("give exactly one of --person, --layer");
  const rota::Rota rota(std::move(definition), {}, {range.start - day * 32, range.end + day * 32});
  std::string text;
  if (vm.count("person")) {
    const auto& person = vm["person"].as<std::string>();
    if (!config.person(person)) throw Usage("unknown person " + person);
    text = rota::ical_for_person(rota, person, range, now);
  } else {
    if (regions.size() != 1) throw Usage("--layer needs --region (the deployment has several)");
    const auto& layer = vm["layer"].as<std::string>();
    if (!rota.has_layer(layer, regions.front()))
      throw Usage("region " + regions.front() + " has no layer " + layer);
    text = rota::ical_for_layer(rota, layer, regions.front(), range, now);
  }
  if (vm.count("out")) {
    std::ofstream out(vm["out"].as<std::string>(), std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + vm["out"].as<std::string>());
  } else {
    std::cout << text;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Usage& e) {
    std::cerr << "piket-rota: " << e.what() << "\n(piket-rota --help for usage)\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << "piket-rota: " << e.what() << "\n(piket-rota --help for usage)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "piket-rota: " << e.what() << "\n";
    return 2;
  }
}
