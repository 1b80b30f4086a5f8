/// \file Fusion adaptations of the syntax tree, fields in grammar order (X3 fills them by position).
#pragma once

#include <boost/fusion/include/adapt_struct.hpp>

#include "ast.hpp"

BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::Postfix, primary, sup)
BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::Root, radicals, operand)
BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::PowTail, signs, operand)
BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::Power, base, tail)
BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::Signed, signs, power)
BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::MulTail, op, operand)
BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::Term, first, rest)
BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::AddTail, op, operand)
BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::Expression, first, rest)
BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::Range, eq, lo, dots, hi)
BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::Argument, value, range)
BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::Call, name, sup, open, args, close)
BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::Indexed, name, open, index, close)
BOOST_FUSION_ADAPT_STRUCT(symdiff::ast::List, open, items)
