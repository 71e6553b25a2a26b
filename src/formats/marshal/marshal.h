// MarshalReader: a bounded decoder of CPython's marshal format, enough to
// tell what a marshalled code object (a Keras Lambda's `marshal.dumps(
// func.__code__)`) references: the names it looks up (co_names), its string
// constants, its file and function names, and the same for every code object
// nested in its constants.
//
// Marshal data does not say which Python wrote it, and code objects changed
// layout: 3.7 (no posonlyargcount), 3.8-3.10 (posonlyargcount, varnames,
// freevars, cellvars, lnotab) and 3.11-3.13 (localsplusnames/kinds, qualname,
// linetable, exceptiontable). DecodeMarshalCode tries each layout and keeps
// the one that consumes the input exactly.
//
// All value types are read (None/bools/ints/longs/floats/complex, bytes and
// every string encoding incl. interned and short forms, tuples incl. small
// tuples, lists, dicts, sets, frozensets, code) with FLAG_REF back-references
// ('r'), iteratively (explicit stack) under Limits::max_marshal_values and
// max_marshal_depth. Nothing is executed or imported.
#ifndef MODELGATE_FORMATS_MARSHAL_MARSHAL_H_
#define MODELGATE_FORMATS_MARSHAL_MARSHAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate {

struct MarshalCode {
  std::string name;                       // co_name
  std::string filename;                   // co_filename
  std::vector<std::string> names;         // co_names: globals, attributes, imports
  std::vector<std::string> string_consts; // str constants (bytes constants as latin-1)
  std::vector<std::string> varnames;      // arguments and locals
};

struct MarshalSummary {
  std::string layout;  // "3.11-3.13", "3.8-3.10" or "3.7"
  // The top-level code object first, then nested ones in discovery order.
  std::vector<MarshalCode> code_objects;
  // Union of all code objects' names and string constants, first-seen order.
  std::vector<std::string> all_names;
  std::vector<std::string> all_strings;
};

// Decodes `bytes` as one marshalled code object.
// Returns kCorruption when no layout decodes the input as a code object that
// ends exactly at the end of the input (not marshal data, truncated, or a
// layout not listed above), kLimitExceeded when a bound is hit.
// The summary owns its strings. Thread-safe.
Result<MarshalSummary> DecodeMarshalCode(ByteView bytes, const Limits& limits);

}  // namespace modelgate

#endif  // MODELGATE_FORMATS_MARSHAL_MARSHAL_H_
