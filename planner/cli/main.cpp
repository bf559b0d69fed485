// piket-plan: the capacity planner (docs/planning.md). Wiring only: the logic
// is in piket_planner (scenario, world, simulation, summary, sweep, report,
// training schedule and player).

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "piket/cases/engine.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/planner/report.hpp"
#include "piket/planner/scenario.hpp"
#include "piket/planner/simulation.hpp"
#include "piket/planner/sweep.hpp"
#include "piket/planner/trainer.hpp"
#include "piket/planner/web_training_stack.hpp"
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
  train SCENARIO --stack-config PIKET_TOML
                    training mode: plays the scenario's incidents into a running
                    deployment on a simulated clock (the partner and the
                    casemanagers); the team lead practises on the real board

options:
  --seed N          instead of the scenario's seed (run, train)
  --from N --to N   team sizes of the sweep (default 2..12)
  --seeds N         runs per team size (default 10)
  --target SHARE    share of plans in time the sweep looks for (default 0.95)
  --per-group N     the sweep's rotas put one casemanager on call (and one as
                    backup) per N of the team (default 6, as in Venlo)
  --html FILE       also write a self-contained HTML report with charts
  --lang nl|en      the report's language (default nl)
  --uplot DIR       where uPlot.iife.min.js and uPlot.min.css are (default: the
                    build's web/node_modules/uplot/dist)

train options:
  --stack-config F  the running deployment's piket.toml ([clock] mode = "simulated")
  --speed N         simulated seconds per real second, 1..3600 (default 60)
  --until TIME      RFC 3339 end of the training in scenario time (default: a
                    day after the scenario's start; at most 31 days)
  --step-seconds N  the longest move of the clock at once, 1..3600 (default 60)
  --partner-token-file F, --admin-token-file F, --password-file F
                    the partner's and the admin's bearer tokens and the
                    casemanagers' web password (default: demo-partner.token,
                    demo-admin.token, demo-web.password beside the stack config,
                    as deploy/run makes them)

Exit 0: done. 2: bad arguments or a scenario, deployment or rota file with errors.
1: the deployment refused or could not be reached (train).
)";

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string read_file(const std::string& path, const std::string& hint) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Usage(path + ": cannot be read (" + hint + ")");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error(path + ": cannot be written");
}

// A token or password file: its first line.
std::string secret(const po::variables_map& vm, const char* option, const std::string& fallback,
                   const std::filesystem::path& beside) {
  const auto path = vm.count(option) ? vm[option].as<std::string>() : (beside / fallback).string();
  auto text = read_file(path, std::string("give --") + option);
  text = text.substr(0, text.find_first_of("\r\n"));
  if (text.empty()) throw Usage(path + ": empty");
  return text;
}

int train(const po::variables_map& vm, const planner::Scenario& scenario,
          piket::i18n::Language language) {
  if (!vm.count("stack-config"))
    throw Usage("train: give --stack-config (the deployment's piket.toml)");
  const std::filesystem::path file = vm["stack-config"].as<std::string>();
  piket::config::Config cfg;
  try {
    cfg = piket::config::load_config(file);
  } catch (const std::exception& e) {
    throw Usage(std::string("--stack-config: ") + e.what());
  }
  if (cfg.clock != piket::common::ClockMode::simulated)
    throw Usage(
        "--stack-config: the deployment runs on the real clock; train on one with "
        "[clock] mode = \"simulated\" (PIKET_CLOCK=simulated ./deploy/run)");
  if (!cfg.region(scenario.region))
    throw Usage("--stack-config: the scenario's region \"" + scenario.region +
                "\" is not a region of the deployment");
  const auto seed = vm.count("seed") ? vm["seed"].as<std::uint64_t>() : scenario.seed;
  auto until = scenario.start + std::chrono::days{1};
  if (vm.count("until")) {
    const auto t = piket::common::parse_rfc3339(vm["until"].as<std::string>());
    if (!t || *t <= scenario.start)
      throw Usage("--until: RFC 3339 with offset, after the scenario's start");
    until = *t;
  }
  until = std::min({until, scenario.end(), scenario.start + planner::kMaxTrainingSpan});
  const auto step = vm["step-seconds"].as<int>();
  if (step < 1 || step > 3600) throw Usage("--step-seconds: 1..3600");
  planner::TrainingOptions o;
  o.region = scenario.region;
  o.speed = vm["speed"].as<double>();
  if (!(o.speed >= planner::kMinSpeed && o.speed <= planner::kMaxSpeed))
    throw Usage("--speed: 1..3600");
  o.step = std::chrono::seconds{step};
  o.language = language;
  for (const auto& p : cfg.people)
    if (p.role == piket::rota::StaffRole::casemanager && !p.password_argon2.empty() &&
        std::find(p.regions.begin(), p.regions.end(), scenario.region) != p.regions.end())
      o.casemanagers.push_back(p.id);
  if (o.casemanagers.empty())
    throw Usage("--stack-config: no casemanager of the region can sign in to the web app");
  o.plan_on_open_case = [&cfg, &scenario](piket::common::IncidentKind k) {
    return cfg.deadline_policy(scenario.region, piket::common::to_string(k))
        .incident_clocks.value_or(piket::cases::default_incident_clocks(k))
        .plan;
  };
  const auto dir = file.parent_path();
  planner::WebTrainingStack stack({cfg.ingest.http, cfg.web.http,
                                   secret(vm, "partner-token-file", "demo-partner.token", dir),
                                   secret(vm, "admin-token-file", "demo-admin.token", dir),
                                   secret(vm, "password-file", "demo-web.password", dir)});
  const auto schedule = planner::training_schedule(scenario, seed, until);
  piket::common::SystemClock real;
  planner::train(
      schedule, scenario.start, until, o, stack, real,
      [](piket::common::Millis m) { std::this_thread::sleep_for(m); }, std::cout);
  return 0;
}

int run(const po::variables_map& vm) {
  const auto command = vm["command"].as<std::string>();
  if (command != "run" && command != "sweep" && command != "train")
    throw Usage("unknown command: " + command);
  const auto lang = piket::i18n::parse_language(vm["lang"].as<std::string>());
  if (!lang) throw Usage("--lang: nl or en");
  const auto scenario = planner::load_scenario(vm["scenario"].as<std::string>());
  if (command == "train") return train(vm, scenario, *lang);
  const auto world = planner::load_world(scenario);
  planner::ChartLibrary charts;
  const bool html = vm.count("html") != 0;
  if (html) {
    const auto dir = vm["uplot"].as<std::string>();
    const std::string hint = "run deploy/install-web-deps, or give --uplot";
    charts = {read_file(dir + "/uPlot.iife.min.js", hint), read_file(dir + "/uPlot.min.css", hint)};
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
      "uplot", po::value<std::string>()->default_value(PIKET_UPLOT_DIR))(
      "stack-config", po::value<std::string>())("speed", po::value<double>()->default_value(60))(
      "until", po::value<std::string>())("step-seconds", po::value<int>()->default_value(60))(
      "partner-token-file", po::value<std::string>())("admin-token-file", po::value<std::string>())(
      "password-file", po::value<std::string>())("help,h", "");
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
  } catch (const planner::TrainingError& e) {
    std::cerr << "piket-plan: the deployment: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "piket-plan: " << e.what() << "\n";
    return 1;
  }
}
