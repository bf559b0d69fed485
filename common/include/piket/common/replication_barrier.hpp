#pragma once
// A ZeroMQ receiver's "ok" means what a partner's 201 means: with [redis]
// min_replicas, the receiver's write is on enough replicas to survive the loss
// of the primary's machine. Without it the sender deletes its outbox entry
// while the write exists on the primary alone; a failover then loses the
// write but not the deletion, which the sender makes on the new primary (its
// acknowledgements are retried after a Redis error), and the message is gone:
// an incident never paged (seen in the failover test).
//
// The handlers write on connections of their own service code, so the
// barrier writes one key of its own (replication:barrier:<service>) and WAITs
// for that: replication is one ordered stream, so a replica that has the
// barrier has every write the primary made before it. The InboxReceiver
// (InboxReceiverOptions::confirm) runs it once for all the messages that
// finished meanwhile, and answers none whose handler began before this
// process followed a failover (the handler's write may be on the old primary,
// the barrier on the new one): those are sent again, and the receiver,
// idempotent, handles them against the new primary's state.

#include <functional>
#include <string>

#include "piket/common/config.hpp"

namespace piket::common {

// Empty when `redis.min_replicas` is 0 (every "ok" at once, as on one
// machine); otherwise a function, for one thread, that sets the service's
// barrier key and returns whether `min_replicas` replicas acknowledged it
// within `replica_wait`. Throws RedisError when Redis cannot be reached.
std::function<bool()> replication_barrier(const RedisConfig& redis, const std::string& service);

}  // namespace piket::common
