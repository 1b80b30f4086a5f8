// The parser's stages one at a time, for the parser benchmark (bench/bench_parse.cpp), which
// reports the grammar's throughput beside that of the whole parse.
#pragma once

#include <string_view>

#include "symdiff/parse.hpp"

namespace symdiff::detail {

/// The input checks and the grammar of parse(), without lowering: builds the syntax tree of
/// `text` and drops it. Throws the same symdiff::Error as parse() for a syntax error.
void parse_syntax_only(std::string_view text, const ParseOptions& options = {});

} // namespace symdiff::detail
