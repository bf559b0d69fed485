#include "piket/paging/page_script.hpp"

#include "piket/common/crypto.hpp"
#include "piket/common/reply_code.hpp"

namespace piket::paging {

std::string new_page_id() {
  return "P" + common::random_base32(16);
}
std::string new_ack_code() {
  return common::new_reply_code();
}

}  // namespace piket::paging
