// Parse and print round trip: whatever parses, printed in text and unicode, parses back to the
// same canonical node, and parsing never crashes (symdiff::Error is the only way to refuse).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"

using namespace symdiff;

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
    for (Format f : {Format::Text, Format::Unicode}) {
        std::string printed;
        try {
            printed = to_string(e, f);
        } catch (const Error&) {
            continue; // too large to print
        }
        Expr back;
        try {
            back = parse_expr(ctx, printed);
        } catch (const Error& err) {
            fuzz::fail("the printed form does not parse: " + printed + "\n" + err.what(), input);
        }
        if (back != e) fuzz::fail("printed " + printed + " parses to " + to_sexpr(back) + ", not " + to_sexpr(e), input);
    }
    return 0;
}
