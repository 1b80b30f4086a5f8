# Before closed forms, sum(i = 1..10^15, i) started 10^15 iterations: the test fails by this
# timeout instead of hanging the suite. It takes well under a second.
if(TARGET unit_test_closed_form_sums)
  set_tests_properties(unit_test_closed_form_sums PROPERTIES TIMEOUT 120)
endif()

# The interrupt test runs the real program.
if(TARGET unit_test_eval_interrupt)
  if(TARGET symdiff_cli)
    target_compile_definitions(unit_test_eval_interrupt PRIVATE SYMDIFF_CLI="$<TARGET_FILE:symdiff_cli>")
    add_dependencies(unit_test_eval_interrupt symdiff_cli)
    set_tests_properties(unit_test_eval_interrupt PROPERTIES TIMEOUT 120)
  else()
    set_target_properties(unit_test_eval_interrupt PROPERTIES EXCLUDE_FROM_ALL ON)
    set_tests_properties(unit_test_eval_interrupt PROPERTIES DISABLED ON)
  endif()
endif()
