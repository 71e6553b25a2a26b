// The RE2 options used for suite regexes, both when a suite is loaded (to
// reject invalid patterns early) and when outputs are checked.
// RE2 matches in linear time; max_mem bounds what one hostile or careless
// pattern may compile into (RE2 fails the compile instead).
#ifndef MODELGATE_EVAL_SUITE_SUITE_REGEX_H_
#define MODELGATE_EVAL_SUITE_SUITE_REGEX_H_

#include <re2/re2.h>

namespace modelgate::eval {

inline constexpr long long kSuiteRegexMaxMem = 8ll << 20;

inline RE2::Options SuiteRegexOptions() {
  RE2::Options options;
  options.set_max_mem(kSuiteRegexMaxMem);
  options.set_log_errors(false);
  return options;
}

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SUITE_SUITE_REGEX_H_
