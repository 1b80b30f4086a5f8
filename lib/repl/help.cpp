// The REPL's vocabulary and help page. The examples are the tutorials' own (seeds/000-002):
// Rosenbrock, its gradient checked at (0.5, 0.5), descent from (-1, 1), the chain rule.
#include "repl/help.hpp"

#include <algorithm>
#include <string>

namespace symdiff::repl {
namespace {

constexpr std::string_view kCommands[] = {":help", ":vars", ":format", ":load", ":save", ":quit", ":q"};

constexpr std::string_view kKeywords[] = {"diff", "grad", "hessian", "jacobian", "steps",   "check", "minimize",
                                          "at",   "from", "method",  "lr",       "tol",     "plot"};

// Kept in step with the function table of lib/parse/names.cpp and the constants it knows.
constexpr std::string_view kBuiltins[] = {
    "exp",   "ln",      "log",     "log2",      "log10",   "sqrt",    "pow",     "cbrt",    "abs",     "fabs",    "sign",
    "sin",   "cos",     "tan",     "sec",       "csc",     "cot",     "asin",    "acos",    "atan",
    "atan2", "arcsin",  "arccos",  "arctan",    "arctan2", "sinh",    "cosh",    "tanh",    "asinh",
    "acosh", "atanh",   "arcsinh", "arccosh",   "arctanh", "sigmoid", "relu",    "softplus", "max",
    "min",   "erf",     "heaviside", "sum",     "mean",    "len",     "pi",      "e",       "inf",     "nan",
    "\xCF\x80", "\xCF\x83"};

constexpr std::string_view kHelp = R"(symdiff REPL: define functions, differentiate them, check gradients, run optimisers.

Statements (one per line; a line with unclosed brackets continues on the next):
  f(x, y) = (1-x)^2 + 100*(y-x^2)^2    define a function of x and y
  a = 3                                define a value (a name for an expression)
  f(1, 2)                              call it: prints 100
  f                                    show a definition
  x^2*sin(x)                           any expression: its canonical form, or its value
                                       when it has no free variables (2^10 prints 1024)
  diff(f, x)     diff(x^3, x, 2)       derivative; diff(f, x, y) is d2f/dxdy
  g = diff(f, x)                       define the derivative, then g(2, 3)
  grad(f)        grad(f)(0.5, 0.5)     gradient [df/dx, df/dy], at a point
  grad f at (0.5, 0.5)                 the same: `at` evaluates any result at a point
  f at x=1                             by name; a variable left out stays: 100*(y - 1)^2
  hessian(f)     jacobian([x*y, x+y])  second derivatives; Jacobian of a list
  sum(i = 1..4, i^2)                   a sum over an index (30); mean(i = 1..4, i^2) its mean;
                                       x[i] is element i of a vector x, len(x) its length
                                       (sum(body) and mean(body) over data rows, and vectors,
                                       need values from `symdiff eval --data/--from`)
  steps diff(x^2*sin(x), x)            a derivation, one rule per step
  check f at (0.5, 0.5)                gradient check: symbolic vs central differences
  minimize f from (-1, 1) method adam lr 0.01
                                       options: method gd|momentum|nesterov|adam|rmsprop|
                                       lbfgs|newton, lr RATE, steps N, tol GRADIENT_NORM
                                       (defaults: gd, lr 0.001, 10000 steps); Ctrl-C stops it
  plot f over x=-3..3 derivative tangent 0,1
                                       a picture in the terminal (text), drawn by gnuplot;
                                       plot [f, g] draws several; a function of x and y as
                                       contours (plot f over x=-2..2,y=-1..3); options:
                                       over RANGES, derivative [N], tangent X,..., to FILE
                                       (.svg, .png or .pdf: the picture in a file)

Names: a definition is taken by value (later changes to `a` do not change what was defined
from it); redefining a name is allowed and says what it replaced; a definition cannot use
its own name (no recursion). Parameters shadow defined values.

Commands:
  :help                this page
  :vars                list the definitions
  :format NAME         print results as text, unicode or latex (no NAME: show the current one)
  :load FILE           run the statements of a file (# starts a comment)
  :save FILE           write the definitions to a file that :load reads back
  :quit                leave (Ctrl-D too)

Keys: Tab completes names, the up arrow recalls earlier statements (kept in ~/.symdiff_history),
Ctrl-C drops the line or stops a running minimize, Ctrl-D leaves.

From tutorial 001 (calculus refresh):
  f(x, y) = (1-x)^2 + 100*(y-x^2)^2         Rosenbrock, the week 1 milestone
  grad(f)                                   [-2*(1 - x) - 400*x*(y - x^2), 200*(y - x^2)]
  check f at (0.5, 0.5)                     the tutorial's numerical verification
  minimize f from (-1, 1) lr 0.001 steps 10000
  h(x) = sin(x)^2   then   diff(h, x)       the chain rule: 2*sin(x)*cos(x)
  diff(sigmoid(w*x + b), w)                 a neuron's dy/dw
)";

} // namespace

std::span<const std::string_view> command_names() { return kCommands; }
std::span<const std::string_view> keywords() { return kKeywords; }
std::span<const std::string_view> builtin_names() { return kBuiltins; }

bool is_reserved(std::string_view name) {
    auto has = [&](std::span<const std::string_view> list) {
        return std::find(list.begin(), list.end(), name) != list.end();
    };
    return has(kKeywords) || has(kBuiltins);
}

std::string_view help_text() {
    // The built-in names are listed from the table that is_reserved() and completion use, so
    // that the page names every word a definition is refused for.
    static const std::string text = [] {
        std::string t(kHelp);
        t += "\nBuilt-in functions and constants (they cannot be redefined):\n ";
        std::size_t col = 1;
        for (std::string_view b : kBuiltins) {
            std::size_t width = b.size() + 1;
            if (col + width > 92) {
                t += "\n ";
                col = 1;
            }
            t += ' ';
            t += b;
            col += width;
        }
        t += '\n';
        return t;
    }();
    return text;
}

} // namespace symdiff::repl
