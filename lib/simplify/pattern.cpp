// Reading rewrite patterns and matching them, with commutative matching for add and mul.
#include "pattern.hpp"

#include <cctype>
#include <functional>

#include "symdiff/diagnostic.hpp"

namespace symdiff::detail {

namespace {

class Reader {
public:
    explicit Reader(std::string_view t) : t_(t) {}

    Pattern read() {
        Pattern p = item();
        skip();
        if (i_ != t_.size()) fail("trailing text");
        return p;
    }

private:
    [[noreturn]] void fail(const char* what) {
        throw Error("bad rewrite pattern '" + std::string(t_) + "': " + what);
    }
    void skip() {
        while (i_ < t_.size() && t_[i_] == ' ') ++i_;
    }
    std::string_view token() {
        skip();
        std::size_t s = i_;
        while (i_ < t_.size() && t_[i_] != ' ' && t_[i_] != '(' && t_[i_] != ')') ++i_;
        if (s == i_) fail("expected a token");
        return t_.substr(s, i_ - s);
    }
    static bool op_named(std::string_view name, Op& out) {
        for (std::size_t k = 0; k < op_count(); ++k) {
            Op op = static_cast<Op>(k);
            if (op_name(op) == name && op_kind(op) != OpKind::Atom) {
                out = op;
                return true;
            }
        }
        return false;
    }
    Pattern item() {
        skip();
        if (i_ >= t_.size()) fail("unexpected end");
        Pattern p;
        if (t_[i_] == '(') {
            ++i_;
            std::string_view head = token();
            if (!op_named(head, p.op)) fail("unknown op");
            p.kind = Pattern::Kind::Node;
            for (;;) {
                skip();
                if (i_ >= t_.size()) fail("missing ')'");
                if (t_[i_] == ')') {
                    ++i_;
                    break;
                }
                p.kids.push_back(item());
            }
            return p;
        }
        std::string_view tok = token();
        if (tok[0] == '?') {
            bool rest = tok.size() > 2 && tok.substr(tok.size() - 2) == "..";
            p.kind = rest ? Pattern::Kind::Rest : Pattern::Kind::Wild;
            p.name = std::string(tok.substr(1, tok.size() - 1 - (rest ? 2 : 0)));
            return p;
        }
        if (tok == "pi") {
            p.kind = Pattern::Kind::Node;
            p.op = Op::Pi;
            return p;
        }
        p.kind = Pattern::Kind::Const;
        std::size_t slash = tok.find('/');
        bool neg = tok[0] == '-';
        std::string_view digits = neg ? tok.substr(1) : tok;
        if (slash != std::string_view::npos) {
            auto num = Number::from_decimal(digits.substr(0, digits.find('/')));
            auto den = Number::from_decimal(digits.substr(digits.find('/') + 1));
            if (!num || !den) fail("bad number");
            p.num = *num / *den;
        } else {
            auto v = Number::from_decimal(digits);
            if (!v) fail("bad number");
            p.num = *v;
        }
        if (neg) p.num = -p.num;
        return p;
    }

    std::string_view t_;
    std::size_t i_ = 0;
};

const Expr* bound(const Captures& b, const std::string& name) {
    for (const auto& [n, e] : b)
        if (n == name) return &e;
    return nullptr;
}


bool bind(Captures& b, const std::string& name, Expr e) {
    if (const Expr* old = bound(b, name)) return *old == e;
    b.emplace_back(name, e);
    return true;
}

bool is_ac(Op op) { return op == Op::Add || op == Op::Mul; }

// Matching operand patterns against operands of an add/mul in any order, by backtracking.
// Operand counts are small in the rules (at most three), so the search is short; nodes wider
// than kMaxWidth are not searched at all.
constexpr std::size_t kMaxWidth = 48;

bool match_ac(const Pattern& p, Expr e, Captures& b, std::vector<Expr>* rest) {
    const Pattern* rest_pat = nullptr;
    std::vector<const Pattern*> fixed;
    for (const Pattern& k : p.kids) {
        if (k.kind == Pattern::Kind::Rest) rest_pat = &k;
        else fixed.push_back(&k);
    }
    if (e.size() > kMaxWidth || fixed.size() > e.size()) return false;
    if (!rest && !rest_pat && fixed.size() != e.size()) return false;
    std::vector<char> used(e.size(), 0);
    std::function<bool(std::size_t)> go = [&](std::size_t k) -> bool {
        if (k == fixed.size()) {
            std::vector<Expr> left;
            for (std::size_t i = 0; i < e.size(); ++i)
                if (!used[i]) left.push_back(e[i]);
            if (rest_pat) {
                if (left.empty()) return false;
                Context& c = e.context();
                Expr r = left.size() == 1 ? left[0] : (e.is(Op::Add) ? c.add(left) : c.mul(left));
                return bind(b, rest_pat->name, r);
            }
            if (!left.empty() && !rest) return false;
            if (rest) *rest = std::move(left);
            return true;
        }
        for (std::size_t i = 0; i < e.size(); ++i) {
            if (used[i]) continue;
            std::size_t mark = b.size();
            used[i] = 1;
            if (match_pattern(*fixed[k], e[i], b, nullptr) && go(k + 1)) return true;
            used[i] = 0;
            b.resize(mark);
        }
        return false;
    };
    return go(0);
}

} // namespace

Pattern read_pattern(std::string_view text) { return Reader(text).read(); }

bool match_pattern(const Pattern& p, Expr e, Captures& b, std::vector<Expr>* rest) {
    switch (p.kind) {
    case Pattern::Kind::Wild:
        return bind(b, p.name, e);
    case Pattern::Kind::Rest:
        return false; // only meaningful inside add/mul, handled by match_ac
    case Pattern::Kind::Const:
        return e.is_number() && e.number().same_value(p.num);
    case Pattern::Kind::Node:
        break;
    }
    if (e.op() != p.op) return false;
    if (is_ac(p.op)) return match_ac(p, e, b, rest);
    if (e.size() != p.kids.size()) return false;
    for (std::size_t i = 0; i < e.size(); ++i)
        if (!match_pattern(p.kids[i], e[i], b, nullptr)) return false;
    return true;
}

Expr instantiate(const Pattern& p, Context& ctx, const Captures& b) {
    switch (p.kind) {
    case Pattern::Kind::Wild:
    case Pattern::Kind::Rest: {
        const Expr* e = bound(b, p.name);
        if (!e) throw Error("rewrite pattern uses ?" + p.name + " which its left side does not bind");
        return *e;
    }
    case Pattern::Kind::Const:
        return ctx.number(p.num);
    case Pattern::Kind::Node:
        break;
    }
    if (p.op == Op::Pi) return ctx.pi();
    std::vector<Expr> kids;
    for (const Pattern& k : p.kids) kids.push_back(instantiate(k, ctx, b));
    switch (p.op) {
    case Op::Add: return ctx.add(kids);
    case Op::Mul: return ctx.mul(kids);
    case Op::Pow: return ctx.pow(kids[0], kids[1]);
    case Op::List: return ctx.list(kids);
    default: return ctx.call(p.op, kids);
    }
}

} // namespace symdiff::detail
