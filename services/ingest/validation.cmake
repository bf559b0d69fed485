# piket_ingest_validation: the pure part of the ingest service — request
# validation, canonical JSON for idempotency. No I/O.
add_library(piket_ingest_validation STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/canonical_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/validation.cpp
)
target_include_directories(piket_ingest_validation PUBLIC ${CMAKE_CURRENT_LIST_DIR}/include)
target_link_libraries(piket_ingest_validation
  PUBLIC piket_common_core Boost::json
  PRIVATE piket_warnings)
