// The stored forms: JSON and s-expressions print the DAG as it is stored (canonical order,
// a - b as a + (-1)*b), walked with a heap stack so depth costs memory, not native stack.
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "print/layout.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/print.hpp"

namespace symdiff {

using detail::check_printable;
using detail::check_size;

namespace {

std::string json_escape(std::string_view s) {
    std::string r;
    for (unsigned char ch : s) {
        if (ch == '"' || ch == '\\') {
            r += '\\';
            r += static_cast<char>(ch);
        } else if (ch < 0x20) {
            static const char hex[] = "0123456789abcdef";
            r += "\\u00";
            r += hex[ch >> 4];
            r += hex[ch & 15];
        } else {
            r += static_cast<char>(ch);
        }
    }
    return r;
}

std::string json_value(double v) { return std::isfinite(v) ? shortest_double(v) : "null"; }

// A walk of the stored DAG as a tree: an Expr or a literal per pending piece.
struct RawPiece {
    std::string text;
    Expr e;
};

// sep(e, i) is the text before child i of e.
template <class Atom, class Open, class Sep, class Close>
std::string walk_stored(Expr root, Atom atom, Open open, Sep sep, Close close) {
    std::string out;
    std::vector<RawPiece> stack{{{}, root}};
    while (!stack.empty()) {
        RawPiece p = std::move(stack.back());
        stack.pop_back();
        check_size(out);
        if (p.e.is_null()) {
            out += p.text;
            continue;
        }
        Expr e = p.e;
        if (op_kind(e.op()) == OpKind::Atom) {
            out += atom(e);
            continue;
        }
        out += open(e);
        stack.push_back({close(e), Expr()});
        for (std::size_t i = e.size(); i-- > 0;) {
            stack.push_back({{}, e[i]});
            std::string before = sep(e, i);
            if (!before.empty()) stack.push_back({std::move(before), Expr()});
        }
    }
    return out;
}

// The JSON members of the children of an op whose children are not alike ("args" otherwise).
const char* const* json_fields(Op op) {
    static const char* const at[] = {"vector", "index"};
    static const char* const loop[] = {"index", "lo", "hi", "body"};
    if (op == Op::At) return at;
    if (binds_index(op) || op == Op::Guard) return loop;
    return nullptr;
}

} // namespace

namespace detail {

std::string to_json(Expr e) {
    auto atom = [](Expr a) -> std::string {
        switch (a.op()) {
        case Op::Num:
            return "{\"num\":\"" + a.number().to_string() + "\",\"value\":" + json_value(a.number().value()) + "}";
        case Op::Sym: return "{\"sym\":\"" + json_escape(a.name()) + "\"}";
        default: return "{\"const\":\"pi\",\"value\":3.141592653589793}";
        }
    };
    auto open = [](Expr n) {
        return "{\"op\":\"" + std::string(op_name(n.op())) + (json_fields(n.op()) ? "\"," : "\",\"args\":[");
    };
    auto sep = [](Expr n, std::size_t i) {
        const char* const* fields = json_fields(n.op());
        if (!fields) return std::string(i > 0 ? "," : "");
        return std::string(i > 0 ? "," : "") + "\"" + fields[i] + "\":";
    };
    auto close = [](Expr n) { return std::string(json_fields(n.op()) ? "}" : "]}"); };
    return walk_stored(e, atom, open, sep, close);
}

} // namespace detail

std::string to_sexpr(Expr e) {
    check_printable(e);
    auto atom = [](Expr a) -> std::string {
        switch (a.op()) {
        case Op::Num: return a.number().to_string();
        case Op::Sym: return a.name();
        default: return std::string(op_name(a.op()));
        }
    };
    auto open = [](Expr n) { return "(" + std::string(op_name(n.op())) + (n.size() ? " " : ""); };
    auto sep = [](Expr, std::size_t i) { return std::string(i > 0 ? " " : ""); };
    auto close = [](Expr) { return std::string(")"); };
    return walk_stored(e, atom, open, sep, close);
}

} // namespace symdiff
