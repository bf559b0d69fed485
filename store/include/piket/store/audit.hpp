#pragma once
// The audit trail (owner: piket-web; docs/web.md "Audit trail").

#include <string_view>

namespace piket::store {

inline constexpr std::string_view kAuditLog = "audit:log";
inline constexpr std::string_view kAuditHead = "audit:head";

}  // namespace piket::store
