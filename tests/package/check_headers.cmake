# Run by the public_headers_include_no_private_dependency test (cmake -P): no public header
# may include Boost, LLVM, fmt or the grammar (STYLE.md section 8), so that consumers of the
# installed package need none of them.
cmake_minimum_required(VERSION 3.25)

file(GLOB_RECURSE headers ${INCLUDE_DIR}/*.hpp ${INCLUDE_DIR}/*.h ${INCLUDE_DIR}/*.def)
set(bad "")
foreach(header IN LISTS headers)
  file(STRINGS ${header} includes REGEX "^[ \t]*#[ \t]*include")
  foreach(line IN LISTS includes)
    if(line MATCHES "[<\"](boost|llvm|llvm-c|fmt|grammars|spirit)/" OR line MATCHES "[<\"](ast|ast_adapted|expr_def|config|error_handler)\\.hpp")
      string(APPEND bad "\n  ${header}: ${line}")
    endif()
  endforeach()
endforeach()
list(LENGTH headers count)
if(count EQUAL 0)
  message(FATAL_ERROR "no public headers found in ${INCLUDE_DIR}")
endif()
if(bad)
  message(FATAL_ERROR "public headers include private dependencies:${bad}")
endif()
message(STATUS "${count} public headers include no Boost, LLVM, fmt or grammar header")
