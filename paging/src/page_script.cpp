#include "piket/paging/page_script.hpp"

#include "piket/common/crypto.hpp"
#include "piket/paging/reply_code.hpp"

namespace piket::paging {

std::string new_page_id() {
  return "P" + common::random_base32(16);
}
std::string new_ack_code() {
  return paging::new_reply_code();
}

}  // namespace piket::paging
