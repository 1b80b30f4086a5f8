# The tests that signal and limit the real program (test_long_runs.cpp) need its path.
if(TARGET unit_test_long_runs AND TARGET symdiff_cli)
  target_compile_definitions(unit_test_long_runs PRIVATE SYMDIFF_CLI="$<TARGET_FILE:symdiff_cli>")
  add_dependencies(unit_test_long_runs symdiff_cli)
endif()
