# Writes OUTPUT: a C++ file holding every rules/*.yaml as a string, so the built-in pack needs no
# installed data files. Run at build time (the rule files are dependencies).
file(GLOB rule_files "${RULES_DIR}/*.yaml")
list(SORT rule_files)
set(body "")
foreach(rule_file ${rule_files})
  get_filename_component(name ${rule_file} NAME)
  file(READ ${rule_file} text)
  string(APPEND body "      {\"${name}\", R\"loopscope_rules(${text})loopscope_rules\"},\n")
endforeach()
file(WRITE ${OUTPUT}.tmp
"// Generated from rules/*.yaml by cmake/embed_rules.cmake. Do not edit.
#include \"builtin_rules.hpp\"

namespace loopscope::detect::detail {

const std::vector<std::pair<std::string_view, std::string_view>>& builtin_rule_files() {
  static const std::vector<std::pair<std::string_view, std::string_view>> files{
${body}  };
  return files;
}

}  // namespace loopscope::detect::detail
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
