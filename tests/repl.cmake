# The REPL's tests run the real program: the golden transcripts and the 10,000-line session
# (test_repl.cpp), and the terminal test that drives it through tmux (test_repl_pty.cpp).
foreach(t unit_test_repl unit_test_repl_pty)
  if(TARGET ${t} AND TARGET symdiff_cli)
    target_compile_definitions(${t} PRIVATE SYMDIFF_CLI="$<TARGET_FILE:symdiff_cli>")
    add_dependencies(${t} symdiff_cli)
  endif()
endforeach()
