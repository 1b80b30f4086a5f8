// Parse and print round trip: whatever parses, printed in text and unicode, parses back to the
// same canonical node, and so does its simplified derivative by its first free symbol (forms
// the parser alone rarely builds: negative coefficients, powers of sums, products of
// quotients), unless print.hpp says it prints for reading only. Parsing never crashes:
// symdiff::Error is the only way to refuse.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"
#include "symdiff/simplify.hpp"

using namespace symdiff;

namespace {

// Guard and Vec, which only derivatives make, print for reading, not to be parsed (print.hpp).
bool printed_for_reading(Expr e) {
    for (NodeId id : topological_order(std::span<const Expr>(&e, 1))) {
        const Op op = e.context()[id].op();
        if (op == Op::Guard || op == Op::Vec) return true;
    }
    return false;
}

void round_trip(Context& ctx, Expr e, const std::string& input) {
    if (printed_for_reading(e)) return;
    for (Format f : {Format::Text, Format::Unicode}) {
        std::string printed;
        try {
            printed = to_string(e, f);
        } catch (const Error&) {
            continue; // over the printing limits (print.hpp)
        }
        Expr back;
        try {
            back = parse_expr(ctx, printed);
        } catch (const Error& err) {
            fuzz::fail("the printed form does not parse: " + printed + "\n" + err.what(), input);
        }
        if (back != e) fuzz::fail("printed " + printed + " parses to " + to_sexpr(back) + ", not " + to_sexpr(e), input);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 4096) return -1;
    const std::string input(reinterpret_cast<const char*>(data), size);
    Context ctx;
    Expr e;
    try {
        e = parse_expr(ctx, input);
    } catch (const Error&) {
        return 0;
    }
    round_trip(ctx, e, input);
    const std::vector<Expr> symbols = free_symbols(e);
    if (symbols.empty() || dag_size(e) > 200) return 0;
    Expr d;
    try {
        d = simplify(diff(e, symbols.front()));
    } catch (const Error&) {
        return 0; // e.g. a list or a reduction diff does not take
    }
    round_trip(ctx, d, input);
    return 0;
}
