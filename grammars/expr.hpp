/// \file Interface of the expression grammar: the start rule, defined in expr_def.hpp.
#pragma once

#include <boost/spirit/home/x3.hpp>

#include "ast.hpp"

namespace symdiff::parser {

namespace x3 = boost::spirit::x3;

struct input_class;
using input_type = x3::rule<input_class, ast::Expression>;
BOOST_SPIRIT_DECLARE(input_type)

} // namespace symdiff::parser

namespace symdiff {
/// The start rule: one whole expression (the caller checks that all input was consumed).
parser::input_type const& expression_grammar();
} // namespace symdiff
