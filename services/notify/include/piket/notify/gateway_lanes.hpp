#pragma once
// The sends of one claimed batch, several at once (docs/paging.md, "Sending").
// A lane is one gateway connection: its own SmsGateway (a keep-alive HTTP
// connection to Kannel's sendsms) and EmailGateway, used by one send at a
// time. A batch's sends are taken in order by whichever lane is free, so a
// slow connection holds up only the send on it; the others go on.

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "piket/notify/email_gateway.hpp"
#include "piket/notify/sms_gateway.hpp"

namespace piket::notify {

using GatewayFactory = std::function<std::unique_ptr<SmsGateway>()>;
using EmailGatewayFactory = std::function<std::unique_ptr<EmailGateway>()>;

// What one lane sends through. `email` may be null (no [smtp]): e-mail
// deliveries then fail permanently and the page falls back past them.
struct Gateways {
  SmsGateway* sms = nullptr;
  EmailGateway* email = nullptr;
};

// One send of a batch, run on one lane with that lane's gateways.
using SendJob = std::function<void(const Gateways&)>;

class SendLanes {
 public:
  virtual ~SendLanes() = default;
  // How many sends go at once.
  virtual std::size_t width() const = 0;
  // Runs every job, at most width() at once, taken in the order given, and
  // returns when all have ended. A job that throws ends only itself: the
  // others run, and run() rethrows the first exception once all have ended.
  virtual void run(const std::vector<SendJob>& jobs) = 0;
};

// One lane on the calling thread: the jobs one after the other (one gateway
// connection; tests drive the Notifier through it).
class InlineLanes final : public SendLanes {
 public:
  explicit InlineLanes(Gateways gateways) : gateways_(gateways) {}
  std::size_t width() const override { return 1; }
  void run(const std::vector<SendJob>& jobs) override;

 private:
  Gateways gateways_;
};

// `count` lanes, each with gateways of its own, made by the factories on the
// lane's thread when it first sends (a factory may be empty: no gateway of
// that kind; one that throws is tried again before the lane's next job, and
// that job fails with its exception). The calling thread is one lane: a batch
// of one send runs on it at once, with no hand-off; the other count - 1 lanes
// are threads of their own, started by the first batch of more than one send.
// Not copyable; the destructor ends the threads. run() is for one caller at a
// time (the caller's lane keeps its connections from one call to the next).
class ThreadLanes final : public SendLanes {
 public:
  ThreadLanes(std::size_t count, GatewayFactory sms, EmailGatewayFactory email);
  ~ThreadLanes() override;
  ThreadLanes(const ThreadLanes&) = delete;
  ThreadLanes& operator=(const ThreadLanes&) = delete;

  std::size_t width() const override;
  void run(const std::vector<SendJob>& jobs) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::notify
