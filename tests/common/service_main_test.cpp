// The shared start of every service: its command line (common/service_args.hpp) and the cap on
// glibc's malloc arenas (common/malloc_arenas.hpp).
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "piket/common/malloc_arenas.hpp"
#include "piket/common/service_args.hpp"

namespace piket::common {
namespace {

ServiceArgs parse(std::vector<const char*> args) {
  args.insert(args.begin(), "piket-test");
  return parse_service_args(static_cast<int>(args.size()), args.data());
}

TEST(ServiceMainArgs, ReadsTheConfigFileInEachSpelling) {
  for (const auto& args :
       std::vector<std::vector<const char*>>{{"--config", "/etc/piket/piket.toml"},
                                             {"-c", "/etc/piket/piket.toml"},
                                             {"--config=/etc/piket/piket.toml"}}) {
    const auto a = parse(args);
    EXPECT_EQ(a.error, "");
    EXPECT_EQ(a.config, "/etc/piket/piket.toml");
    EXPECT_FALSE(a.help);
  }
}

TEST(ServiceMainArgs, HelpAndNothingAtAll) {
  EXPECT_TRUE(parse({"--help"}).help);
  EXPECT_TRUE(parse({"-h"}).help);
  const auto none = parse({});
  EXPECT_EQ(none.error, "");
  EXPECT_EQ(none.config, "");
  EXPECT_FALSE(none.help);
}

TEST(ServiceMainArgs, RefusesWhatItDoesNotKnowNamingIt) {
  EXPECT_EQ(parse({"--confg", "x.toml"}).error, "unknown argument '--confg'");
  EXPECT_EQ(parse({"x.toml"}).error, "unknown argument 'x.toml'");
  EXPECT_EQ(parse({"--config"}).error, "option '--config' needs a file");
  EXPECT_EQ(parse({"--config="}).error, "option '--config' needs a file");
  EXPECT_EQ(parse({"-c", "a.toml", "--config", "b.toml"}).error,
            "option '--config' cannot be given more than once");
}

TEST(ServiceMainArgs, UsageNamesTheServiceAndBothOptions) {
  const auto usage = service_usage("notify");
  EXPECT_NE(usage.find("piket-notify"), std::string::npos);
  EXPECT_NE(usage.find("--config"), std::string::npos);
  EXPECT_NE(usage.find("--help"), std::string::npos);
}

// The arenas glibc holds now, from malloc_info's XML (one <heap nr="…"> per arena).
int arenas() {
  char* text = nullptr;
  std::size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  malloc_info(0, out);
  std::fclose(out);
  int n = 0;
  for (std::string_view s(text, size); s.find("<heap nr=") != std::string_view::npos;
       s.remove_prefix(s.find("<heap nr=") + 1))
    ++n;
  std::free(text);
  return n;
}

TEST(ServiceMainArenas, EightThreadsAllocatingAtOnceShareTheCappedArenas) {
  ::unsetenv("MALLOC_ARENA_MAX");
  ASSERT_TRUE(limit_malloc_arenas());
  const int before = arenas();
  // Eight threads each allocate and hold while the others do: uncapped, glibc (8 arenas per
  // core) would give most of them an arena of their own.
  constexpr int kThreads = 8;
  std::latch allocated(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&allocated] {
      std::vector<char> held(4096, 'x');
      allocated.arrive_and_wait();
    });
  for (auto& t : threads) t.join();
  EXPECT_LE(arenas(), std::max(before, kMallocArenas));
}

TEST(ServiceMainArenas, TheEnvironmentsChoiceWins) {
  ::setenv("MALLOC_ARENA_MAX", "4", 1);
  EXPECT_FALSE(limit_malloc_arenas());
  ::unsetenv("MALLOC_ARENA_MAX");
}

}  // namespace
}  // namespace piket::common
