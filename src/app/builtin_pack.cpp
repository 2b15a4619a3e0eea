#include "builtin_pack.hpp"

namespace loopscope::app {
namespace {

namespace fs = std::filesystem;

// Where the running binary is, by the kernel's word (argv[0] can be anything).
std::optional<fs::path> running_binary() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec || exe.empty()) return std::nullopt;
  return exe;
}

}  // namespace

std::optional<fs::path> installed_data_dir() {
  const auto exe = running_binary();
  if (!exe) return std::nullopt;
  // Strip the install's bin directory (GNUInstallDirs, relative: "bin") from the binary's folder.
  fs::path prefix = exe->parent_path();
  const fs::path bindir(LOOPSCOPE_INSTALL_BINDIR);
  std::vector<fs::path> parts(bindir.begin(), bindir.end());
  for (auto part = parts.rbegin(); part != parts.rend(); ++part) {
    if (prefix.filename() != *part) return std::nullopt;
    prefix = prefix.parent_path();
  }
  const fs::path data = prefix / LOOPSCOPE_INSTALL_DATADIR / "loopscope";
  std::error_code ec;
  if (!fs::is_directory(data / "rules", ec)) return std::nullopt;
  return data;
}

detect::loaded_rules builtin_pack() {
  if (const auto data = installed_data_dir()) return detect::load_rules((*data / "rules").string());
  return detect::builtin_rules();
}

}  // namespace loopscope::app
