# Run at install time (etc/CMakeLists.txt): fills in the units and the cron
# file with the paths of this install's prefix and installs them, the
# sysusers and tmpfiles entries, and the example configuration unless a
# configuration is already there. CMAKE_INSTALL_PREFIX is the install's own;
# the OAIPMH_* variables come from the build.
set(prefix "${CMAKE_INSTALL_PREFIX}")
# As GNUInstallDirs has it: the prefix /usr keeps its configuration in /etc.
if(prefix STREQUAL "/usr")
  set(sysconfdir /etc)
else()
  set(sysconfdir "${prefix}/etc")
endif()
function(under_prefix variable dir)
  if(IS_ABSOLUTE "${dir}")
    set(${variable} "${dir}" PARENT_SCOPE)
  else()
    set(${variable} "${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
under_prefix(OAIPMH_BINARY "${OAIPMH_BINDIR}/oaipmh")
set(OAIPMH_CONFIG "${sysconfdir}/oaipmh/oaipmh.toml")
under_prefix(OAIPMH_DOC_DIR "${OAIPMH_DOCDIR}")
under_prefix(unit_dir "${OAIPMH_SYSTEMD_UNIT_DIR}")
under_prefix(sysusers_dir "${OAIPMH_SYSUSERS_DIR}")
under_prefix(tmpfiles_dir "${OAIPMH_TMPFILES_DIR}")
under_prefix(cron_dir "${OAIPMH_DATADIR}/oaipmh/cron.d")

set(source "${OAIPMH_ETC_SOURCE_DIR}")
set(work "${OAIPMH_ETC_WORK_DIR}")
set(units)
foreach(unit oaipmh-serve.service oaipmh-harvest.service oaipmh-harvest.timer)
  configure_file("${source}/systemd/${unit}.in" "${work}/${unit}" @ONLY)
  list(APPEND units "${work}/${unit}")
endforeach()
configure_file("${source}/cron.d/oaipmh.in" "${work}/cron.d/oaipmh" @ONLY)

file(INSTALL DESTINATION "${unit_dir}" TYPE FILE FILES ${units})
file(INSTALL DESTINATION "${sysusers_dir}" TYPE FILE FILES "${source}/sysusers.d/oaipmh.conf")
file(INSTALL DESTINATION "${tmpfiles_dir}" TYPE FILE FILES "${source}/tmpfiles.d/oaipmh.conf")
file(INSTALL DESTINATION "${cron_dir}" TYPE FILE FILES "${work}/cron.d/oaipmh")

# The configuration is the operator's once edited: install the example only
# where there is none, so reinstalling never overwrites it (the pristine
# example is in <docdir>/examples to compare against). A Debian package marks
# it a conffile, and dpkg does the same.
if(EXISTS "$ENV{DESTDIR}${sysconfdir}/oaipmh/oaipmh.toml")
  message(STATUS "Kept: $ENV{DESTDIR}${sysconfdir}/oaipmh/oaipmh.toml (an existing configuration is never overwritten)")
else()
  file(INSTALL DESTINATION "${sysconfdir}/oaipmh" TYPE FILE FILES "${source}/oaipmh.toml")
endif()
