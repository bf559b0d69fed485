#pragma once
// Canonical text of a JSON value, for the idempotency check of POST /v1/incidents:
// the same (partner, reference) with an identical body answers 200, a different
// body 409. "Identical" means the same known fields with the same JSON values, so
// a retry that differs only in whitespace, key order, string escaping or unknown
// fields must compare equal. No I/O.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

namespace piket::ingest {

// Compact serialisation (no whitespace) with every object's keys sorted by their
// UTF-8 bytes (= code point order), recursively. Nothing is dropped: unknown
// fields and nulls count. Array order counts.
//
// Strings are written the way Boost.JSON writes them, so "\u00e9" and "é" in the
// input give the same output. Numbers are compared by value: a double that is
// integral and fits in int64 is written as that integer (1, 1.0, 1e0 and 10E-1
// agree; -0.0 is 0); other doubles use Boost.JSON's shortest round-trip form.
//
// Duplicate keys never reach here: Boost.JSON's parser keeps the last one.
std::string canonical_json(const boost::json::value& value);

// What the idempotency check compares: SHA-256 (hex) of the canonical JSON of
// `stored`, the known fields of a validated body (IncidentRequest::stored).
// The contract says unknown fields are ignored, so a replay that only adds or
// changes an unknown field (or a null) is the same incident; a change to any
// known field is not.
std::string idempotency_hash(const boost::json::object& stored);

}  // namespace piket::ingest
