// Two instances of the deadline engine on one real redis-server (label `redis`;
// docs/availability.md, "Two instances of every service"). Each DeadlineShell has its own case
// store (its own connections, Redis user "cases"); both run their rounds at the same moment,
// again and again as the shared clock moves, over many cases. Every step is taken exactly once
// (one timeline entry, one page): cases_fire.lua writes a step only at the case's version it was
// decided from (the timeline's length) and never twice (case:{id}:fired), so the slower instance
// gets `stale` or `duplicate` and writes nothing. An instance that dies mid-round holds no claim:
// what it read is still due and is taken by the other instance, once; what it wrote (a step and
// its page) is whole and in notify's outbox. (The two-instance replay of a year is
// year_replay_test.cpp.)
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "instances.hpp"
#include "piket/paging/page_script.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "redis_fixture.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int kCases = 40;

class DeadlineInstancesTest : public test::CasesRedisTest {
 protected:
  void SetUp() override {
    CasesRedisTest::SetUp();
    for (int i = 0; i < 2; ++i) {
      stores_.push_back(std::make_unique<RedisCaseStore>(redis_->config_as("cases")));
      // Small rounds: each run_due() is many rounds, so the two instances interleave.
      ShellOptions options;
      options.batch = 4;
      shells_.push_back(std::make_unique<DeadlineShell>(*stores_.back(), rules_, clock_, transport_,
                                                        options, nullptr));
      shells_.back()->set_observer([this, i](const Fired& f) {
        std::lock_guard lock(mutex_);
        fired_.push_back(f);
        ++taken_by_[static_cast<std::size_t>(i)];
      });
    }
  }

  std::vector<std::string> open_cases() {
    std::vector<std::string> out;
    for (int n = 0; n < kCases; ++n) {
      // Half acknowledged at once, half never: their clocks differ.
      const auto at = t0_ + std::chrono::minutes{n};
      std::optional<common::Instant> ack;
      if (n % 2 == 0) ack = at + 2min;
      out.push_back(open_case("REF-" + std::to_string(n), at, ack).case_id);
    }
    return out;
  }
  // Both instances run their rounds at once, at every step of the clock up to `until`.
  void race_until(common::Instant until, common::Millis step) {
    while (clock_.now() < until) {
      clock_.set(std::min(until, clock_.now() + step));
      piket::test::race(2, [&](int i) { shells_[static_cast<std::size_t>(i)]->run_due(); });
    }
  }
  // The deadline_fired entries of a case's timeline, by step key.
  std::map<std::string, int> fired_entries(const std::string& case_id) {
    std::map<std::string, int> out;
    for (const auto& e : store_->timeline(case_id)) {
      const auto o = json::parse(e).as_object();
      if (o.at("type").as_string() == "deadline_fired") ++out[std::string(o.at("key").as_string())];
    }
    return out;
  }
  // Pages the engine created, by (case, step key).
  std::map<std::string, int> deadline_pages() {
    std::map<std::string, int> out;
    for (const auto& k : conn_.command({"KEYS", store::page_key("*")}).elements) {
      if (k.str.size() != 22) continue;  // page:{id} only
      const auto f = conn_.command({"HMGET", k.str, "case", "step", "rule"});
      if (f.elements[2].str.rfind("deadline:", 0) == 0)
        ++out[f.elements[0].str + "/" + f.elements[1].str];
    }
    return out;
  }

  std::vector<std::unique_ptr<RedisCaseStore>> stores_;
  std::vector<std::unique_ptr<DeadlineShell>> shells_;
  std::mutex mutex_;
  std::vector<Fired> fired_;
  std::vector<int> taken_by_ = std::vector<int>(2);  // steps taken per instance
};

TEST_F(DeadlineInstancesTest, TwoInstancesRacingOverManyCasesTakeEveryStepExactlyOnce) {
  const auto cases = open_cases();
  race_until(t0_ + 30h, 20min);
  ASSERT_FALSE(fired_.empty());
  std::map<std::string, int> taken;  // case/key -> how often an instance took it
  for (const auto& f : fired_) ++taken[f.case_id + "/" + f.key];
  const auto pages = deadline_pages();
  std::size_t entries = 0;
  for (const auto& c : cases) {
    const auto entries_of_case = fired_entries(c);
    EXPECT_FALSE(entries_of_case.empty()) << c;
    for (const auto& [key, n] : entries_of_case) {
      EXPECT_EQ(n, 1) << c << " " << key;
      EXPECT_EQ(taken[c + "/" + key], 1) << c << " " << key;
      ++entries;
    }
    // Every case had its plan clock's step at 8 h taken (by one instance or the other).
    EXPECT_EQ(std::count_if(entries_of_case.begin(), entries_of_case.end(),
                            [](const auto& e) {
                              return e.first.find("|plan|warn_8h|") != std::string::npos;
                            }),
              1)
        << c;
  }
  EXPECT_EQ(fired_.size(), entries) << "an instance reported a step it did not take";
  // Both instances took steps (the race is real, not one instance doing all).
  EXPECT_GT(taken_by_[0], 0);
  EXPECT_GT(taken_by_[1], 0);
  for (const auto& [step, n] : pages) EXPECT_EQ(n, 1) << step;
  std::size_t paged = 0;
  for (const auto& f : fired_) paged += !f.page_id.empty();
  EXPECT_EQ(pages.size(), paged);
}

// The same with the engine's own loops (DeadlineShell::start, a common::Periodic thread per
// instance polling every 10 ms of real time) running while the shared clock moves by an hour
// at a time.
TEST_F(DeadlineInstancesTest, BothInstancesLoopsRunningTakeEveryStepOnce) {
  const auto cases = open_cases();
  for (auto& shell : shells_) shell->start();
  for (int hour = 0; hour < 30; ++hour) {
    clock_.advance(1h);
    for (int n = 0; n < 500 && !stores_[0]->due_timers(clock_.now(), 1).empty(); ++n)
      std::this_thread::sleep_for(5ms);
  }
  std::this_thread::sleep_for(200ms);  // a late duplicate would show
  for (auto& shell : shells_) shell->stop();
  std::map<std::string, int> taken;
  {
    std::lock_guard lock(mutex_);
    for (const auto& f : fired_) ++taken[f.case_id + "/" + f.key];
  }
  std::size_t entries = 0;
  for (const auto& c : cases)
    for (const auto& [key, n] : fired_entries(c)) {
      EXPECT_EQ(n, 1) << c << " " << key;
      EXPECT_EQ(taken[c + "/" + key], 1) << c << " " << key;
      ++entries;
    }
  EXPECT_GT(entries, static_cast<std::size_t>(kCases));
  EXPECT_EQ(taken.size(), entries);
  for (const auto& [step, n] : deadline_pages()) EXPECT_EQ(n, 1) << step;
}

// An instance dies after a round's scripts, before it told notify (the callback throws): the
// steps and pages it wrote are whole, their messages wait in notify's outbox, and the other
// instance takes none of them again. An instance that dies after reading what is due (before
// any write) leaves it all due for the other.
TEST_F(DeadlineInstancesTest, AnInstanceThatDiesMidRoundLeavesNothingDoubledOrDropped) {
  const auto cases = open_cases();
  clock_.set(t0_ + 1h);
  shells_[0]->run_due();  // the resync timers: each case's clocks
  fired_.clear();
  clock_.set(t0_ + 9h);  // the plan warnings at 8 h are due
  const auto due_before = stores_[1]->due_timers(clock_.now(), 1000);
  ASSERT_FALSE(due_before.empty());
  // Dies after reading (nothing written): all still due.
  EXPECT_EQ(stores_[1]->due_timers(clock_.now(), 1000).size(), due_before.size());
  {
    RedisCaseStore store(redis_->config_as("cases"));
    DeadlineShell dying(store, rules_, clock_, transport_, ShellOptions{},
                        [](const std::string&, const std::string&) {
                          throw std::runtime_error("killed before waking notify");
                        });
    EXPECT_THROW(dying.run_due(), std::runtime_error);
  }
  const auto pages_after_death = deadline_pages();
  ASSERT_FALSE(pages_after_death.empty());
  const auto outbox = conn_.command({"ZCARD", store::outbox_due_key("notify")}).integer;
  EXPECT_GE(outbox, static_cast<long long>(pages_after_death.size()));

  race_until(t0_ + 9h + 1min, 1min);
  for (const auto& c : cases)
    for (const auto& [key, n] : fired_entries(c)) EXPECT_EQ(n, 1) << c << " " << key;
  for (const auto& [step, n] : deadline_pages()) EXPECT_EQ(n, 1) << step;
  // The other instance took what the dying one had not, and none of what it had.
  for (const auto& f : fired_)
    EXPECT_EQ(pages_after_death.count(f.case_id + "/" + f.key), 0u) << f.key;
  EXPECT_TRUE(stores_[0]->due_timers(clock_.now(), 1000).empty());
}

// A forced interleaving, 100 times over fresh cases: both instances decide the
// same step from the same state (each loads the case, at one version, before
// either writes; each makes its own page id and reply code, as instances do),
// and their firing scripts go to Redis at the same moment. One takes the step —
// its key, its one page, its one timeline entry — and the other gets `stale`
// (the timeline grew) or `duplicate` and writes nothing.
TEST_F(DeadlineInstancesTest, TheSameStepDecidedByBothFromOneStateIsTakenOnceHundredTimes) {
  constexpr int kRounds = 100;
  clock_.set(t0_ + 9h);  // a case opened at t0_ has steps due (first contact, plan at 8 h)
  std::map<WriteOutcome, int> outcomes;
  for (int n = 0; n < kRounds; ++n) {
    const auto c = open_case("FORCED-" + std::to_string(n), t0_).case_id;
    std::vector<CaseState> states;
    for (auto& store : stores_) states.push_back(*store->load(c));
    ASSERT_EQ(states[0].version, states[1].version);
    const auto ev = evaluate(states[0], rules_, clock_.now());
    ASSERT_FALSE(ev.actions.empty()) << c;
    const auto& step = ev.actions.front().step;
    std::vector<FireRequest> requests(2);
    for (std::size_t i = 0; i < 2; ++i) {
      auto& f = requests[i];
      f.case_id = c;
      f.version = states[i].version;
      f.key = step.key;
      f.page = PageOrder{};
      f.page->page_id = paging::new_page_id();
      f.page->person = "icm-1";
      f.page->phone = "+31600000001";
      f.page->text = "x";
      f.page->ack_code = std::to_string(100000 + 2 * n + static_cast<int>(i));
      f.page->rule = "deadline:forced";
      f.timeline_json = json::serialize(json::object{
          {"type", "deadline_fired"}, {"key", step.key}, {"by", "instance " + std::to_string(i)}});
      f.now = clock_.now();
      f.outbox_due = transport_.now();
      f.timers = ev.timers;
    }
    std::vector<FireResult> results(2);
    piket::test::race(2, [&](int i) {
      const auto k = static_cast<std::size_t>(i);
      results[k] = stores_[k]->fire(requests[k]);
    });
    const int done =
        (results[0].outcome == WriteOutcome::done) + (results[1].outcome == WriteOutcome::done);
    EXPECT_EQ(done, 1) << c << ": " << to_string(results[0].outcome) << ", "
                       << to_string(results[1].outcome);
    for (const auto& r : results) {
      ++outcomes[r.outcome];
      EXPECT_TRUE(r.outcome == WriteOutcome::done || r.outcome == WriteOutcome::stale ||
                  r.outcome == WriteOutcome::duplicate)
          << c << ": " << to_string(r.outcome);
    }
    EXPECT_EQ(fired_entries(c), (std::map<std::string, int>{{step.key, 1}})) << c;
    EXPECT_EQ(conn_.command({"SMEMBERS", store::case_fired_key(c)}).element_strings(),
              std::vector<std::string>{step.key});
    int pages = 0;
    for (const auto& r : requests)
      pages += conn_.command({"EXISTS", store::page_key(r.page->page_id)}).integer;
    EXPECT_EQ(pages, 1) << c << ": the step's pages";
  }
  std::cout << "[ info ] " << kRounds << " forced rounds: done " << outcomes[WriteOutcome::done]
            << ", stale " << outcomes[WriteOutcome::stale] << ", duplicate "
            << outcomes[WriteOutcome::duplicate] << std::endl;
  EXPECT_EQ(outcomes[WriteOutcome::done], kRounds);
  EXPECT_EQ(outcomes[WriteOutcome::stale] + outcomes[WriteOutcome::duplicate], kRounds);
}

}  // namespace
}  // namespace piket::cases
