// --state FILE: what an earlier run analyzed, so that the next run reads only new or changed
// files. Results are kept per join group, keyed by the group and the fingerprints of its files:
// a group is reused whole when none of its files changed, and analyzed again whole otherwise
// (a grown proxy log can change the joins of every session beside it).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace loopscope::app {

struct file_fingerprint {
  std::string path;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::string head_tail_hash;  // of the first and last 64 KiB

  friend bool operator==(const file_fingerprint&, const file_fingerprint&) = default;
};

// Nothing when the file cannot be examined (then its group is never reused).
std::optional<file_fingerprint> fingerprint_file(const std::string& shown_path,
                                                 const std::string& file_path);

struct cached_group {
  std::vector<file_fingerprint> files;
  std::string report_json;  // the group's inputs, sessions and findings as a report v1 (redacted)
};

class batch_state {
 public:
  // A missing file is an empty state. An unreadable or foreign one is an empty state too, with
  // `warning` set: the run then analyzes everything and replaces it.
  static batch_state load(const std::string& path, const std::string& settings,
                          std::string& warning);

  // The same settings, no groups: what this run keeps (the state describes the last run only).
  batch_state emptied() const {
    batch_state next;
    next.settings_ = settings_;
    return next;
  }

  const cached_group* find(const std::string& group_key) const;
  void put(const std::string& group_key, cached_group group);
  // Written atomically; returns an error message or empty.
  std::string save(const std::string& path) const;

 private:
  std::string settings_;  // what the results depend on besides the files (version, options)
  std::map<std::string, cached_group> groups_;
};

}  // namespace loopscope::app
