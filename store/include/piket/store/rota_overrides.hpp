#pragma once
// Rota overrides (owner: piket-dispatch's OverrideStore, services/dispatch —
// its rota API and piket-web, which runs it in-process, record them; dispatch's
// live rota reads them).
// rota:overrides: hash, override id -> JSON; rota:overrides:version: string, a
// counter bumped with each change (readers reload when it moves).

#include <string_view>

namespace piket::store {

inline constexpr std::string_view kRotaOverrides = "rota:overrides";
inline constexpr std::string_view kRotaOverridesVersion = "rota:overrides:version";

}  // namespace piket::store
