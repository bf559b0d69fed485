// piket-plan: the capacity planner (docs/planning.md). Wiring only: the logic
// is in piket_planner (scenario, world, simulation, summary, sweep, report).

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "piket/planner/report.hpp"
#include "piket/planner/scenario.hpp"
#include "piket/planner/simulation.hpp"
#include "piket/planner/sweep.hpp"
#include "piket/planner/world.hpp"

namespace po = boost::program_options;
namespace planner = piket::planner;

namespace {

constexpr const char* kUsage = R"(usage: piket-plan COMMAND SCENARIO [options]

Runs a planning scenario (TOML, docs/planning.md) on the real rota selection,
escalation policy and deadline engine, in simulated time.

commands:
  run SCENARIO      one simulated period: the figures a team lead reads
  sweep SCENARIO    the same scenario with --from..--to casemanagers on a fair
                    rota, --seeds runs each: how many for --target of plans in time

options:
  --seed N          instead of the scenario's seed (run)
  --from N --to N   team sizes of the sweep (default 2..12)
  --seeds N         runs per team size (default 10)
  --target SHARE    share of plans in time the sweep looks for (default 0.95)
  --per-group N     the sweep's rotas put one casemanager on call (and one as
                    backup) per N of the team (default 6, as in Venlo)
  --html FILE       also write a self-contained HTML report with charts
  --lang nl|en      the report's language (default nl)
  --uplot DIR       where uPlot.iife.min.js and uPlot.min.css are (default: the
                    build's web/node_modules/uplot/dist)

Exit 0: done. 2: bad arguments or a scenario, deployment or rota file with errors.
)";

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Usage(path + ": cannot be read (run deploy/install-web-deps, or give --uplot)");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error(path + ": cannot be written");
}

int run(const po::variables_map& vm) {
  const auto command = vm["command"].as<std::string>();
  if (command != "run" && command != "sweep") throw Usage("unknown command: " + command);
  const auto lang = piket::i18n::parse_language(vm["lang"].as<std::string>());
  if (!lang) throw Usage("--lang: nl or en");
  const auto scenario = planner::load_scenario(vm["scenario"].as<std::string>());
  const auto world = planner::load_world(scenario);
  planner::ChartLibrary charts;
  const bool html = vm.count("html") != 0;
  if (html) {
    const auto dir = vm["uplot"].as<std::string>();
    charts = {read_file(dir + "/uPlot.iife.min.js"), read_file(dir + "/uPlot.min.css")};
  }
  if (command == "run") {
    const auto seed = vm.count("seed") ? vm["seed"].as<std::uint64_t>() : scenario.seed;
    const auto result = planner::simulate(scenario, world, seed);
    std::cout << planner::text_report(result, *lang);
    if (html)
      write_file(vm["html"].as<std::string>(),
                 planner::html_report(&result, nullptr, charts, *lang));
    return 0;
  }
  const int from = vm["from"].as<int>(), to = vm["to"].as<int>(), seeds = vm["seeds"].as<int>();
  const double target = vm["target"].as<double>();
  const int per_group = vm["per-group"].as<int>();
  if (per_group < 1 || per_group > 100) throw Usage("--per-group: 1..100");
  if (from < 1 || to < from || to > 200) throw Usage("--from/--to: 1 <= from <= to <= 200");
  if (seeds < 1 || seeds > 1000) throw Usage("--seeds: 1..1000");
  if (!(target > 0 && target <= 1)) throw Usage("--target: a share in (0, 1]");
  const auto result = planner::sweep(scenario, world, from, to, seeds, target, per_group);
  std::cout << planner::text_sweep(result, *lang);
  if (html)
    write_file(vm["html"].as<std::string>(), planner::html_report(nullptr, &result, charts, *lang));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts;
  opts.add_options()("command", po::value<std::string>())("scenario", po::value<std::string>())(
      "seed", po::value<std::uint64_t>())("from", po::value<int>()->default_value(2))(
      "to", po::value<int>()->default_value(12))("seeds", po::value<int>()->default_value(10))(
      "target", po::value<double>()->default_value(0.95))(
      "per-group", po::value<int>()->default_value(6))("html", po::value<std::string>())(
      "lang", po::value<std::string>()->default_value("nl"))(
      "uplot", po::value<std::string>()->default_value(PIKET_UPLOT_DIR))("help,h", "");
  po::positional_options_description pos;
  pos.add("command", 1).add("scenario", 1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
    po::notify(vm);
    if (vm.count("help") || !vm.count("command") || !vm.count("scenario")) {
      std::cout << kUsage;
      return vm.count("help") ? 0 : 2;
    }
    return run(vm);
  } catch (const Usage& e) {
    std::cerr << "piket-plan: " << e.what() << "\n" << kUsage;
    return 2;
  } catch (const planner::ScenarioError& e) {
    std::cerr << "piket-plan: " << e.what() << "\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << "piket-plan: " << e.what() << "\n" << kUsage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "piket-plan: " << e.what() << "\n";
    return 1;
  }
}
