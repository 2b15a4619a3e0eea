// Escaping for GitHub-flavoured Markdown and the Mermaid diagrams inside it. Each function makes
// text safe for one context only; reporters pick the one for where the text lands.
#pragma once

#include <string>
#include <string_view>

namespace loopscope::report::detail {

// Inline prose and table cells: Markdown punctuation backslash-escaped (no emphasis, links, HTML
// or cell splits), newlines folded into spaces.
std::string markdown_text(std::string_view text);
// A code span that holds any text: the backtick fence outgrows the text's longest backtick run;
// pipes are escaped because GitHub splits table rows before it reads code spans.
std::string markdown_code(std::string_view text);
// Text inside an HTML element (<summary>): &, < and > as entities.
std::string html_text(std::string_view text);
// A fence (```…) longer than any backtick run in `body`, so no line of it closes the block.
std::string markdown_fence(std::string_view body);

}  // namespace loopscope::report::detail
