# The 100,000-deep chain gradients take about a second each in a Release build; a sweep that
# is quadratic in the depth again needs many minutes and gigabytes, and fails here by the
# timeout instead of hanging the suite (the margin is for the sanitizer build and a loaded
# machine).
if(TARGET unit_test_diff_chains)
  set_tests_properties(unit_test_diff_chains PROPERTIES TIMEOUT 240)
endif()
