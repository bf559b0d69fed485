#include "piket/common/page_script.hpp"


#include "piket/common/crypto.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/reply_code.hpp"

namespace piket::common {

std::string new_page_id() {
  return "P" + random_base32(16);
}
std::string new_ack_code() {
  return new_reply_code();
}

}  // namespace piket::common
