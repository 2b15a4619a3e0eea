#include "batch_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "output_file.hpp"

namespace loopscope::app {
namespace {

constexpr std::string_view state_schema = "loopscope/state/v1";
constexpr std::size_t edge_bytes = 64 * 1024;

std::uint64_t fnv1a(const char* data, std::size_t size, std::uint64_t hash) {
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// Reads up to `size` bytes at `offset`; false on a read error.
bool hash_range(int fd, std::uint64_t offset, std::size_t size, std::uint64_t& hash) {
  std::array<char, 16 * 1024> buffer{};
  while (size > 0) {
    const ssize_t n =
        ::pread(fd, buffer.data(), std::min(size, buffer.size()), static_cast<off_t>(offset));
    if (n < 0) return false;
    if (n == 0) break;
    hash = fnv1a(buffer.data(), static_cast<std::size_t>(n), hash);
    offset += static_cast<std::uint64_t>(n);
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::optional<file_fingerprint> fingerprint_file(const std::string& shown_path,
                                                 const std::string& file_path) {
  const int fd = ::open(file_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return std::nullopt;
  }
  file_fingerprint print;
  print.path = shown_path;
  print.size = static_cast<std::uint64_t>(info.st_size);
  print.mtime_ns =
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000LL + info.st_mtim.tv_nsec;
  // Head and tail (overlapping for small files): an append changes the tail, a rewrite in place
  // of the same size and time is still caught in the parts most logs change.
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  const std::uint64_t tail = print.size > edge_bytes ? print.size - edge_bytes : 0;
  const bool read = hash_range(fd, 0, edge_bytes, hash) && hash_range(fd, tail, edge_bytes, hash);
  ::close(fd);
  if (!read) return std::nullopt;
  print.head_tail_hash = fmt::format("{:016x}", hash);
  return print;
}

batch_state batch_state::load(const std::string& path, const std::string& settings,
                              std::string& warning) {
  batch_state state;
  state.settings_ = settings;
  std::ifstream in(path, std::ios::binary);
  if (!in) return state;  // the first run
  std::ostringstream text;
  text << in.rdbuf();
  const nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("schema", "") != state_schema) {
    warning = fmt::format(
        "{}: not a loopscope state file; every input is analyzed again and the "
        "file is replaced",
        path);
    return state;
  }
  // Another version or other options could give other results: start afresh, quietly.
  if (doc.value("settings", "") != settings) return state;
  const auto groups = doc.find("groups");
  if (groups == doc.end() || !groups->is_array()) return state;
  for (const nlohmann::json& entry : *groups) {
    if (!entry.is_object() || !entry.contains("key") || !entry["key"].is_string()) continue;
    cached_group group;
    const auto files = entry.find("files");
    if (files == entry.end() || !files->is_array()) continue;
    for (const nlohmann::json& f : *files) {
      if (!f.is_object()) continue;
      group.files.push_back({f.value("path", ""), f.value("size", std::uint64_t{0}),
                             f.value("mtime_ns", std::int64_t{0}), f.value("hash", "")});
    }
    const auto report = entry.find("report");
    if (report == entry.end() || !report->is_object()) continue;
    group.report_json = report->dump();
    state.groups_.emplace(entry["key"].get<std::string>(), std::move(group));
  }
  return state;
}

const cached_group* batch_state::find(const std::string& group_key) const {
  const auto it = groups_.find(group_key);
  return it == groups_.end() ? nullptr : &it->second;
}

void batch_state::put(const std::string& group_key, cached_group group) {
  groups_[group_key] = std::move(group);
}

std::string batch_state::save(const std::string& path) const {
  nlohmann::ordered_json doc;
  doc["schema"] = state_schema;
  doc["settings"] = settings_;
  nlohmann::ordered_json groups = nlohmann::ordered_json::array();
  for (const auto& [key, group] : groups_) {
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (const file_fingerprint& f : group.files) {
      files.push_back({{"path", f.path},
                       {"size", f.size},
                       {"mtime_ns", f.mtime_ns},
                       {"hash", f.head_tail_hash}});
    }
    groups.push_back(
        {{"key", key},
         {"files", std::move(files)},
         {"report", nlohmann::ordered_json::parse(group.report_json, nullptr, false)}});
  }
  doc["groups"] = std::move(groups);
  output_target target(path);
  target.stream() << doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
                  << '\n';
  return target.commit();
}

}  // namespace loopscope::app
