// The REPL statements that run a stage of their own (steps, check, plot, minimize) and the
// :commands (format, save, load, help).
#include "repl/impl.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "data/lines.hpp"
#include "repl/help.hpp"
#include "symdiff/data.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/gradient_check.hpp"
#include "symdiff/optimize.hpp"
#include "symdiff/output.hpp"
#include "symdiff/plot.hpp"
#include "symdiff/steps.hpp"
#include "symdiff/suggest.hpp"

namespace symdiff {

using namespace repl;

void Repl::Impl::steps(Span all, Span head, ReplReply& reply) {
    Span rest = sc->trim({head.end, all.end});
    if (sc->view(sc->name_at(rest.begin)) != "diff")
        fail_at(rest.empty() ? head : rest, "steps shows a derivation: steps diff(x^2*sin(x), x)");
    reply.output += derivation(rest);
}

// steps diff(F, x): the derivation of diff(F, x), one rule per step.
std::string Repl::Impl::derivation(Span rest) {
    const Scanner& s = *sc;
    Span head = s.name_at(rest.begin);
    Span after = s.trim({head.end, rest.end});
    if (after.empty()) fail_at(head, "steps diff needs a function: steps diff(x^2*sin(x), x)");
    std::vector<Span> args;
    if (text[after.begin] == '(') {
        std::size_t close = s.closing(after.begin);
        if (close == std::string_view::npos) fail_at({after.begin, after.begin + 1}, "this '(' is not closed");
        if (close + 1 != rest.end) fail_at(s.trim({close + 1, rest.end}), "unexpected text after diff(...)");
        args = s.split_commas({after.begin + 1, close});
    } else {
        args = s.split_commas(after);
    }
    Span target_span = s.trim(args[0]);
    Result t = target(target_span);
    Expr var;
    if (args.size() > 2) fail_at(s.trim(args[2]), "steps shows one derivative at a time: steps diff(f, x)");
    if (args.size() == 2) {
        Span v = s.trim(args[1]);
        if (!s.is_name(v)) fail_at(v.empty() ? Span{v.begin, v.begin + 1} : v, "diff: expected a variable name here");
        var = ctx.symbol(s.view(v));
    } else if (t.params.size() == 1) {
        var = t.params[0];
    } else {
        fail_at(target_span, t.params.empty() ? "this has no variable to differentiate by"
                                              : "which variable? this is a function of " + join_names(t.params) +
                                                    " (write steps diff(" + std::string(s.view(target_span)) +
                                                    ", " + t.params[0].name() + "))");
    }
    if (t.expr.is(Op::List)) fail_at(target_span, "steps needs a scalar function");
    try {
        std::string out = render_steps(derive_steps(t.expr, var), format);
        if (!out.empty() && out.back() != '\n') out += '\n';
        return out;
    } catch (const Error& e) {
        if (e.diagnostic().has_position()) throw;
        fail_at(target_span, e.diagnostic().message);
    }
}

// check F at POINT: the symbolic gradient against central differences, in the same table
// and with the same step and threshold as `symdiff check` (tutorial 001's check).
void Repl::Impl::check(Span all, Span head, ReplReply& reply) {
    const Scanner& s = *sc;
    Span rest = s.trim({head.end, all.end});
    auto at = s.find_keyword(rest, "at");
    if (!at) fail_at(rest.empty() ? head : rest, "check needs a point: check f at (0.5, 0.5)");
    Span target_span = s.trim({rest.begin, at->begin});
    if (target_span.empty()) fail_at(head, "check needs a function: check f at (0.5, 0.5)");
    Result t = target(target_span);
    if (t.expr.is(Op::List)) fail_at(target_span, "check needs a scalar function");
    if (t.params.empty()) fail_at(target_span, "this has no variables: there is no gradient to check");
    std::vector<double> x = numeric_point(t, s.trim({at->end, all.end}), "check");
    std::vector<Assignment> point;
    for (std::size_t i = 0; i < x.size(); ++i) point.push_back(Assignment{t.params[i].name(), x[i], {}, false, {}, {}});
    const GradientCheck c = check_gradient(t.expr, t.params, point);
    std::string out = fmt::format("{:<10} {:>22} {:>22} {:>14}  {}\n", "variable", "symbolic", "numeric",
                                  "rel. error", "check");
    for (const CheckRow& r : c.rows)
        out += fmt::format("{:<10} {:>22} {:>22} {:>14.2e}  {}\n", r.name, format_double(r.symbolic),
                           format_double(r.numeric), r.error, r.passed() ? "pass" : "FAIL");
    out += fmt::format("max relative error: {:.2e} (threshold {:.0e}, central differences with h = {:.0e})\n",
                       c.worst, kCheckThreshold, kCheckStep);
    out += c.passed() ? "gradient check passed\n" : style.error("gradient check FAILED") + "\n";
    reply.output += out;
}

// plot F [over RANGES] [derivative [N]] [tangent X,...] [to FILE]: the picture of `symdiff
// plot`, as text in the reply, or into a file.
void Repl::Impl::plot(Span all, Span head, ReplReply& reply) {
    const Scanner& s = *sc;
    static constexpr std::string_view kWords[] = {"over", "derivative", "tangent", "to"};
    Span rest = s.trim({head.end, all.end});
    std::size_t target_end = rest.end;
    for (std::string_view w : kWords)
        if (auto k = s.find_keyword(rest, w)) target_end = std::min(target_end, k->begin);
    Span target_span = s.trim({rest.begin, target_end});
    if (target_span.empty()) fail_at(rest.empty() ? head : rest, "plot needs a function: plot f over x=-3..3");
    Result t = target(target_span);
    std::vector<Expr> functions;
    if (t.expr.is(Op::List))
        for (std::size_t i = 0; i < t.expr.size(); ++i) functions.push_back(t.expr[i]);
    else
        functions.push_back(t.expr);
    plot::FunctionOptions fo;
    std::string file;
    Span opts = s.trim({target_end, rest.end});
    while (!opts.empty()) {
        Span key = s.name_at(opts.begin);
        const std::string k(s.view(key));
        if (std::find(std::begin(kWords), std::end(kWords), k) == std::end(kWords))
            fail_at(key.empty() ? Span{opts.begin, opts.begin + 1} : key,
                    "expected an option: over, derivative, tangent or to");
        Span arg = s.trim({key.end, opts.end});
        std::size_t arg_end = arg.end;
        for (std::string_view w : kWords)
            if (auto n = s.find_keyword(arg, w)) arg_end = std::min(arg_end, n->begin);
        arg = s.trim({arg.begin, arg_end});
        const std::string value(s.view(arg));
        try {
            if (k == "derivative") {
                fo.derivatives = 1;
                if (!value.empty()) {
                    if (value.find_first_not_of("0123456789") != std::string::npos || value.size() > 2 || value == "0")
                        fail_at(arg, "derivative takes an order 1, 2, ...");
                    fo.derivatives = std::stoi(value);
                }
            } else if (value.empty()) {
                fail_at(key, k + " needs a value");
            } else if (k == "over") {
                fo.ranges = plot::parse_ranges(ctx, value, "over");
            } else if (k == "tangent") {
                fo.tangents = plot::parse_numbers(ctx, value, "tangent");
            } else {
                file = value;
                if (file.size() >= 2 && (file.front() == '"' || file.front() == '\'') && file.back() == file.front())
                    file = file.substr(1, file.size() - 2);
                if (!plot::output_for_path(file))
                    fail_at(arg, "the file's extension picks the picture's format: .svg, .png or .pdf");
            }
        } catch (const Error& e) {
            if (e.diagnostic().has_position()) throw;
            fail_at(arg.empty() ? key : arg, e.diagnostic().message);
        }
        opts = s.trim({arg.end, opts.end});
    }
    plot::Figure figure;
    try {
        figure = plot::function_figure(functions, fo);
    } catch (const Error& e) {
        if (e.diagnostic().has_position()) throw;
        fail_at(target_span, e.diagnostic().message);
    }
    plot::RenderOptions r;
    if (!file.empty()) {
        r.output = *plot::output_for_path(file);
        r.path = file;
        plot::render(figure, r);
        reply.output += "wrote " + file + "\n";
        return;
    }
    r.output = plot::Output::Text;
    r.text_columns = options.plot_columns;
    r.text_rows = options.plot_rows;
    // gnuplot's text starts each page with a form feed and pads its lines with spaces.
    std::string picture;
    for (char c : plot::render(figure, r))
        if (c != '\f') picture += c;
    std::string out;
    std::size_t b = 0;
    while (b < picture.size()) {
        std::size_t e = picture.find('\n', b);
        if (e == std::string::npos) e = picture.size();
        std::string line = picture.substr(b, e - b);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
        b = e + 1;
    }
    while (out.size() > 1 && out[0] == '\n') out.erase(0, 1);
    reply.output += out;
}

// minimize F from POINT [method M] [lr R] [steps N] [tol T]
void Repl::Impl::minimize(Span all, Span head, ReplReply& reply) {
    const Scanner& s = *sc;
    Span rest = s.trim({head.end, all.end});
    auto from = s.find_keyword(rest, "from");
    if (!from) fail_at(rest.empty() ? head : rest, "minimize needs a start point: minimize f from (-1, 1)");
    Span target_span = s.trim({rest.begin, from->begin});
    if (target_span.empty()) fail_at(head, "minimize needs a function: minimize f from (-1, 1)");
    Result t = target(target_span);
    if (t.expr.is(Op::List)) fail_at(target_span, "minimize needs a scalar function");
    if (t.params.empty()) fail_at(target_span, "this has no variables to minimise over");

    // The options follow the point: after its ')', or else from the first option word.
    Span tail = s.trim({from->end, all.end});
    std::size_t point_end = tail.end;
    if (!tail.empty() && text[tail.begin] == '(' && s.closing(tail.begin) < tail.end) {
        point_end = s.closing(tail.begin) + 1;
    } else {
        for (std::string_view w : {"method", "lr", "steps", "tol"})
            if (auto k = s.find_keyword(tail, w)) point_end = std::min(point_end, k->begin);
    }
    std::vector<double> start = numeric_point(t, s.trim({tail.begin, point_end}), "minimize");

    Options o;
    Span opts = s.trim({point_end, tail.end});
    while (!opts.empty()) {
        Span key = s.name_at(opts.begin);
        std::string_view k = s.view(key);
        if (k != "method" && k != "lr" && k != "steps" && k != "tol")
            fail_at(key.empty() ? Span{opts.begin, opts.begin + 1} : key,
                    "expected an option: method, lr, steps or tol");
        Span arg = s.trim({key.end, opts.end});
        std::size_t arg_end = arg.end;
        for (std::string_view w : {"method", "lr", "steps", "tol"})
            if (auto n = s.find_keyword(arg, w)) arg_end = std::min(arg_end, n->begin);
        arg = s.trim({arg.begin, arg_end});
        if (arg.empty()) fail_at(key, std::string(k) + " needs a value");
        if (k == "method") {
            auto m = method_from_name(s.view(arg));
            if (!m) {
                static constexpr std::string_view kMethods[] = {"gd",      "momentum", "nesterov", "adam",
                                                                "rmsprop", "lbfgs",    "newton"};
                const std::string guess = did_you_mean(s.view(arg), std::span<const std::string_view>(kMethods));
                fail_at(arg, "unknown method '" + std::string(s.view(arg)) + "'" +
                                 (guess.empty() ? " (gd, momentum, nesterov, adam, rmsprop, lbfgs, newton)" : guess));
            }
            o.method = *m;
        } else {
            double v = constant(arg);
            if (k == "lr") {
                if (!(v > 0) || !std::isfinite(v)) fail_at(arg, "lr must be a positive number");
                o.lr = v;
            } else if (k == "tol") {
                if (!(v >= 0)) fail_at(arg, "tol must not be negative");
                o.grad_tol = v;
            } else {
                if (!(v >= 1) || v > 1e9 || v != std::floor(v)) fail_at(arg, "steps must be a whole number from 1 to 1e9");
                o.max_steps = static_cast<std::size_t>(v);
            }
        }
        opts = s.trim({arg.end, opts.end});
    }

    Report r;
    Assessment verdict;
    try {
        Objective objective(t.expr, t.params, Backend::Jit);
        // Interrupts and progress are looked at every 1024 steps: a few nanoseconds per
        // step at most, and a reaction well under a second even for large functions.
        using clock = std::chrono::steady_clock;
        auto last = clock::now();
        bool shown = false;
        auto observe = [&](const StepInfo& info) {
            if ((info.step & 1023) != 0) return true;
            if (options.interrupted && options.interrupted()) return false;
            if (options.progress && clock::now() - last > std::chrono::milliseconds(200)) {
                last = clock::now();
                double g = 0;
                for (double v : info.grad) g += v * v;
                options.progress(fmt::format("step {} of {}  f = {}  |grad f| = {}", info.step, o.max_steps,
                                             format_double(info.f), format_double(std::sqrt(g))));
                shown = true;
            }
            return true;
        };
        r = objective.minimize(start, o, observe);
        if (shown) options.progress("");
        verdict = objective.assess(r, o);
    } catch (const Error& e) {
        if (e.diagnostic().has_position()) throw;
        fail_at(target_span, e.diagnostic().message);
    }
    std::vector<std::string> names;
    for (Expr v : t.params) names.push_back(v.name());
    if (r.reason == StopReason::Callback) r.message = "interrupted (Ctrl-C) at step " + std::to_string(r.steps);
    reply.output += format_report(r, names);
    // The verdict of `symdiff minimize`, and what the end point is.
    reply.output += format_assessment(verdict);
}

double Repl::Impl::constant(Span at) {
    Parsed p = parse_span(at);
    if (!free_symbols(p.expr).empty() || p.expr.is(Op::List)) fail_at(at, "expected a number here");
    return value_of(p.expr);
}

void Repl::Impl::command(Span all, ReplReply& reply) {
    const Scanner& s = *sc;
    std::size_t i = all.begin + 1;
    Span word = s.name_at(i);
    Span cmd{all.begin, word.empty() ? i : word.end};
    std::string name(s.view(cmd));
    Span arg = s.trim({cmd.end, all.end});
    std::string argument(s.view(arg));
    auto no_argument = [&] {
        if (!arg.empty()) fail_at(arg, name + " takes no argument");
    };
    if (name == ":help" || name == ":h") {
        no_argument();
        reply.output += repl::help_text();
    } else if (name == ":vars") {
        no_argument();
        if (defs.empty()) reply.output += "no definitions yet (define one with f(x) = x^2 or a = 3)\n";
        for (const Definition& d : defs)
            reply.output += style.name(signature(d)) + " = " + body_text(d.body) + constant_value(d) + "\n";
    } else if (name == ":format") {
        if (arg.empty()) {
            reply.output += "format: " + std::string(format_name(format)) + "\n";
            return;
        }
        auto f = format_from_name(argument);
        if (!f || (*f != Format::Text && *f != Format::Unicode && *f != Format::Latex)) {
            const std::string guess = did_you_mean(argument, std::span<const std::string_view>(kReplFormats));
            fail_at(arg, "unknown format '" + argument + "'" + (guess.empty() ? " (text, unicode or latex)" : guess));
        }
        format = *f;
        reply.output += "format: " + argument + "\n";
    } else if (name == ":load") {
        if (arg.empty()) fail_at(cmd, ":load needs a file name");
        load(expand_home(argument), arg, reply);
    } else if (name == ":save") {
        if (arg.empty()) fail_at(cmd, ":save needs a file name");
        save(expand_home(argument), arg, reply);
    } else if (name == ":quit" || name == ":q") {
        no_argument();
        reply.quit = true;
    } else {
        const std::string guess = did_you_mean(name, repl::command_names());
        fail_at(cmd, "unknown command '" + name + "'" + (guess.empty() ? " (:help lists the commands)" : guess));
    }
}

std::string Repl::Impl::expand_home(const std::string& path) {
    if (path.size() >= 2 && path[0] == '~' && path[1] == '/')
        if (const char* home = std::getenv("HOME"); home && *home) return home + path.substr(1);
    return path;
}

// Written whole or not at all (output.hpp): a full disk leaves the previous file.
void Repl::Impl::save(const std::string& path, Span arg, ReplReply& reply) {
    try {
        OutputFile out(path, "the session file");
        out.write("# symdiff definitions, written by :save; read them back with :load " + path + "\n");
        for (const Definition& d : defs) out.write(signature(d) + " = " + to_string(d.body, Format::Text) + "\n");
        out.commit();
    } catch (const Error& e) {
        fail_at(arg, e.what());
    }
    reply.output += fmt::format("saved {} to {}\n", plural(defs.size(), "definition"), path);
}

// Each statement of the file runs as if typed (brackets continue lines, a blank line ends
// an unfinished one); errors name the file and line and do not stop the rest. The file is
// read as --data reads a CSV file (data/lines.hpp): a directory, /dev/zero or a line over
// a megabyte is an error, and memory holds one statement at a time.
void Repl::Impl::load(const std::string& path, Span arg, ReplReply& reply) {
    if (load_depth >= kMaxLoadDepth) fail_at(arg, ":load is nested too deeply (does the file load itself?)");
    ++load_depth;
    struct Depth {
        std::size_t& d;
        ~Depth() { --d; }
    } depth{load_depth};
    std::size_t line_no = 0, first_line = 0, errors = 0, defined = 0;
    std::string pending;
    auto flush = [&] {
        if (pending.find_first_not_of(" \t\r\n") == std::string::npos) {
            pending.clear();
            return;
        }
        ReplReply r = run(pending);
        if (r.quit) reply.quit = true;
        std::string stripped = repl::strip_comments(pending);
        bool is_definition = repl::Scanner(stripped).top_level_equals({0, stripped.size()}).has_value();
        if (is_definition && r.ok()) ++defined;
        if (!is_definition) reply.output += r.output;
        if (!r.errors.empty()) {
            ++errors;
            reply.errors += fmt::format("{}:{}: ", path, first_line) + r.errors;
        }
        pending.clear();
    };
    struct Quit {};
    try {
        detail::read_lines(path, CsvOptions{}.max_line_bytes, [&](std::string_view line, bool) {
            ++line_no;
            if (pending.empty()) first_line = line_no;
            else if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
                flush();
                return;
            }
            if (pending.empty()) pending = line;
            else pending.append("\n").append(line);
            if (repl::bracket_balance(pending) <= 0) flush();
            if (reply.quit) throw Quit{};
        });
    } catch (const Quit&) {
    } catch (const Error& e) {
        fail_at(arg, e.what());
    }
    if (!reply.quit) flush();
    reply.quit = false;
    reply.output += fmt::format("loaded {}: {}{}\n", path, plural(defined, "definition"),
                                errors ? ", " + plural(errors, "error") : "");
}

} // namespace symdiff
