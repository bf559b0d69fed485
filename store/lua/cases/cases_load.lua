-- cases_load: one case's state for the deadline engine and the case API
-- (services/cases/src/case_store.cpp, RedisCaseStore::load and load_many; piket-web runs it
-- in-process)
-- KEYS: none (the case's keys are built from ARGV[1]: lib/cases_load_case.lua names them).
-- ARGV: 1 case id (store::CaseLoadArgs).
-- Reply: piket_load_case's (lib/cases_load_case.lua; store::parse_loaded_case reads it).
--#include "lib/cases_load_case.lua"
return piket_load_case(ARGV[1])
