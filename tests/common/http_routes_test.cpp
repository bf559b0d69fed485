#include "piket/common/http_routes.hpp"

#include <gtest/gtest.h>

namespace piket::common {
namespace {

TEST(MatchPath, LiteralSegmentsMatchExactly) {
  EXPECT_EQ(match_path("/v1/incidents", "/v1/incidents"), std::string_view());
  EXPECT_FALSE(match_path("/v1/incidents", "/v1/incidents/"));
  EXPECT_FALSE(match_path("/v1/incidents", "/v1/incident"));
  EXPECT_FALSE(match_path("/v1/incidents", "/v1"));
}

TEST(MatchPath, IdIsOneSegmentPossiblyEmpty) {
  EXPECT_EQ(match_path("/v1/cases/{id}", "/v1/cases/C1"), "C1");
  EXPECT_EQ(match_path("/v1/cases/{id}", "/v1/cases/"), "");
  EXPECT_FALSE(match_path("/v1/cases/{id}", "/v1/cases"));
  EXPECT_FALSE(match_path("/v1/cases/{id}", "/v1/cases/C1/events"));
  EXPECT_EQ(match_path("/v1/cases/{id}/events", "/v1/cases/C1/events"), "C1");
  EXPECT_EQ(match_path("/v1/people/{id}/absence", "/v1/people//absence"), "");
  EXPECT_FALSE(match_path("/v1/cases/{id}/events", "/v1/cases/C1/events/"));
  EXPECT_FALSE(match_path("/v1/cases/{id}/events", "/v1/cases/C1/timeline"));
}

TEST(MatchPath, RestIsTheRemainderAfterItsSlash) {
  EXPECT_EQ(match_path("/v1/incidents/{rest}", "/v1/incidents/I1"), "I1");
  EXPECT_EQ(match_path("/v1/incidents/{rest}", "/v1/incidents/a/b"), "a/b");
  EXPECT_EQ(match_path("/v1/incidents/{rest}", "/v1/incidents/"), "");
  EXPECT_FALSE(match_path("/v1/incidents/{rest}", "/v1/incidents"));
  EXPECT_FALSE(match_path("/v1/incidents/{rest}", "/v1/incidentsX/a"));
}

using Method = HttpMethod;

struct TestRoute {
  HttpMethod method;
  std::string_view pattern;
  int handler;
};

constexpr TestRoute kRoutes[] = {
    {Method::get, "/v1/rota/overrides", 1},
    {Method::post, "/v1/rota/overrides", 2},
    {Method::del, "/v1/rota/overrides/{rest}", 3},
    {Method::get, "/v1/cases/{id}", 4},
};

TEST(FindRoute, TheMethodAndPathPickTheRoute) {
  const auto post = find_route(kRoutes, "POST", "/v1/rota/overrides");
  ASSERT_NE(post.route, nullptr);
  EXPECT_TRUE(post.method_allowed);
  EXPECT_EQ(post.route->handler, 2);
  const auto del = find_route(kRoutes, "DELETE", "/v1/rota/overrides/O1/x");
  ASSERT_NE(del.route, nullptr);
  EXPECT_EQ(del.route->handler, 3);
  EXPECT_EQ(del.capture, "O1/x");
  const auto get = find_route(kRoutes, "GET", "/v1/cases/C7");
  ASSERT_NE(get.route, nullptr);
  EXPECT_EQ(get.capture, "C7");
  EXPECT_TRUE(get.allow.empty());
}

TEST(FindRoute, AnotherMethodNamesThePathsMethodsInTableOrder) {
  const auto put = find_route(kRoutes, "PUT", "/v1/rota/overrides");
  ASSERT_NE(put.route, nullptr);
  EXPECT_FALSE(put.method_allowed);
  EXPECT_EQ(put.route->handler, 1);
  EXPECT_EQ(put.allow, "GET, POST");
  const auto post = find_route(kRoutes, "POST", "/v1/cases/C7");
  EXPECT_FALSE(post.method_allowed);
  EXPECT_EQ(post.capture, "C7");
  EXPECT_EQ(post.allow, "GET");
}

TEST(FindRoute, MethodsAreNamedAsInTheRequest) {
  EXPECT_EQ(method_name(HttpMethod::get), "GET");
  EXPECT_EQ(method_name(HttpMethod::post), "POST");
  EXPECT_EQ(method_name(HttpMethod::del), "DELETE");
  EXPECT_EQ(find_route(kRoutes, "post", "/v1/rota/overrides").method_allowed, false)
      << "methods are case-sensitive (RFC 9110)";
}

TEST(FindRoute, AnUnknownPathHasNoRoute) {
  const auto none = find_route(kRoutes, "GET", "/v1/rota");
  EXPECT_EQ(none.route, nullptr);
  EXPECT_FALSE(none.method_allowed);
  EXPECT_TRUE(none.allow.empty());
}

}  // namespace
}  // namespace piket::common
