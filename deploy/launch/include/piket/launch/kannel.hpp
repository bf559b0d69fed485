#pragma once
// A private Kannel 1.4.5 SMS gateway with a fake SMSC: bearerbox + smsbox + fakesmsc on
// loopback ports of our choosing, with their config, spool and logs in one data directory.
//
// Message flow:
//   piket --HTTP GET sendsms--> smsbox --> bearerbox --smsc "fake"--> fakesmsc (logs the SMS)
//   fakesmsc --injected MO SMS--> bearerbox --> smsbox --HTTP GET get-url--> piket
//   bearerbox DLRs (dlr-mask / dlr-url on the sendsms request) --> smsbox --HTTP GET--> dlr-url
//
// Incoming (MO) SMS injection: fakesmsc, started with messages on its command line, sends those
// and is the only client the fake SMSC port accepts at a time. Started with no messages it is
// in "interactive mode" instead: every line it reads on stdin is sent to bearerbox as an SMS,
// and it keeps logging what bearerbox delivers. KannelStack runs the single fakesmsc in that
// mode with its stdin connected to us, so inject_sms() writes one line
// "<from> <to> text <text>" (or "<from> <to> data <url-encoded text>" when the text has control
// characters such as newlines) and waits until fakesmsc logs "fakesmsc: sent message N". The
// wait matters: fakesmsc reads stdin through stdio and select(), so a second line written before
// the first one was consumed would sit in its buffer until more input arrives. Limits: the
// line (with '\n') must fit in fakesmsc's 256-byte stdin buffer, i.e. at most 255 bytes, and
// from/to must not contain whitespace. With get-url parameters: %p is the sender (from), %P the
// receiver (to), %a the text's words joined by single spaces (newlines and runs of spaces
// collapse), %b the text as received.
//
// Delivered (MT) SMS appear in fakesmsc's log; see fakesmsc_log.hpp for the format.
//
// Timing measured on the 2-core Debian 12 machine: bearerbox opens its ports ~50 ms after exec,
// smsbox its sendsms port ~30 ms later, but smsbox shows up as connected on bearerbox's status
// page only ~1 s after that, so start() takes ~1.05-1.2 s. stop() takes ~1.0-1.1 s: with
// fakesmsc, smsbox and bearerbox signalled together smsbox exits in ~0.1 s and bearerbox in
// ~1 s (stopped one after the other they took ~2 s each). After bearerbox was kill -9'ed,
// start() and delivery of the spooled SMS take ~1.1-1.6 s. fakesmsc in interactive mode logs a
// delivered SMS after up to ~1 s (it waits for stdin with a 1 s timeout between reads of the
// SMSC socket); the first SMS after start usually shows up within ~50 ms. A failed get-url /
// dlr-url call is retried after http_queue_delay_s (1 s by default).
//
// Durability: store-type = spool keeps every queued message as a file under data_dir/spool, so
// SMS accepted by bearerbox survive a crash and are re-sent after start(). DLR bookkeeping
// (dlr-storage = internal) and smsbox's retry queue for failed get-url/dlr-url calls
// (http-request-retry) live in memory only.
//
// KannelStack is not thread-safe: use one object from one thread at a time.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "piket/launch/fakesmsc_log.hpp"
#include "piket/launch/process.hpp"

namespace piket::launch {

inline constexpr const char* kFakeSmscId = "fake";

struct KannelConfig {
  // 0: KannelStack picks a free port (config() tells which).
  std::uint16_t admin_port = 0;    // bearerbox HTTP admin/status
  std::uint16_t smsbox_port = 0;   // bearerbox <- smsbox
  std::uint16_t sendsms_port = 0;  // smsbox HTTP sendsms interface
  std::uint16_t smsc_port = 0;     // bearerbox fake SMSC <- fakesmsc
  std::string username;            // sendsms-user
  std::string password;
  // sms-service get-url for incoming SMS, e.g.
  // http://127.0.0.1:PORT/kannel/sms?from=%p&to=%P&text=%a
  std::string get_url;
  // Or post-url (exactly one of the two): smsbox POSTs the text as the body
  // and the sender in X-Kannel-From, so the URL it logs when the call fails
  // ("Couldn't fetch <url>", at ERROR) carries no number and no text.
  std::string post_url;
  std::filesystem::path data_dir;  // absolute
  // bearerbox's admin interface. Empty: KannelStack makes a random one (a deployment passes
  // its generated secret, kannel-admin.password; never a constant).
  std::string admin_password;
  int log_level = 0;  // bearerbox.log: 0 debug, 1 info, 2 warning, 3 error
  // smsbox.log. Kannel 1.4.5's smsbox logs every SMS text and number at INFO ("sendsms
  // sender:<…> to:<number> msg:<text>", "Starting to service <text> from <number>"), reply
  // codes included; at 2 (warning) it logs neither. What it still logs at ERROR, whatever the
  // level: "Couldn't fetch <url>" when a get-url/dlr-url call cannot connect (piket's inbound
  // down) — with the URL, so the sender, the text and the callback secret. data_dir is
  // therefore private (0700), like the spool, which holds every queued SMS anyway.
  int smsbox_log_level = 2;
  // smsbox retries a get-url / dlr-url call that fails (connection error or a status other
  // than 200/202) this many times, http_queue_delay_s seconds apart.
  int http_request_retry = 30;
  int http_queue_delay_s = 1;
  // sendsms-user: a long text is sent as up to this many concatenated parts.
  int max_message_parts = 10;
  // smsc: numbers starting with this prefix are not routed (smsc `denied-prefix`): Kannel
  // answers sendsms with 403 "Not routable. Do not try again." and sends a delivery report
  // of type 16 (rejected by the SMSC) — a real permanent failure for tests. Empty: none.
  std::string denied_prefix;
};

// The kannel.conf text:
//  core:         admin-port/-interface/-password (admin from 127.0.0.1 only; the status
//                pages need the same password), smsbox-port/
//                -interface, box-allow-ip 127.0.0.1, store-type spool + store-location
//                data_dir/spool, dlr-storage internal, log-file data_dir/bearerbox.log
//  smsc:         smsc fake, smsc-id "fake", port smsc_port, our-host and connect-allow-ip
//                127.0.0.1
//  smsbox:       bearerbox-host/-port, sendsms-port/-interface 127.0.0.1, log-file
//                data_dir/smsbox.log, http-request-retry, http-queue-delay
//  sendsms-user: username, password, max-messages = max_message_parts, concatenation = true
//                (max-messages = 0 here would make Kannel 1.4.5 drop every sendsms message
//                and never answer the HTTP request)
//  sms-service:  keyword default, catch-all yes, max-messages 0 (the get-url's response is
//                never sent back as an SMS), get-url
// Throws std::invalid_argument for a zero port, an empty username/password/admin_password/
// get_url, a relative data_dir, or a value containing '"', '\\' or a line break.
std::string render_kannel_conf(const KannelConfig& config);

struct KannelBinaries {
  std::filesystem::path bearerbox = "/usr/sbin/bearerbox";
  std::filesystem::path smsbox = "/usr/sbin/smsbox";
  std::filesystem::path fakesmsc = "/usr/lib/kannel/test/fakesmsc";
};

class KannelStack {
 public:
  static constexpr std::chrono::milliseconds kStartTimeout{20'000};
  static constexpr std::chrono::milliseconds kStopTimeout{15'000};
  static constexpr std::chrono::milliseconds kInjectTimeout{5'000};

  // Creates data_dir (mode 0700: Kannel's logs and spool hold texts and numbers), picks free
  // ports for the zero ones and a random admin password if none is given. Does not start
  // anything.
  explicit KannelStack(KannelConfig config, KannelBinaries binaries = {});
  ~KannelStack();  // stop()
  KannelStack(const KannelStack&) = delete;
  KannelStack& operator=(const KannelStack&) = delete;

  // Writes conf_path(); starts bearerbox and waits for its smsbox port, starts smsbox and waits
  // for its sendsms port, starts fakesmsc; returns once the admin status page shows smsbox
  // on-line and the fake SMSC online. Whatever is already running is stopped first, so after a
  // crash (e.g. bearerbox().kill9()) start() brings the whole stack back; spooled messages are
  // then re-sent. Throws std::runtime_error (with log excerpts) on failure or timeout; what was
  // started is stopped again.
  void start(std::chrono::milliseconds timeout = kStartTimeout);
  // SIGTERM to fakesmsc, smsbox and bearerbox together; waits for all of them, SIGKILL for any
  // still running after `timeout`. Safe to call when (some) processes are already gone. An
  // smsbox whose bearerbox has died gets SIGKILL after 0.5 s: it would otherwise take ~10 s
  // (its reconnect loop), and it holds nothing that was acknowledged.
  void stop(std::chrono::milliseconds timeout = kStopTimeout);
  // All three processes are alive.
  bool running();

  // Sends an incoming SMS from the fake SMSC (see above). Throws std::invalid_argument for
  // from/to with whitespace or a line over 255 bytes, std::runtime_error if fakesmsc is not
  // running or does not confirm within `timeout`.
  void inject_sms(std::string_view from, std::string_view to, std::string_view text,
                  std::chrono::milliseconds timeout = kInjectTimeout);

  // SMS delivered to the fake SMSC since this object first started the stack (across restarts).
  std::vector<DeliveredSms> delivered() const;
  // Polls delivered() until it has at least `count` entries or `timeout` passes; returns the
  // last result either way.
  std::vector<DeliveredSms> wait_for_delivered(std::size_t count,
                                               std::chrono::milliseconds timeout) const;

  // "/cgi-bin/sendsms?username=..&password=..&from=..&to=..&text=..&charset=UTF-8", every value
  // url-encoded; append e.g. "&dlr-mask=31&dlr-url=<encoded>" as needed.
  std::string sendsms_target(std::string_view from, std::string_view to,
                             std::string_view text) const;
  // The bearerbox status page (status.txt), for diagnostics. Throws if unreachable.
  std::string admin_status(std::chrono::milliseconds timeout = std::chrono::seconds(2)) const;

  const KannelConfig& config() const { return config_; }
  std::filesystem::path conf_path() const { return config_.data_dir / "kannel.conf"; }
  std::filesystem::path spool_dir() const { return config_.data_dir / "spool"; }
  // Kannel's own log files (log-file), at config.log_level.
  std::filesystem::path bearerbox_log_path() const { return config_.data_dir / "bearerbox.log"; }
  std::filesystem::path smsbox_log_path() const { return config_.data_dir / "smsbox.log"; }
  // The boxes' stdout/stderr (warnings and worse, and anything before the log-file is open).
  std::filesystem::path bearerbox_output_path() const {
    return config_.data_dir / "bearerbox.stderr";
  }
  std::filesystem::path smsbox_output_path() const { return config_.data_dir / "smsbox.stderr"; }
  // fakesmsc's output: where delivered SMS appear.
  std::filesystem::path fakesmsc_log_path() const { return config_.data_dir / "fakesmsc.log"; }

  // For crash tests: e.g. bearerbox().kill9(), then start() again.
  Process& bearerbox() { return bearerbox_; }
  Process& smsbox() { return smsbox_; }
  Process& fakesmsc() { return fakesmsc_; }

 private:
  bool ready(std::string& last_status) const;
  [[noreturn]] void fail_start(const std::string& why);

  KannelConfig config_;
  KannelBinaries binaries_;
  Process bearerbox_;
  Process smsbox_;
  Process fakesmsc_;
  bool started_once_ = false;
  std::uintmax_t delivered_origin_ = 0;  // fakesmsc.log size when first started
  std::uintmax_t fakesmsc_origin_ = 0;   // fakesmsc.log size when fakesmsc last started
  std::uint64_t injected_ = 0;           // lines written to the current fakesmsc
};

}  // namespace piket::launch
