// The built-in rule pack: the installed rule files when loopscope runs from an installed layout
// (PREFIX/bin/loopscope reads PREFIX/share/loopscope/rules, so a package's /usr/share/loopscope is
// what runs and can be read), else the copy compiled into the binary (a build tree, a binary
// copied elsewhere).
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "loopscope/detect/rule_loader.hpp"

namespace loopscope::app {

// PREFIX/share/loopscope when the running binary is PREFIX/bin/loopscope and that folder holds
// rules/; nothing otherwise.
std::optional<std::filesystem::path> installed_data_dir();

detect::loaded_rules builtin_pack();

}  // namespace loopscope::app
