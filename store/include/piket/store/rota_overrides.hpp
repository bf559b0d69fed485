#pragma once
// Rota overrides (owner: piket-web, which records them; piket-dispatch reads).

#include <string_view>

namespace piket::store {

inline constexpr std::string_view kRotaOverrides = "rota:overrides";
inline constexpr std::string_view kRotaOverridesVersion = "rota:overrides:version";

}  // namespace piket::store
