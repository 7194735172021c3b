# `cmake --install build --prefix P`: the tools in P/bin, the runtime
# library in P/lib, its headers in P/include/ingot, and a CMake package so
# that a client says
#   find_package(Ingot REQUIRED)
#   target_link_libraries(app PRIVATE Ingot::runtime)
# The runtime's own dependencies (protobuf-lite, libc) are private: the
# package is for the machine, or one like it, that built it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(INGOT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/Ingot)

set_target_properties(ingot_runtime PROPERTIES EXPORT_NAME runtime)
add_library(Ingot::runtime ALIAS ingot_runtime)
install(TARGETS ingot_runtime EXPORT IngotTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/ingot
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")

# The tools find the installed runtime next to them (ingotc too: it runs
# models for --quantize calibration); the compiler tools keep the path to
# the shared MLIR/LLVM they were linked with.
set(_ingot_tools ingot-run ingot-bench)
set_target_properties(${_ingot_tools} PROPERTIES
                      INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
if(INGOT_BUILD_COMPILER)
  set_target_properties(ingotc ingot-opt PROPERTIES
                        INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}"
                        INSTALL_RPATH_USE_LINK_PATH ON)
  list(APPEND _ingot_tools ingotc ingot-opt)
endif()
install(TARGETS ${_ingot_tools} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(EXPORT IngotTargets NAMESPACE Ingot:: DESTINATION ${INGOT_INSTALL_CMAKEDIR})
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/IngotConfig.cmake.in
  ${PROJECT_BINARY_DIR}/IngotConfig.cmake
  INSTALL_DESTINATION ${INGOT_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_BINDIR)
# Before 1.0, minor versions may change the C API.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/IngotConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/IngotConfig.cmake
              ${PROJECT_BINARY_DIR}/IngotConfigVersion.cmake
        DESTINATION ${INGOT_INSTALL_CMAKEDIR})

# The test: install into a temporary prefix, build examples/c/run_model.c
# against the installed package with a CMake project of its own, run it.
if(INGOT_BUILD_TESTS AND INGOT_BUILD_COMPILER)
  add_test(NAME install-package
           COMMAND ${PROJECT_SOURCE_DIR}/test/install/check-install.sh
                   ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR}
                   ${PROJECT_BINARY_DIR}/runtime/tiny_cnn_b2.ingot)
endif()
