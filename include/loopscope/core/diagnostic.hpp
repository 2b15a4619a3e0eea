// Problems met while reading data: values collected and reported, never exceptions.
#pragma once

#include <string>
#include <vector>

#include "loopscope/core/origin.hpp"

namespace loopscope {

enum class diagnostic_level : unsigned char { note, warning, error };

struct diagnostic {
  diagnostic_level level = diagnostic_level::warning;
  origin where;         // line 0 when the problem concerns the whole input
  std::string message;  // one sentence, no trailing period
};

using diagnostics = std::vector<diagnostic>;

}  // namespace loopscope
