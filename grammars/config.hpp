/// \file The iterator, skipper and context types the grammar is instantiated with.
#pragma once

#include <functional>

#include <boost/spirit/home/x3.hpp>

#include "error_handler.hpp"

namespace symdiff::parser {

namespace x3 = boost::spirit::x3;

/// Blanks between tokens: space, tab, newline, carriage return. A hand-written parser rather
/// than x3::ascii::space, whose classification must not see the bytes of UTF-8 sequences.
struct Blank : x3::parser<Blank> {
    using attribute_type = x3::unused_type;
    static const bool has_attribute = false;

    template <typename Iterator, typename Context, typename RContext, typename Attribute>
    bool parse(Iterator& first, const Iterator& last, const Context&, RContext&, Attribute&) const {
        if (first != last && ErrorHandler::is_blank(*first)) {
            ++first;
            return true;
        }
        return false;
    }
};
inline const Blank blank{};

using iterator_type = const char*;
using phrase_context_type = x3::phrase_parse_context<Blank>::type;
using context_type = x3::context<error_handler_tag, std::reference_wrapper<ErrorHandler>, phrase_context_type>;

} // namespace symdiff::parser
