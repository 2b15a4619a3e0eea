// Normalized events as JSON lines (the `events` command), redacted like every other output.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "loopscope/core/event.hpp"
#include "loopscope/report/redact.hpp"

namespace loopscope::report {

enum class message_visibility : unsigned char { hidden, shown };

// User prompts stay out unless asked for: they are the user's words, not evidence of a loop.
void write_event_json(const event& e, std::string_view input_path, std::ostream& out,
                      redaction redact, message_visibility user_messages);

}  // namespace loopscope::report
