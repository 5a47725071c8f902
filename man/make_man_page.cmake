# Writes OUTPUT, the gzipped man page NAME(1), from `PROGRAM [SUBCOMMAND] --help`
# (man/CMakeLists.txt gives the variables).
execute_process(
  COMMAND ${HELP2MAN} --no-info --no-discard-stderr "--name=${SUMMARY}"
          "--help-option=${SUBCOMMAND} --help" "--version-string=${VERSION}"
          "--include=${SEE_ALSO}" ${PROGRAM}
  OUTPUT_VARIABLE page RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "help2man failed for ${NAME} (${status})")
endif()
if(SUBCOMMAND)
  # help2man names the page after the program; this one is the subcommand's.
  string(TOUPPER "${NAME}" title)
  string(REGEX REPLACE "\n\\.TH [^ ]+ " "\n.TH ${title} " page "${page}")
  string(REPLACE "\n.SH NAME\noaipmh \\- " "\n.SH NAME\noaipmh\\-${SUBCOMMAND} \\- " page "${page}")
endif()
get_filename_component(plain "${OUTPUT}" NAME_WLE)
set(plain "${CMAKE_CURRENT_BINARY_DIR}/${plain}")
file(WRITE "${plain}" "${page}")
execute_process(COMMAND ${GZIP} -9nf "${plain}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "gzip failed for ${plain}")
endif()
