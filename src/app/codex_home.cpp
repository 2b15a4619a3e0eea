#include "codex_home.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace loopscope::app {
namespace fs = std::filesystem;
namespace {

// The value of the first "timestamp" key of a JSON line, without a JSON parser: rollout lines
// start with it ({"timestamp":"…","type":…}), and one bad line only costs the bound.
std::optional<timestamp> stamp_of_line(std::string_view line) {
  constexpr std::string_view key = "\"timestamp\":\"";
  const std::size_t at = line.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  const std::size_t start = at + key.size();
  const std::size_t end = line.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return parse_rfc3339(line.substr(start, end - start));
}

}  // namespace

std::optional<codex_home> codex_home::locate() {
  if (const char* home = std::getenv("CODEX_HOME"); home != nullptr && *home != '\0') {
    return codex_home{home};
  }
  if (const char* user = std::getenv("HOME"); user != nullptr && *user != '\0') {
    return codex_home{fs::path(user) / ".codex"};
  }
  return std::nullopt;
}

std::vector<fs::path> codex_home::newest_rollouts(std::size_t count) const {
  struct found {
    fs::file_time_type time;
    fs::path path;
  };
  std::vector<found> all;
  std::error_code ec;
  const fs::path sessions = root / "sessions";
  if (!fs::is_directory(sessions, ec)) return {};
  for (fs::recursive_directory_iterator
           it(sessions, fs::directory_options::skip_permission_denied, ec),
       end;
       it != end; it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (!it->is_regular_file(ec) || !name.starts_with("rollout-")) continue;
    const fs::file_time_type time = it->last_write_time(ec);
    if (!ec) all.push_back({time, it->path()});
  }
  // Newest first; the same time is broken by the path (rollout names start with their date).
  std::sort(all.begin(), all.end(), [](const found& a, const found& b) {
    return a.time != b.time ? a.time > b.time : a.path > b.path;
  });
  std::vector<fs::path> paths;
  for (std::size_t i = 0; i < all.size() && i < count; ++i) paths.push_back(all[i].path);
  return paths;
}

std::optional<fs::path> codex_home::tui_log() const {
  std::error_code ec;
  const fs::path log = root / "log" / "codex-tui.log";
  if (fs::is_regular_file(log, ec)) return log;
  return std::nullopt;
}

std::optional<fs::path> codex_home::tracing_database() const {
  std::error_code ec;
  const fs::path database = root / "logs_2.sqlite";
  if (fs::is_regular_file(database, ec)) return database;
  return std::nullopt;
}

rollout_span span_of_rollout(const fs::path& rollout) {
  rollout_span span;
  std::ifstream in(rollout, std::ios::binary);
  if (!in) return span;
  constexpr std::size_t head_bytes = 64 * 1024;
  std::string chunk(head_bytes, '\0');
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  chunk.resize(static_cast<std::size_t>(in.gcount()));
  span.first = stamp_of_line(std::string_view(chunk).substr(0, chunk.find('\n')));
  // The last complete lines are in the file's last 64 KiB; the latest stamp among them ends it.
  in.clear();
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff from = size > static_cast<std::streamoff>(head_bytes)
                                  ? size - static_cast<std::streamoff>(head_bytes)
                                  : 0;
  in.seekg(from);
  chunk.assign(head_bytes, '\0');
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  chunk.resize(static_cast<std::size_t>(in.gcount()));
  std::string_view tail(chunk);
  if (from > 0) {
    const std::size_t first_break = tail.find('\n');
    tail.remove_prefix(first_break == std::string_view::npos ? tail.size() : first_break + 1);
  }
  std::size_t start = 0;
  while (start < tail.size()) {
    std::size_t end = tail.find('\n', start);
    if (end == std::string_view::npos) end = tail.size();
    if (const auto t = stamp_of_line(tail.substr(start, end - start));
        t && (!span.last || *t > *span.last)) {
      span.last = t;
    }
    start = end + 1;
  }
  if (!span.last) span.last = span.first;
  return span;
}

}  // namespace loopscope::app
