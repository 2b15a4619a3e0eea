# Writes OUTPUT: a C++ file holding every DIR/*.yaml as a string, so the built-in rule pack and
# format pack need no installed data files. Run at build time (the files are dependencies).
#   -DDIR=… -DOUTPUT=… -DHEADER=builtin_rules.hpp -DNAMESPACE=loopscope::detect::detail
#   -DFUNCTION=builtin_rule_files
file(GLOB data_files "${DIR}/*.yaml")
list(SORT data_files)
set(body "")
foreach(data_file ${data_files})
  get_filename_component(name ${data_file} NAME)
  file(READ ${data_file} text)
  string(APPEND body "      {\"${name}\", R\"loopscope_data(${text})loopscope_data\"},\n")
endforeach()
file(WRITE ${OUTPUT}.tmp
"// Generated from ${DIR}/*.yaml by cmake/embed_files.cmake. Do not edit.
#include \"${HEADER}\"

namespace ${NAMESPACE} {

const std::vector<std::pair<std::string_view, std::string_view>>& ${FUNCTION}() {
  static const std::vector<std::pair<std::string_view, std::string_view>> files{
${body}  };
  return files;
}

}  // namespace ${NAMESPACE}
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
