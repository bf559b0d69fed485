// Integration tests (label kannel): bearerbox + smsbox + fakesmsc on free ports.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <set>
#include <stdexcept>
#include <string>

#include "http_listener.hpp"
#include "piket/launch/http_get.hpp"
#include "piket/launch/kannel.hpp"
#include "piket/launch/ports.hpp"
#include "piket/launch/url_codec.hpp"
#include "temp_dir.hpp"

namespace piket::launch {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using piket::test::HttpListener;
using piket::test::ListenerResponse;
using piket::test::RecordedRequest;
using piket::test::TempDir;

KannelConfig config_for(const TempDir& dir, const HttpListener& listener) {
  KannelConfig c;
  c.username = "piket";
  c.password = "pw-123";
  c.get_url = listener.url("/kannel/sms?from=%p&to=%P&text=%a&raw=%b");
  c.data_dir = dir / "kannel";
  return c;
}

long long ms_since(Clock::time_point t0) {
  return (Clock::now() - t0) / 1ms;
}

TEST(KannelIntegration, SendDeliverReportAndReceive) {
  TempDir dir("piket-kannel");
  // The first incoming-SMS callback and the first DLR callback fail with 503: Kannel must retry.
  std::atomic<int> sms_calls{0};
  std::atomic<int> dlr_calls{0};
  HttpListener listener([&](const RecordedRequest& r) {
    if (r.path == "/kannel/sms" && sms_calls++ == 0) return ListenerResponse{503, "later"};
    if (r.path == "/dlr" && dlr_calls++ == 0) return ListenerResponse{503, "later"};
    return ListenerResponse{200, ""};
  });
  KannelConfig config = config_for(dir, listener);
  config.http_queue_delay_s = 1;
  KannelStack kannel(config);
  const auto ports = kannel.config();
  EXPECT_EQ(std::set<std::uint16_t>(
                {ports.admin_port, ports.smsbox_port, ports.sendsms_port, ports.smsc_port})
                .size(),
            4U);

  auto t0 = Clock::now();
  kannel.start();
  std::cout << "[ timing   ] kannel start " << ms_since(t0) << " ms\n";
  ASSERT_TRUE(kannel.running());
  EXPECT_NE(kannel.admin_status().find("FAKE:" + std::to_string(ports.smsc_port) + " (online"),
            std::string::npos);

  // 1. Outgoing SMS with delivery reports.
  const std::string text = "Page A4821: disk full on db1 (98%) & more";
  const std::string dlr_url = listener.url("/dlr?id=msg-1&type=%d");
  t0 = Clock::now();
  const auto response = http_get(ports.sendsms_port,
                                 kannel.sendsms_target("4411", "+31612345678", text) +
                                     "&dlr-mask=31&dlr-url=" + url_encode(dlr_url),
                                 10s);
  std::cout << "[ timing   ] sendsms answered in " << ms_since(t0) << " ms\n";
  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(response.body, "0: Accepted for delivery");

  const auto delivered = kannel.wait_for_delivered(1, 10s);
  std::cout << "[ timing   ] delivered to fakesmsc after " << ms_since(t0) << " ms\n";
  ASSERT_EQ(delivered.size(), 1U);
  EXPECT_EQ(delivered[0], (DeliveredSms{"4411", "+31612345678", text}));

  // Type 8 (delivered to SMSC) and type 1 (delivered to phone); the first call got a 503 and
  // was retried, so three calls in all.
  const auto dlrs = listener.wait_for("/dlr", 3, 15s);
  std::cout << "[ timing   ] 3 DLR calls after " << ms_since(t0) << " ms\n";
  ASSERT_EQ(dlrs.size(), 3U);
  std::multiset<std::string> types;
  for (const auto& d : dlrs) {
    EXPECT_EQ(d.param("id"), "msg-1");
    types.insert(d.param("type"));
  }
  EXPECT_EQ(types.count("8") + types.count("1"), 3U) << "unexpected DLR types";
  EXPECT_GE(types.count("8"), 1U);
  EXPECT_GE(types.count("1"), 1U);
  EXPECT_GE(dlrs[2].at - dlrs[0].at, 500ms) << "retry came without http-queue-delay";

  // 2. Incoming SMS through fakesmsc; the first callback fails and is retried.
  t0 = Clock::now();
  kannel.inject_sms("+31612345678", "4411", "ACK A4821");
  const auto mo = listener.wait_for("/kannel/sms", 2, 15s);
  std::cout << "[ timing   ] incoming SMS: 2 get-url calls after " << ms_since(t0) << " ms\n";
  ASSERT_EQ(mo.size(), 2U);
  for (const auto& r : mo) {
    EXPECT_EQ(r.param("from"), "+31612345678");
    EXPECT_EQ(r.param("to"), "4411");
    EXPECT_EQ(r.param("text"), "ACK A4821");
    EXPECT_EQ(r.param("raw"), "ACK A4821");
  }
  EXPECT_EQ(mo[0].target, mo[1].target);

  // 3. Incoming SMS with a line break and non-ASCII text (injected as "data"): %a joins words
  //    with single spaces, %b keeps the text as it was.
  const std::string multi = "ack  A4821\nsee you \xC3\xBC";
  kannel.inject_sms("+4912345", "4411", multi);
  const auto mo2 = listener.wait_for("/kannel/sms", 3, 10s);
  ASSERT_EQ(mo2.size(), 3U);
  EXPECT_EQ(mo2[2].param("from"), "+4912345");
  EXPECT_EQ(mo2[2].param("text"), "ack A4821 see you \xC3\xBC");
  EXPECT_EQ(mo2[2].param("raw"), multi);

  // Back-to-back injections: none may get stuck in fakesmsc's stdin buffer (two lines that
  // reach fakesmsc in one read are not both sent; inject_sms waits for each confirmation).
  t0 = Clock::now();
  const std::multiset<std::string> burst{"b1", "b2", "b3", "b4", "b5", "b6"};
  for (const auto& t : burst) kannel.inject_sms("+4911", "4411", t);
  const auto mo3 = listener.wait_for("/kannel/sms", 3 + burst.size(), 10s);
  std::cout << "[ timing   ] " << burst.size() << " back-to-back incoming SMS after "
            << ms_since(t0) << " ms\n";
  ASSERT_EQ(mo3.size(), 3 + burst.size());
  std::multiset<std::string> burst_texts;
  for (std::size_t i = 3; i < mo3.size(); ++i) burst_texts.insert(mo3[i].param("text"));
  EXPECT_EQ(burst_texts, burst);

  // 4. Outgoing texts that exercise the log format: a line break, UTF-8, and a long text that
  //    Kannel sends as a concatenated (UDH) SMS.
  const std::string newline_text = "line one\nline two \xE2\x82\xAC";
  const std::string long_text = std::string(200, 'y') + " end";
  for (const auto& t : {newline_text, long_text}) {
    const auto r = http_get(ports.sendsms_port, kannel.sendsms_target("4411", "+3161", t), 10s);
    EXPECT_EQ(r.status, 202) << r.body;
  }
  const auto all = kannel.wait_for_delivered(3, 10s);
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[1], (DeliveredSms{"4411", "+3161", newline_text}));
  EXPECT_EQ(all[2], (DeliveredSms{"4411", "+3161", long_text}));

  t0 = Clock::now();
  kannel.stop();
  std::cout << "[ timing   ] kannel stop " << ms_since(t0) << " ms\n";
  EXPECT_FALSE(kannel.bearerbox().running());
  EXPECT_FALSE(kannel.smsbox().running());
  EXPECT_FALSE(kannel.fakesmsc().running());
  // Graceful: nobody needed SIGKILL.
  for (Process* p : {&kannel.bearerbox(), &kannel.smsbox()}) {
    ASSERT_TRUE(p->exit_status().has_value());
    EXPECT_NE(*p->exit_status(), (ExitStatus{true, SIGKILL})) << p->log_file();
  }
  EXPECT_THROW(kannel.inject_sms("1", "2", "x"), std::runtime_error);
}

// What piket relies on: once Kannel said 202, the SMS is in the spool and survives a crash.
TEST(KannelIntegration, SpooledSmsSurvivesBearerboxKill9) {
  TempDir dir("piket-kannel");
  HttpListener listener;
  KannelStack kannel(config_for(dir, listener));
  kannel.start();

  // No SMSC client: the message has to wait in bearerbox's queue (and spool).
  kannel.fakesmsc().kill9();
  const auto response = http_get(kannel.config().sendsms_port,
                                 kannel.sendsms_target("4411", "+3162", "queued page"), 10s);
  EXPECT_EQ(response.status, 202) << response.body;
  std::cout << "[ info     ] sendsms without SMSC: " << response.status << " " << response.body
            << "\n";
  // Give bearerbox a moment, then check nothing was delivered yet.
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(kannel.delivered().empty());

  kannel.bearerbox().kill9();
  const auto t0 = Clock::now();
  kannel.start();  // stops what is left (smsbox), starts all three again
  const auto delivered = kannel.wait_for_delivered(1, 15s);
  std::cout << "[ timing   ] restart + spooled delivery " << ms_since(t0) << " ms\n";
  ASSERT_EQ(delivered.size(), 1U);
  EXPECT_EQ(delivered[0], (DeliveredSms{"4411", "+3162", "queued page"}));

  // A graceful stop frees the ports at once: the same ports work again right away.
  kannel.stop();
  kannel.start();
  const auto again = http_get(kannel.config().sendsms_port,
                              kannel.sendsms_target("4411", "+3162", "after restart"), 10s);
  EXPECT_EQ(again.status, 202) << again.body;
  const auto both = kannel.wait_for_delivered(2, 10s);
  ASSERT_EQ(both.size(), 2U);
  EXPECT_EQ(both[1], (DeliveredSms{"4411", "+3162", "after restart"}));
}

TEST(KannelIntegration, StartFailsCleanlyWhenAPortIsTaken) {
  TempDir dir("piket-kannel");
  HttpListener listener;
  KannelConfig config = config_for(dir, listener);
  config.sendsms_port = listener.port();  // already in use: smsbox cannot bind it
  KannelStack kannel(config);
  const auto t0 = Clock::now();
  try {
    kannel.start(10s);
    FAIL() << "start() should have thrown";
  } catch (const std::runtime_error& e) {
    std::cout << "[ info     ] start failed as expected after " << ms_since(t0)
              << " ms: " << std::string(e.what()).substr(0, std::string(e.what()).find('\n'))
              << "\n";
    EXPECT_NE(std::string(e.what()).find("smsbox"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(kannel.bearerbox().running());
  EXPECT_FALSE(kannel.smsbox().running());
  EXPECT_FALSE(kannel.fakesmsc().running());
}

TEST(KannelIntegration, StartFailsCleanlyWhenABinaryIsMissing) {
  TempDir dir("piket-kannel");
  HttpListener listener;
  KannelBinaries binaries;
  binaries.fakesmsc = dir / "no-such-fakesmsc";
  KannelStack kannel(config_for(dir, listener), binaries);
  try {
    kannel.start(10s);
    FAIL() << "start() should have thrown";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-fakesmsc"), std::string::npos) << e.what();
  }
  // bearerbox and smsbox had been started and were stopped again.
  EXPECT_TRUE(kannel.bearerbox().valid());
  EXPECT_FALSE(kannel.bearerbox().running());
  EXPECT_TRUE(kannel.smsbox().valid());
  EXPECT_FALSE(kannel.smsbox().running());
}

TEST(KannelStack, InjectRejectsBadInput) {
  TempDir dir("piket-kannel");
  HttpListener listener;
  KannelStack kannel(config_for(dir, listener));
  EXPECT_THROW(kannel.inject_sms("has space", "4411", "x"), std::invalid_argument);
  EXPECT_THROW(kannel.inject_sms("", "4411", "x"), std::invalid_argument);
  EXPECT_THROW(kannel.inject_sms("1", "2", std::string(300, 'z')), std::invalid_argument);
  EXPECT_THROW(kannel.inject_sms("1", "2", "not started"), std::runtime_error);
}

}  // namespace
}  // namespace piket::launch
