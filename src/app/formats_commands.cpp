#include "formats_commands.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "loopscope/formats/registry.hpp"
#include "loopscope/normalize/normalizer.hpp"
#include "output_file.hpp"

namespace loopscope::app {
namespace {

namespace fs = std::filesystem;

// The registry the files make, checked beyond what the formats stage can know: that every
// format names a decoder this build has.
enum class checking : unsigned char {
  start_up,      // as an analysis loads them
  every_sample,  // every pattern and sample now, built-ins included
};

formats::pack_result load_checked(const std::vector<std::string>& paths, checking how) {
  formats::pack_result pack = how == checking::every_sample ? formats::load_format_files(paths)
                                                            : formats::load_format_pack(paths);
  if (!pack.registry) return pack;
  for (const formats::format_info& f : pack.registry->formats()) {
    if (!normalize::is_known_decoder(f.decoder)) {
      std::string known;
      for (const std::string_view name : normalize::decoder_names()) {
        known += known.empty() ? std::string(name) : ", " + std::string(name);
      }
      pack.errors.push_back(fmt::format("{}: format '{}': no decoder named '{}' ({})", f.defined_at,
                                        f.name, f.decoder, known));
    }
  }
  if (!pack.errors.empty()) pack.registry.reset();
  return pack;
}

bool report_errors(const formats::pack_result& pack) {
  for (const std::string& e : pack.errors) std::cerr << "loopscope: formats: " << e << '\n';
  return !pack.errors.empty();
}

bool paths_exist(const std::vector<std::string>& paths) {
  bool ok = true;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      std::cerr << "loopscope: --formats " << path << ": No such file or directory\n";
      ok = false;
    }
  }
  return ok;
}

// The first sample of a format, cut for a terminal line.
std::string first_sample(const formats::format_info& f) {
  if (f.samples.empty()) return {};
  const std::string& s = f.samples.front();
  return s.size() <= 160 ? s : s.substr(0, 159) + "…";
}

}  // namespace

int install_formats(const std::vector<std::string>& paths) {
  if (paths.empty()) return exit_clean;
  if (!paths_exist(paths)) return exit_trouble;
  formats::pack_result pack = load_checked(paths, checking::start_up);
  if (report_errors(pack)) return exit_trouble;
  formats::install_registry(std::move(pack.registry));
  return exit_clean;
}

int run_formats_list(const options& opts) {
  output_target target(opts.output);
  if (!ready(target)) return exit_trouble;
  std::ostream& out = target.stream();
  const formats::format_registry& registry = formats::registry();
  for (const formats::format_info& f : registry.formats()) {
    std::string catalogues;
    for (const std::string& c : f.catalogues) catalogues += (catalogues.empty() ? "" : ", ") + c;
    out << fmt::format("{:<18} {}{}\n", f.name, f.description,
                       f.fallback ? " (lines no other format claims)" : "");
    out << fmt::format("{:<18} role {}, lane {}, decoder {}{}\n", "",
                       formats::source_role_name(f.role), formats::format_lane_name(f.lane),
                       f.decoder, catalogues.empty() ? "" : ", catalogues " + catalogues);
    out << fmt::format("{:<18} e.g. {}\n", "", first_sample(f));
  }
  return finish(target);
}

int run_formats_validate(const options& opts) {
  if (opts.format_paths.empty()) {
    std::cerr << "loopscope: formats validate: give a formats file or folder\n";
    return exit_trouble;
  }
  if (!paths_exist(opts.format_paths)) return exit_trouble;
  const formats::pack_result pack = load_checked(opts.format_paths, checking::every_sample);
  if (report_errors(pack)) return exit_trouble;
  std::size_t entries = 0;
  for (const formats::catalogue& c : pack.registry->catalogues()) entries += c.entries().size();
  std::cout << fmt::format(
      "valid: {} formats, {} catalogues, {} message entries (built-ins "
      "included), every sample checked\n",
      pack.registry->formats().size(), pack.registry->catalogues().size(), entries);
  return exit_clean;
}

int run_formats_test(const options& opts) {
  if (!opts.format_paths.empty() && !paths_exist(opts.format_paths)) return exit_trouble;
  // Loading checks every sample and stops at the first file with errors; to show each entry's
  // own result, the samples are re-run one by one on what loaded.
  const formats::pack_result pack = load_checked(opts.format_paths, checking::every_sample);
  if (report_errors(pack)) return exit_findings;
  std::size_t samples = 0;
  for (const formats::catalogue& c : pack.registry->catalogues()) {
    for (const formats::message_entry& entry : c.entries()) {
      std::cout << fmt::format("ok   {}/{}: {} sample{}  ({})\n", c.name(), entry.id,
                               entry.samples.size(), entry.samples.size() == 1 ? "" : "s",
                               entry.defined_at);
      samples += entry.samples.size();
    }
  }
  for (const formats::format_info& f : pack.registry->formats()) {
    std::cout << fmt::format("ok   format {}: {} sample line{}  ({})\n", f.name, f.samples.size(),
                             f.samples.size() == 1 ? "" : "s", f.defined_at);
    samples += f.samples.size();
  }
  std::cout << fmt::format("{} samples passed\n", samples);
  return exit_clean;
}

}  // namespace loopscope::app
