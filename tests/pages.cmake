# unit_test_pages tests lib/ir/pages.hpp, a header internal to the library.
if(TARGET unit_test_pages)
  target_include_directories(unit_test_pages PRIVATE ${PROJECT_SOURCE_DIR}/lib)
endif()
