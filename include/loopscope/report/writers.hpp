// The reporters: text for terminals, Markdown for bug issues, JSON for machines, DOT for Graphviz,
// JUnit XML for CI systems, the Prometheus text format for node_exporter.
#pragma once

#include <ostream>

#include "loopscope/report/redact.hpp"
#include "loopscope/report/report.hpp"

namespace loopscope::report {

enum class color_mode : unsigned char { never, always };

struct render_options {
  redaction redact = redaction::on;
  color_mode color = color_mode::never;
  std::size_t width = 100;  // terminal columns for the text report
};

void write_json(const report& r, std::ostream& out, const render_options& options);
void write_text(const report& r, std::ostream& out, const render_options& options);
void write_markdown(const report& r, std::ostream& out, const render_options& options);
void write_dot(const report& r, std::ostream& out, const render_options& options);
// JUnit XML: a test case per session, a failure per root cause, an error per unreadable input.
void write_junit(const report& r, std::ostream& out, const render_options& options);
// Prometheus text format for node_exporter's textfile collector.
void write_openmetrics(const report& r, std::ostream& out, const render_options& options);

}  // namespace loopscope::report
