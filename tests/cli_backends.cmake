# unit_test_cli_backends runs the eval/grad/check goldens under each --backend: it needs the
# program, as unit_test_cli does.
if(TARGET unit_test_cli_backends)
  if(TARGET symdiff_cli)
    target_compile_definitions(unit_test_cli_backends PRIVATE SYMDIFF_CLI="$<TARGET_FILE:symdiff_cli>")
    add_dependencies(unit_test_cli_backends symdiff_cli)
  endif()
endif()
