// ZeroMQ messaging with CURVE (label `redis`: the sender tests use a private
// redis-server for their outbox). A receiver set up as dispatch's is attacked
// with hand-made clients, as the issue's attacker did: a plain ZMTP DEALER, a
// CURVE DEALER with a key pair of its own, one that does not know the
// receiver's key, and a piket service's key on a channel that service may not
// send. Each is refused, counted, and nothing reaches the handler. The
// services of the topology (channels.hpp) get through, and an OutboxSender
// built from the configuration delivers and empties its outbox.
#include "piket/common/messaging.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "piket/common/channels.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/secrets.hpp"
#include "piket/config/config.hpp"
#include "piket/launch/ports.hpp"
#include "private_redis.hpp"

namespace piket::common {
namespace {

// The whole file is assembled by piket_config; its sections are their owners'.
using config::Config;
using config::load_config;
using config::parse_config;
using rota::ContactChannel;
using rota::PersonConfig;
using rota::StaffRole;

using namespace std::chrono_literals;

// Every service's key pair, and a configuration for `service` as service_main
// fills it (its own pair, every peer's public key).
struct Deployment {
  std::map<std::string, CurveKeyPair> keys;
  std::uint16_t dispatch_port = launch::free_tcp_port();
  std::uint16_t notify_port = launch::free_tcp_port();

  Deployment() {
    for (auto s : kSecretHolders)
      if (s != "ops") keys[std::string(s)] = generate_curve_keypair();
  }
  Config config(const std::string& service, const RedisConfig& redis = {}) const {
    Config c;
    c.redis = redis;
    c.outbox.resend_after = 300ms;
    c.dispatch.zmq_bind = "tcp://127.0.0.1:" + std::to_string(dispatch_port);
    c.notify.zmq_bind = "tcp://127.0.0.1:" + std::to_string(notify_port);
    c.zmq.public_key = keys.at(service).public_key;
    c.zmq.secret_key = keys.at(service).secret_key;
    for (const auto& [name, pair] : keys) c.zmq.peers[name] = pair.public_key;
    return c;
  }
};

struct Handled {
  std::string channel, id, payload;
};

// The value of one labelled sample of `name` in the text exposition; -1 when absent.
double sample(const Metrics& m, const std::string& name, const std::string& label) {
  std::istringstream in(m.render());
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name + "{", 0) == 0 && line.find(label) != std::string::npos)
      return std::stod(line.substr(line.rfind(' ') + 1));
  return -1;
}

// A hand-made client: a DEALER that sends one message and waits for "ok".
class Client {
 public:
  // No keys: plain ZMTP (the NULL mechanism), as the issue's attacker used.
  explicit Client(const std::string& endpoint) { connect(endpoint); }
  Client(const std::string& endpoint, const CurveKeyPair& own, const std::string& server_key) {
    dealer_.set(zmq::sockopt::curve_serverkey, server_key);
    dealer_.set(zmq::sockopt::curve_publickey, own.public_key);
    dealer_.set(zmq::sockopt::curve_secretkey, own.secret_key);
    connect(endpoint);
  }
  // Sends [channel, id, payload]; true when the receiver answered [id, "ok"]
  // within `wait`.
  bool send(const std::string& channel, const std::string& id, const std::string& payload,
            std::chrono::milliseconds wait = 1500ms) {
    std::array<zmq::const_buffer, 3> frames{zmq::buffer(channel), zmq::buffer(id),
                                            zmq::buffer(payload)};
    (void)zmq::send_multipart(dealer_, frames, zmq::send_flags::dontwait);
    zmq::pollitem_t items[] = {{dealer_.handle(), 0, ZMQ_POLLIN, 0}};
    if (zmq::poll(items, 1, wait) == 0) return false;
    std::vector<zmq::message_t> reply;
    if (!zmq::recv_multipart(dealer_, std::back_inserter(reply))) return false;
    return reply.size() == 2 && reply[0].to_string() == id && reply[1].to_string() == "ok";
  }

 private:
  void connect(const std::string& endpoint) {
    dealer_.set(zmq::sockopt::linger, 0);
    dealer_.connect(endpoint);
  }
  zmq::context_t ctx_{1};
  zmq::socket_t dealer_{ctx_, zmq::socket_type::dealer};
};

class MessagingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new piket::test::PrivateRedis("piket-messaging"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  MessagingTest() {
    RedisConnection(redis_->config()).command({"FLUSHALL"});
    const auto cfg = deployment_.config("dispatch");
    receiver_ = std::make_unique<InboxReceiver>(
        inbox_receiver_options(cfg, "dispatch", 2),
        [this](std::string_view channel, std::string_view id, std::string_view payload) {
          std::lock_guard lock(mutex_);
          handled_.push_back({std::string(channel), std::string(id), std::string(payload)});
          return true;
        },
        &metrics_);
    receiver_->start();
  }
  ~MessagingTest() override { receiver_->stop(); }

  std::string endpoint() const { return deployment_.config("dispatch").dispatch.zmq_bind; }
  const std::string& dispatch_key() const { return deployment_.keys.at("dispatch").public_key; }
  std::vector<Handled> handled() {
    std::lock_guard lock(mutex_);
    return handled_;
  }
  double refused(const std::string& reason) {
    return sample(metrics_, "piket_zmq_refused_total", "reason=\"" + reason + "\"");
  }
  // Waits up to `timeout` for `pred`.
  template <typename Pred>
  bool eventually(Pred pred, std::chrono::milliseconds timeout = 3000ms) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  static piket::test::PrivateRedis* redis_;
  Deployment deployment_;
  Metrics metrics_{"dispatch"};
  std::mutex mutex_;
  std::vector<Handled> handled_;
  std::unique_ptr<InboxReceiver> receiver_;
};

piket::test::PrivateRedis* MessagingTest::redis_ = nullptr;

const std::string kForgedId = "PAAAAAAAAAAAAAAAA:declined";
const std::string kForged = R"({"page_id":"PAAAAAAAAAAAAAAAA","reason":"declined"})";

TEST_F(MessagingTest, APlainZmtpClientIsRefusedAndNothingIsHandled) {
  Client attacker(endpoint());
  EXPECT_FALSE(attacker.send("escalation", kForgedId, kForged));
  EXPECT_TRUE(handled().empty());
  EXPECT_TRUE(eventually([&] { return refused("handshake") >= 1; }));
}

TEST_F(MessagingTest, ACurveClientWithAKeyThatIsNotAPiketServiceIsRefused) {
  Client attacker(endpoint(), generate_curve_keypair(), dispatch_key());
  EXPECT_FALSE(attacker.send("escalation", kForgedId, kForged));
  EXPECT_TRUE(handled().empty());
  EXPECT_TRUE(eventually([&] { return refused("unknown_key") >= 1; }));
}

TEST_F(MessagingTest, AClientThatDoesNotKnowTheReceiversKeyIsRefused) {
  // A piket key pair even, but the wrong server key: the handshake cannot complete.
  Client attacker(endpoint(), deployment_.keys.at("inbound"), generate_curve_keypair().public_key);
  EXPECT_FALSE(attacker.send("escalation", kForgedId, kForged));
  EXPECT_TRUE(handled().empty());
  EXPECT_TRUE(eventually([&] { return refused("handshake") >= 1; }));
}

// cases sends to notify, not to dispatch: its key does not open dispatch's socket.
TEST_F(MessagingTest, APiketServiceThatDoesNotSendToThisReceiverIsRefused) {
  Client cases(endpoint(), deployment_.keys.at("cases"), dispatch_key());
  EXPECT_FALSE(cases.send("escalation", kForgedId, kForged));
  EXPECT_TRUE(handled().empty());
  EXPECT_TRUE(eventually([&] { return refused("unknown_key") >= 1; }));
}

// ingest may send "dispatch" to dispatch, but not "escalation".
TEST_F(MessagingTest, AServiceIsRefusedAChannelItMayNotSend) {
  Client ingest(endpoint(), deployment_.keys.at("ingest"), dispatch_key());
  EXPECT_FALSE(ingest.send("escalation", kForgedId, kForged));
  EXPECT_FALSE(ingest.send("notify", "PAAAAAAAAAAAAAAAA", "{}", 300ms));
  EXPECT_TRUE(handled().empty());
  EXPECT_EQ(refused("channel"), 2);
  // Its own channel gets through on the same connection.
  EXPECT_TRUE(ingest.send("dispatch", "I0123456789ABCDEF", R"({"case_id":"C12345678"})"));
  ASSERT_EQ(handled().size(), 1u);
  EXPECT_EQ(handled()[0].channel, "dispatch");
  EXPECT_EQ(handled()[0].id, "I0123456789ABCDEF");
}

TEST_F(MessagingTest, EverySenderOfTheTopologyGetsThrough) {
  Client inbound(endpoint(), deployment_.keys.at("inbound"), dispatch_key());
  Client notify(endpoint(), deployment_.keys.at("notify"), dispatch_key());
  EXPECT_TRUE(inbound.send("escalation", "PAAAAAAAAAAAAAAAA:declined", kForged));
  EXPECT_TRUE(notify.send("escalation", "PBBBBBBBBBBBBBBBB:undeliverable", "{}"));
  EXPECT_EQ(handled().size(), 2u);
  EXPECT_EQ(refused("handshake"), 0);
  EXPECT_EQ(refused("unknown_key"), 0);
  EXPECT_EQ(refused("channel"), 0);
}

TEST_F(MessagingTest, AnOutboxSenderDeliversOverCurveAndItsOutboxEmpties) {
  RedisConnection conn(redis_->config());
  const auto keys = outbox_keys("dispatch");
  conn.command({"ZADD", keys.due, "0", "I0123456789ABCDEF"});
  conn.command({"HSET", keys.data, "I0123456789ABCDEF", R"({"case_id":"C12345678"})"});
  SystemClock clock;
  OutboxSender sender(
      outbox_sender_options(deployment_.config("ingest", redis_->config()), "ingest", "dispatch"),
      clock);
  sender.start();
  EXPECT_TRUE(eventually([&] { return conn.command({"ZCARD", keys.due}).integer == 0; }));
  sender.stop();
  ASSERT_EQ(handled().size(), 1u);
  EXPECT_EQ(handled()[0].id, "I0123456789ABCDEF");
}

// Acknowledged entries are deleted together, not one round trip (and one fsync of
// Redis) each: 20 messages woken 2 ms apart cost a few HDELs, not 20, and every
// entry still goes.
TEST_F(MessagingTest, AcknowledgedEntriesAreDeletedTogether) {
  RedisConnection conn(redis_->config());
  const auto keys = outbox_keys("dispatch");
  SystemClock clock;
  Metrics m{"ingest"};
  OutboxSender sender(
      outbox_sender_options(deployment_.config("ingest", redis_->config()), "ingest", "dispatch"),
      clock, &m);
  sender.start();
  std::this_thread::sleep_for(300ms);  // connected, first sweep done
  const auto hdels = [&] {
    const auto info = conn.command({"INFO", "commandstats"}).str;
    const auto at = info.find("cmdstat_hdel:calls=");
    return at == std::string::npos ? 0L : std::stol(info.substr(at + 19));
  };
  const auto before = hdels();
  const auto started = std::chrono::steady_clock::now();
  constexpr int kMessages = 20;
  for (int n = 0; n < kMessages; ++n) {
    const auto id = "I0123456789ABCD" + std::to_string(10 + n);
    const std::string payload = R"({"case_id":"C12345678"})";
    conn.command({"ZADD", keys.due, std::to_string(to_epoch_ms(clock.now()) + 60000), id});
    conn.command({"HSET", keys.data, id, payload});
    sender.wake(id, payload);
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_TRUE(eventually([&] { return conn.command({"ZCARD", keys.due}).integer == 0; }));
  EXPECT_EQ(conn.command({"HLEN", keys.data}).integer, 0);
  EXPECT_EQ(sample(m, "piket_outbox_acked_total", "dispatch"), kMessages);
  const auto used = hdels() - before;
  EXPECT_GE(used, 1);
  // Acknowledgements are deleted when the first has waited 20 ms (resend_after / 4 is more)
  // and before each sweep (every resend_after / 2): on a machine so busy that the 2 ms
  // sleeps above took far longer, more deletions are right.
  const auto span = std::chrono::steady_clock::now() - started;
  const long most = std::max<long>(kMessages / 2, span / 20ms + span / 150ms + 2);
  EXPECT_LE(used, most) << "one HDEL per acknowledgement";
  sender.stop();
  EXPECT_EQ(handled().size(), static_cast<std::size_t>(kMessages));
}

// A sender whose key the receiver does not hold (rotated on one side only)
// is refused; its message waits in the outbox and the sender counts the
// failed handshakes.
TEST_F(MessagingTest, ASenderWithAnUnknownKeyKeepsItsMessagesAndCountsTheRefusal) {
  RedisConnection conn(redis_->config());
  const auto keys = outbox_keys("dispatch");
  conn.command({"ZADD", keys.due, "0", "I0123456789ABCDEF"});
  conn.command({"HSET", keys.data, "I0123456789ABCDEF", "{}"});
  auto rotated = deployment_;
  rotated.keys["ingest"] = generate_curve_keypair();
  SystemClock clock;
  Metrics sender_metrics{"ingest"};
  OutboxSender sender(
      outbox_sender_options(rotated.config("ingest", redis_->config()), "ingest", "dispatch"),
      clock, &sender_metrics);
  sender.start();
  EXPECT_TRUE(eventually([&] {
    return sample(sender_metrics, "piket_outbox_handshake_failed_total", "dispatch") >= 1;
  }));
  sender.stop();
  EXPECT_TRUE(handled().empty());
  EXPECT_EQ(conn.command({"ZCARD", keys.due}).integer, 1);
  EXPECT_GE(refused("unknown_key"), 1);
}

// Two instances of dispatch: the sender connects to both (zmq_peers); a
// message answered by either is done. One instance stops mid-run: what is
// sent after that reaches the other, none is lost, none needs more than one
// send while both are up.
class TwoReceiversTest : public MessagingTest {
 protected:
  TwoReceiversTest() {
    auto second = deployment_.config("dispatch");
    second.dispatch.zmq_bind = "tcp://127.0.0.1:" + std::to_string(second_port_);
    second_ = std::make_unique<InboxReceiver>(
        inbox_receiver_options(second, "dispatch", 2),
        [this](std::string_view, std::string_view id, std::string_view) {
          std::lock_guard lock(mutex_);
          second_handled_.emplace_back(id);
          return true;
        });
  }
  ~TwoReceiversTest() override { second_->stop(); }

  // ingest's configuration, listing both dispatch instances.
  Config sender_config(std::chrono::milliseconds resend_after) const {
    auto c = deployment_.config("ingest", redis_->config());
    c.outbox.resend_after = resend_after;
    c.dispatch.zmq_peers = {endpoint(), "tcp://127.0.0.1:" + std::to_string(second_port_)};
    return c;
  }
  void put(RedisConnection& conn, int from, int count) {
    const auto keys = outbox_keys("dispatch");
    for (int i = from; i < from + count; ++i) {
      const auto id = "I" + std::to_string(1000000 + i);
      // The payload first, as outbox_add.lua writes both at once: a sweep
      // drops a due id that has no payload (it was acknowledged).
      conn.command({"HSET", keys.data, id, "{}"});
      conn.command({"ZADD", keys.due, "0", id});
    }
  }
  std::set<std::string> all_handled() {
    std::lock_guard lock(mutex_);
    std::set<std::string> ids(second_handled_.begin(), second_handled_.end());
    for (const auto& h : handled_) ids.insert(h.id);
    return ids;
  }
  std::size_t second_count() {
    std::lock_guard lock(mutex_);
    return second_handled_.size();
  }

  std::uint16_t second_port_ = launch::free_tcp_port();
  std::vector<std::string> second_handled_;
  std::unique_ptr<InboxReceiver> second_;
};

TEST_F(TwoReceiversTest, ASenderSpreadsOverBothInstancesAndAnyAnswerEmptiesTheOutbox) {
  second_->start();
  RedisConnection conn(redis_->config());
  SystemClock clock;
  Metrics m{"ingest"};
  OutboxSender sender(outbox_sender_options(sender_config(300ms), "ingest", "dispatch"), clock, &m);
  sender.start();
  // Both connections up before the messages go: then each takes some.
  std::this_thread::sleep_for(500ms);
  put(conn, 0, 200);
  const auto keys = outbox_keys("dispatch");
  EXPECT_TRUE(eventually([&] { return conn.command({"ZCARD", keys.due}).integer == 0; }));
  EXPECT_EQ(all_handled().size(), 200u);
  EXPECT_GT(second_count(), 0u);
  EXPECT_GT(handled().size(), 0u);

  // The first instance stops (its machine is taken out): what comes next is
  // all handled by the second.
  receiver_->stop();
  const auto before = second_count();
  put(conn, 200, 100);
  EXPECT_TRUE(eventually([&] { return conn.command({"ZCARD", keys.due}).integer == 0; }, 5000ms));
  EXPECT_EQ(all_handled().size(), 300u);
  EXPECT_GE(second_count() - before, 100u);
  sender.stop();
}

// One of the two listed instances never comes up: nothing is queued for it,
// so every message reaches the other at its first send (a resend would take
// 5 s here, longer than the test waits).
TEST_F(TwoReceiversTest, AnInstanceThatIsDownGetsNothingQueued) {
  RedisConnection conn(redis_->config());
  SystemClock clock;
  Metrics m{"ingest"};
  OutboxSender sender(outbox_sender_options(sender_config(5000ms), "ingest", "dispatch"), clock,
                      &m);
  sender.start();
  std::this_thread::sleep_for(300ms);
  put(conn, 0, 100);
  const auto keys = outbox_keys("dispatch");
  EXPECT_TRUE(eventually([&] { return conn.command({"ZCARD", keys.due}).integer == 0; }));
  EXPECT_EQ(handled().size(), 100u);
  EXPECT_EQ(second_count(), 0u);
  EXPECT_EQ(sample(m, "piket_outbox_swept_total", "dispatch"), 100);
  sender.stop();
}

// A receiver whose "ok" needs a confirmation (InboxReceiverOptions::confirm,
// the replication barrier in a deployment with min_replicas): not confirmed,
// no "ok" (the sender sends again); confirmed, "ok"; a failover followed while
// the handler ran, no "ok" even when confirmed.
TEST_F(MessagingTest, AnOkWaitsForTheConfirmationAndForNoFailoverInBetween) {
  std::atomic<bool> confirmed{false};
  std::atomic<bool> failover_in_handler{false};
  std::atomic<int> confirmations{0};
  auto options = inbox_receiver_options(deployment_.config("dispatch"), "dispatch", 2);
  const auto confirmed_endpoint = "tcp://127.0.0.1:" + std::to_string(launch::free_tcp_port());
  options.endpoint = confirmed_endpoint;
  Metrics metrics{"dispatch"};
  options.confirm = [&] {
    ++confirmations;
    return confirmed.load();
  };
  InboxReceiver receiver(
      options,
      [&](std::string_view, std::string_view, std::string_view) {
        if (failover_in_handler) ++redis_stats().failovers_followed;
        return true;
      },
      &metrics);
  receiver.start();
  Client ingest(confirmed_endpoint, deployment_.keys.at("ingest"), dispatch_key());
  EXPECT_FALSE(ingest.send("dispatch", "I0000000000000001", "{}", 700ms));
  EXPECT_GE(confirmations.load(), 1);
  confirmed = true;
  EXPECT_TRUE(ingest.send("dispatch", "I0000000000000001", "{}"));
  failover_in_handler = true;
  EXPECT_FALSE(ingest.send("dispatch", "I0000000000000002", "{}", 700ms));
  failover_in_handler = false;
  EXPECT_TRUE(ingest.send("dispatch", "I0000000000000002", "{}"));
  std::istringstream text(metrics.render());
  double unconfirmed = -1;
  for (std::string line; std::getline(text, line);)
    if (line.rfind("piket_inbox_unconfirmed_total", 0) == 0)
      unconfirmed = std::stod(line.substr(line.rfind(' ') + 1));
  EXPECT_EQ(unconfirmed, 2);
  receiver.stop();
}

// ---------------------------------------------------------------- batches and ranks

// A receiver with a batch handler on an endpoint of its own, fed by ingest's
// real OutboxSender from the outbox in Redis.
class BatchReceiverTest : public MessagingTest {
 protected:
  struct Batch {
    std::vector<std::string> ids;
  };

  InboxReceiverOptions options(std::size_t max_batch) {
    auto o = inbox_receiver_options(deployment_.config("dispatch"), "dispatch", 1);
    o.endpoint = batch_endpoint_;
    o.max_batch = max_batch;
    // A code red first: what dispatch::message_rank does with the kind.
    o.rank = [](std::string_view, std::string_view, std::string_view payload) {
      return payload.find("\"kind\":\"code_red\"") != std::string_view::npos ? 1 : 10;
    };
    return o;
  }
  // Resends after `resend_after` what was not answered.
  OutboxSenderOptions sender_options(std::chrono::milliseconds resend_after = 5000ms) {
    auto o =
        outbox_sender_options(deployment_.config("ingest", redis_->config()), "ingest", "dispatch");
    o.endpoints = {batch_endpoint_};
    o.resend_after = resend_after;
    return o;
  }
  // An incident message in the outbox, due at `due` (the sender sends in that order).
  void put(RedisConnection& conn, const std::string& id, const std::string& kind, int due) {
    const auto keys = outbox_keys("dispatch");
    conn.command(
        {"HSET", keys.data, id,
         R"({"incident_id":")" + id + R"(","case_id":"C12345678","kind":")" + kind + "\"}"});
    conn.command({"ZADD", keys.due, std::to_string(due), id});
  }
  std::vector<Batch> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  std::vector<std::string> order() {
    std::vector<std::string> out;
    for (const auto& b : batches())
      for (const auto& id : b.ids) out.push_back(id);
    return out;
  }
  void record(std::span<const InboxMessage> batch) {
    Batch b;
    for (const auto& m : batch) b.ids.emplace_back(m.id);
    std::lock_guard lock(mutex_);
    batches_.push_back(std::move(b));
  }

  std::string batch_endpoint_ = "tcp://127.0.0.1:" + std::to_string(launch::free_tcp_port());
  std::vector<Batch> batches_;
  Metrics batch_metrics_{"dispatch"};
};

// A backlog of routine incidents waits in the receiver's queue (its one
// worker is busy); a code red sent after all of them is the next one
// handled, before every routine incident that was still waiting. The rest
// come in batches of at most max_batch, each message handled once.
TEST_F(BatchReceiverTest, ACodeRedSentBehindABacklogIsHandledBeforeIt) {
  RedisConnection conn(redis_->config());
  constexpr int kRoutine = 20;
  for (int n = 0; n < kRoutine; ++n)
    put(conn, "I00000000000000" + std::to_string(10 + n), "home_ban", n);
  const std::string red = "I0000000000000099";
  put(conn, red, "code_red", kRoutine);
  std::atomic<bool> first{true};
  InboxReceiver receiver(
      options(4),
      [&](std::span<const InboxMessage> batch) {
        // The first batch holds the worker until every message has arrived:
        // a backlog, with the code red last in it.
        if (first.exchange(false))
          eventually([&] {
            return sample(batch_metrics_, "piket_inbox_received_total", "") >= kRoutine + 1;
          });
        record(batch);
        return std::vector<bool>(batch.size(), true);
      },
      &batch_metrics_);
  receiver.start();
  SystemClock clock;
  OutboxSender sender(sender_options(), clock);
  sender.start();
  const auto keys = outbox_keys("dispatch");
  EXPECT_TRUE(eventually([&] { return conn.command({"ZCARD", keys.due}).integer == 0; }, 5000ms));
  sender.stop();
  receiver.stop();

  const auto all = order();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kRoutine + 1));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size()) << "each once";
  const auto got = batches();
  ASSERT_GE(got.size(), 2u);
  // Only what the worker had already taken before the backlog formed comes
  // before the code red.
  const auto pos = static_cast<std::size_t>(std::find(all.begin(), all.end(), red) - all.begin());
  EXPECT_LE(pos, got[0].ids.size());
  if (pos == got[0].ids.size()) {
    EXPECT_EQ(got[1].ids[0], red);
  }
  std::size_t largest = 0;
  for (const auto& b : got) largest = std::max(largest, b.ids.size());
  EXPECT_EQ(largest, 4u) << "a backlog is taken in batches of max_batch";
  // The routine ones in the order they were sent (first in, first out within a rank).
  std::vector<std::string> routine;
  for (const auto& id : all)
    if (id != red) routine.push_back(id);
  EXPECT_TRUE(std::is_sorted(routine.begin(), routine.end()));
  EXPECT_EQ(sample(batch_metrics_, "piket_inbox_queue_wait_seconds_count", R"(channel="dispatch")"),
            kRoutine + 1);
  EXPECT_EQ(sample(batch_metrics_, "piket_inbox_batch_size_count", R"(channel="dispatch")"),
            static_cast<double>(got.size()));
  EXPECT_EQ(sample(batch_metrics_, "piket_inbox_batch_size_sum", R"(channel="dispatch")"),
            kRoutine + 1);
}

// At low load a batch is the one message there is, handled at once: no timer.
TEST_F(BatchReceiverTest, AtLowLoadABatchIsOneMessageHandledAtOnce) {
  InboxReceiver receiver(
      options(128),
      [&](std::span<const InboxMessage> batch) {
        record(batch);
        return std::vector<bool>(batch.size(), true);
      },
      &batch_metrics_);
  receiver.start();
  Client ingest(batch_endpoint_, deployment_.keys.at("ingest"), dispatch_key());
  for (int n = 0; n < 3; ++n) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(ingest.send("dispatch", "I000000000000000" + std::to_string(n), "{}"));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 100ms);
  }
  receiver.stop();
  const auto got = batches();
  ASSERT_EQ(got.size(), 3u);
  for (const auto& b : got) EXPECT_EQ(b.ids.size(), 1u);
}

// A batch handler's result is per message: the one it did not finish is not
// acknowledged and comes again (alone); the others are done once.
TEST_F(BatchReceiverTest, AMessageOfABatchLeftUndoneComesAgainAlone) {
  RedisConnection conn(redis_->config());
  for (int n = 0; n < 10; ++n) put(conn, "I00000000000000" + std::to_string(10 + n), "home_ban", n);
  const std::string refused_once = "I0000000000000015";
  std::atomic<bool> refused{false};
  InboxReceiver receiver(
      options(128),
      [&](std::span<const InboxMessage> batch) {
        record(batch);
        std::vector<bool> done(batch.size(), true);
        for (std::size_t k = 0; k < batch.size(); ++k)
          if (batch[k].id == refused_once && !refused.exchange(true)) done[k] = false;
        return done;
      },
      &batch_metrics_);
  receiver.start();
  SystemClock clock;
  OutboxSender sender(sender_options(1000ms), clock);
  sender.start();
  const auto keys = outbox_keys("dispatch");
  EXPECT_TRUE(eventually([&] { return conn.command({"ZCARD", keys.due}).integer == 0; }, 5000ms));
  sender.stop();
  receiver.stop();
  const auto all = order();
  EXPECT_EQ(all.size(), 11u);
  EXPECT_EQ(std::count(all.begin(), all.end(), refused_once), 2);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 10u);
  EXPECT_EQ(sample(batch_metrics_, "piket_inbox_unhandled_total", ""), 1);
}

// A batch handler that throws: none of its messages is acknowledged; they
// all come again.
TEST_F(BatchReceiverTest, ABatchWhoseHandlerThrowsComesAgainWhole) {
  RedisConnection conn(redis_->config());
  for (int n = 0; n < 5; ++n) put(conn, "I00000000000000" + std::to_string(10 + n), "home_ban", n);
  std::atomic<int> calls{0};
  InboxReceiver receiver(
      options(128),
      [&](std::span<const InboxMessage> batch) {
        if (calls++ == 0) throw RedisIoError("redis: connection lost");
        record(batch);
        return std::vector<bool>(batch.size(), true);
      },
      &batch_metrics_);
  receiver.start();
  SystemClock clock;
  OutboxSender sender(sender_options(1000ms), clock);
  sender.start();
  const auto keys = outbox_keys("dispatch");
  EXPECT_TRUE(eventually([&] { return conn.command({"ZCARD", keys.due}).integer == 0; }, 5000ms));
  sender.stop();
  receiver.stop();
  const auto all = order();
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 5u);
  EXPECT_GE(sample(batch_metrics_, "piket_inbox_unhandled_total", ""), 1);
}

// A backlog longer than the senders' resend interval: the receiver answers
// "queued" for what waits, the sender puts those resends off, and nothing
// is sent twice (before, every message waiting over resend_after went again:
// a surge multiplied itself). Without the notices (still_queued_every 0) the
// same backlog is sent again — the control that shows this test can fail.
class StillQueuedTest : public BatchReceiverTest, public ::testing::WithParamInterface<bool> {};

TEST_P(StillQueuedTest, ABacklogWaitingInTheQueueIsNotSentAgain) {
  const bool notices = GetParam();
  RedisConnection conn(redis_->config());
  constexpr int kBacklog = 16;
  for (int n = 0; n < kBacklog; ++n)
    put(conn, "I00000000000000" + std::to_string(10 + n), "home_ban", n);
  auto o = options(1);
  o.still_queued_every = notices ? 150ms : 0ms;
  // One message at a time, 100 ms each: the last waits 1.6 s, four resend intervals.
  InboxReceiver receiver(
      o,
      [&](std::span<const InboxMessage> batch) {
        std::this_thread::sleep_for(100ms);
        record(batch);
        return std::vector<bool>(batch.size(), true);
      },
      &batch_metrics_);
  receiver.start();
  SystemClock clock;
  Metrics sender_metrics{"ingest"};
  OutboxSender sender(sender_options(400ms), clock, &sender_metrics);
  sender.start();
  const auto keys = outbox_keys("dispatch");
  EXPECT_TRUE(eventually([&] { return conn.command({"ZCARD", keys.due}).integer == 0; }, 8000ms));
  sender.stop();
  receiver.stop();
  const auto all = order();
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(),
            static_cast<std::size_t>(kBacklog));
  const auto swept = sample(sender_metrics, "piket_outbox_swept_total", "dispatch");
  if (notices) {
    // The first sweep sends each once; nothing goes again.
    EXPECT_EQ(swept, kBacklog);
    EXPECT_GT(sample(sender_metrics, "piket_outbox_deferred_total", "dispatch"), 0);
    EXPECT_GT(sample(batch_metrics_, "piket_inbox_still_queued_total", ""), 0);
  } else {
    EXPECT_GT(swept, kBacklog + 4) << "without notices the waiting messages are sent again";
  }
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutNotices, StillQueuedTest, ::testing::Values(true, false));

// The notices put a resend off only while the receiver lives: one that stops
// with messages in its queue sends no more notices, and what it held is sent
// again to the receiver that takes its place, each message handled.
TEST_F(BatchReceiverTest, WhatAStoppedReceiverHeldIsSentAgainDespiteItsNotices) {
  RedisConnection conn(redis_->config());
  constexpr int kBacklog = 10;
  for (int n = 0; n < kBacklog; ++n)
    put(conn, "I00000000000000" + std::to_string(10 + n), "home_ban", n);
  auto o = options(1);
  o.still_queued_every = 100ms;
  std::atomic<int> first_handled{0};
  auto first = std::make_unique<InboxReceiver>(
      o,
      [&](std::span<const InboxMessage> batch) {
        std::this_thread::sleep_for(200ms);
        ++first_handled;
        record(batch);
        return std::vector<bool>(batch.size(), true);
      },
      &batch_metrics_);
  first->start();
  SystemClock clock;
  Metrics sender_metrics{"ingest"};
  OutboxSender sender(sender_options(400ms), clock, &sender_metrics);
  sender.start();
  // It has answered some and told the sender about the rest, then goes.
  EXPECT_TRUE(eventually(
      [&] { return sample(sender_metrics, "piket_outbox_deferred_total", "dispatch") > 0; }));
  first->stop();
  first.reset();
  const int handled_by_first = first_handled;
  ASSERT_LT(handled_by_first, kBacklog);
  Metrics second_metrics{"dispatch"};
  InboxReceiver second(
      o,
      [&](std::span<const InboxMessage> batch) {
        record(batch);
        return std::vector<bool>(batch.size(), true);
      },
      &second_metrics);
  second.start();
  const auto keys = outbox_keys("dispatch");
  EXPECT_TRUE(eventually([&] { return conn.command({"ZCARD", keys.due}).integer == 0; }, 5000ms));
  sender.stop();
  second.stop();
  const auto all = order();
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(),
            static_cast<std::size_t>(kBacklog))
      << "every message handled, none lost with the first receiver's queue";
}

TEST(MessagingKeys, SendersAndReceiversRefuseToStartWithoutValidKeys) {
  const Deployment d;
  SystemClock clock;
  auto no_keys = outbox_sender_options(d.config("ingest"), "ingest", "dispatch");
  no_keys.curve = {};
  EXPECT_THROW(OutboxSender(no_keys, clock), std::invalid_argument);
  auto mismatched = outbox_sender_options(d.config("ingest"), "ingest", "dispatch");
  mismatched.curve.public_key = d.keys.at("notify").public_key;  // not the secret key's
  EXPECT_THROW(OutboxSender(mismatched, clock), std::invalid_argument);
  auto nowhere = outbox_sender_options(d.config("ingest"), "ingest", "dispatch");
  nowhere.endpoints.clear();
  EXPECT_THROW(OutboxSender(nowhere, clock), std::invalid_argument);
  auto bad_secret = inbox_receiver_options(d.config("dispatch"), "dispatch", 1);
  bad_secret.curve.secret_key = "not a key";
  EXPECT_THROW(InboxReceiver(bad_secret, InboxHandler{}), std::invalid_argument);
  auto bad_client = inbox_receiver_options(d.config("dispatch"), "dispatch", 1);
  bad_client.curve.clients["short"] = "ingest";
  EXPECT_THROW(InboxReceiver(bad_client, InboxHandler{}), std::invalid_argument);
  Config without = d.config("ingest");
  without.zmq = {};
  EXPECT_THROW(outbox_sender_options(without, "ingest", "dispatch"), std::invalid_argument);
  EXPECT_THROW(inbox_receiver_options(without, "dispatch", 1), std::invalid_argument);
}

}  // namespace
}  // namespace piket::common
