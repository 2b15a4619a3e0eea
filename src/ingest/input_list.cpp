#include "loopscope/ingest/input_list.hpp"

#include <algorithm>
#include <set>
#include <system_error>

#include <fmt/format.h>

namespace loopscope::ingest {
namespace fs = std::filesystem;
namespace {

struct walker {
  input_list& out;
  std::set<fs::path> visited_directories;

  void problem(const std::string& name, const std::string& why) {
    out.unreadable.push_back(name);
    out.problems.push_back({diagnostic_level::error, {}, fmt::format("{}: {}", name, why)});
  }

  void walk_directory(const fs::path& directory, const std::string& shown) {
    std::error_code ec;
    const fs::path canonical = fs::canonical(directory, ec);
    if (ec) {
      problem(shown, ec.message());
      return;
    }
    if (!visited_directories.insert(canonical).second) {
      out.problems.push_back(
          {diagnostic_level::warning,
           {},
           fmt::format("{}: directory already visited (symlink loop?); skipped", shown)});
      return;
    }
    std::vector<fs::directory_entry> entries;
    fs::directory_iterator it(directory, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      problem(shown, ec.message());
      return;
    }
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      entries.push_back(*it);
    }
    if (ec) problem(shown, ec.message());
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return a.path().filename() < b.path().filename();
    });
    for (const auto& entry : entries) {
      const fs::path& path = entry.path();
      const std::string child_shown = (fs::path(shown) / path.filename()).string();
      std::error_code status_ec;
      const fs::file_status status = fs::status(path, status_ec);
      if (status_ec) {
        problem(child_shown, status_ec.message());
        continue;
      }
      if (fs::is_directory(status)) {
        walk_directory(path, child_shown);
      } else if (fs::is_regular_file(status)) {
        out.inputs.push_back({child_shown, path, false});
      }
    }
  }
};

}  // namespace

input_list expand_inputs(const std::vector<std::string>& names) {
  input_list out;
  walker walk{out, {}};
  for (const std::string& name : names) {
    if (name == "-") {
      out.inputs.push_back({"-", {}, true});
      continue;
    }
    std::error_code ec;
    const fs::file_status status = fs::status(name, ec);
    if (ec || !fs::exists(status)) {
      walk.problem(name, ec ? ec.message() : "No such file or directory");
    } else if (fs::is_directory(status)) {
      walk.walk_directory(name, name);
    } else {
      out.inputs.push_back({name, name, false});
    }
  }
  return out;
}

}  // namespace loopscope::ingest
