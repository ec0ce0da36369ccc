# What `cmake --install` adds beyond each module's own install rules (bgsyncd, syncctl, libbgsync
# and the headers, the units): the CMake package (find_package(bgsync CONFIG) -> bgsync::client,
# bgsync::c_api), the pkg-config file bgsync.pc, and the examples as sources under share/doc.
# Both package files are relocatable: they find the prefix from where they are installed, so
# `cmake --install build --prefix DIR` gives a working package in DIR.
include(CMakePackageConfigHelpers)

set(bgsync_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/bgsync")
install(EXPORT bgsyncTargets NAMESPACE bgsync:: DESTINATION "${bgsync_cmake_dir}")
configure_package_config_file(cmake/bgsyncConfig.cmake.in "${PROJECT_BINARY_DIR}/bgsyncConfig.cmake"
  INSTALL_DESTINATION "${bgsync_cmake_dir}")
# 0.x: minor versions may break the API, so a consumer asking for 0.1 accepts 0.1.* only.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/bgsyncConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/bgsyncConfig.cmake" "${PROJECT_BINARY_DIR}/bgsyncConfigVersion.cmake"
  DESTINATION "${bgsync_cmake_dir}")

# bgsync.pc: paths relative to the file itself (${pcfiledir}), unless the directories are absolute.
set(bgsync_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(BGSYNC_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(BGSYNC_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(BGSYNC_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH up "/prefix/${bgsync_pc_dir}" "/prefix")
  string(REGEX REPLACE "/$" "" up "${up}")
  set(BGSYNC_PC_PREFIX "\${pcfiledir}/${up}")
  set(BGSYNC_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(BGSYNC_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(cmake/bgsync.pc.in "${PROJECT_BINARY_DIR}/bgsync.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/bgsync.pc" DESTINATION "${bgsync_pc_dir}")

# The examples, as a new user would copy them: each builds on its own against the installed package.
install(DIRECTORY examples/ DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples" USE_SOURCE_PERMISSIONS
  PATTERN "__pycache__" EXCLUDE)
