# The picture tests run the real program (they draw through gnuplot and read the SVG back) and
# decode PNG and PDF streams with zlib to see that the pictures are not blank.
if(TARGET unit_test_plot AND TARGET symdiff_cli)
  find_package(ZLIB REQUIRED)
  target_link_libraries(unit_test_plot PRIVATE ZLIB::ZLIB)
  target_compile_definitions(unit_test_plot PRIVATE SYMDIFF_CLI="$<TARGET_FILE:symdiff_cli>")
  add_dependencies(unit_test_plot symdiff_cli)
endif()
