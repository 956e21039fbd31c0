# rt_add_test(<name> LABEL <unit|slow|cli|interop>) builds tests/<name>.cpp into a GoogleTest
# binary whose tests are discovered with the prefix "<name>." and carry one CTest label.
find_package(GTest REQUIRED)
include(GoogleTest)

function(rt_add_test name)
    cmake_parse_arguments(ARG "" "LABEL" "" ${ARGN})
    add_executable(${name} ${name}.cpp)
    target_link_libraries(${name} PRIVATE ruvllm::ruvllm GTest::gtest_main)
    target_compile_options(${name} PRIVATE ${RUVLLM_WARNINGS})
    target_compile_definitions(${name} PRIVATE
        RUVLLM_TEST_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data/"
        RUVLLM_TEST_TMP_DIR="${CMAKE_CURRENT_BINARY_DIR}/tmp/")
    gtest_discover_tests(${name}
        TEST_PREFIX "${name}."
        PROPERTIES LABELS ${ARG_LABEL} SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]"
        DISCOVERY_MODE PRE_TEST)
endfunction()
