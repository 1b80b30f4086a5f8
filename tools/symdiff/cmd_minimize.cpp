// `symdiff minimize EXPR --from x=-1,y=1 [--method ...] [--lr ...]`: runs an optimiser over the
// compiled gradient and reports where it ended and why; several methods, rates or start points make a
// table, one row per run, with the verdict of tutorial 002 (converged / slow / diverged), told
// apart at a critical point by the Hessian (saddle, maximum) and for a descent without end
// (unbounded): symdiff::assess.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common.hpp"
#include "picture.hpp"
#include "runs.hpp"
#include "symdiff/suggest.hpp"
#include "symdiff/optimize.hpp"
#include "symdiff/plot.hpp"

namespace symdiff::cli {
namespace {

struct MinimizeOptions {
    Options common;
    std::vector<std::string> from;
    std::string method = "gd";
    std::vector<Method> methods; // of method, read before the run
    std::string lr = "0.001";
    std::uint64_t steps = 10000;
    double tol = 0;
    double ftol = 0;
    double momentum = 0.9;
    std::string momentum_form = "accumulate";
    double beta1 = 0.9, beta2 = 0.999, rho = 0.9, eps = 1e-8;
    std::string schedule = "constant";
    std::string trace;
    std::uint64_t trace_every = 1;
    double converged = -1;
    std::string backend = "jit";
    // The spelling before --backend (the other commands' name for it), kept for scripts.
    bool interpreter = false;
    Backend engine() const { return interpreter || backend == "interp" ? Backend::Interpreter : Backend::Jit; }
    bool no_progress = false;
    DataOptions data;
    PictureOptions picture;
    std::string plot_range;
};

// --from "x=-1,y=1;x=2,y=0" (or --from repeated): one point per ';'-separated group, every
// variable given exactly once.
std::vector<std::vector<double>> start_points(Context& ctx, const std::vector<std::string>& from,
                                              std::span<const Expr> vars, const Parsed& parsed) {
    std::vector<std::vector<double>> points;
    for (const std::string& arg : from) {
        for (std::string_view group : split(arg, ';')) {
            if (trim(group).empty()) continue;
            std::vector<double> p(vars.size(), 0.0);
            std::vector<bool> given(vars.size(), false);
            const std::vector<std::string_view> items = split(group, ',');
            for (std::size_t k = 0; k < items.size(); ++k) {
                const std::string_view item = items[k];
                const auto eq = item.find('=');
                if (eq == std::string::npos) {
                    // Without a name it would continue a vector's values (x=1,2,3), and these
                    // variables are all scalars.
                    if (trim(item).empty())
                        throw UsageError(fmt::format("--from expects name=value pairs, got '{}'", trim(item)));
                    const auto before = k == 0 ? std::string::npos : items[k - 1].find('=');
                    throw UsageError(continuation_error(
                        "--from", trim(group), k + 1, trim(item),
                        before == std::string::npos ? std::string_view() : trim(items[k - 1].substr(0, before)),
                        before == std::string::npos ? ContinuationError::First : ContinuationError::Scalar));
                }
                const std::string name(trim(item.substr(0, eq)));
                std::size_t i = 0;
                while (i < vars.size() && vars[i].name() != name) ++i;
                if (i == vars.size()) {
                    std::string names;
                    std::vector<std::string> known;
                    for (Expr v : vars) {
                        names += (names.empty() ? "" : ", ") + v.name();
                        known.push_back(v.name());
                    }
                    throw Error(fmt::format("--from gives '{}', which is not a variable of the expression ({}){}", name,
                                            names, in_brackets(misspelt_name_hint(name, known, parsed))));
                }
                if (given[i]) throw UsageError(fmt::format("--from gives '{}' twice in one point", name));
                p[i] = constant_value(ctx, trim(item.substr(eq + 1)), "--from " + name);
                given[i] = true;
            }
            for (std::size_t i = 0; i < vars.size(); ++i)
                if (!given[i])
                    throw UsageError(fmt::format("--from '{}' does not give a value to '{}'", trim(group),
                                                 vars[i].name()));
            points.push_back(std::move(p));
        }
    }
    if (points.empty()) throw UsageError("--from needs at least one point, e.g. --from x=-1,y=1");
    return points;
}

symdiff::Options optimiser_options(const MinimizeOptions& m) {
    symdiff::Options o;
    set_optimiser_choices(o, method_name(m.methods.front()), m.momentum_form, m.schedule, kChoiceNames);
    o.max_steps = m.steps;
    o.grad_tol = m.tol;
    o.f_tol = m.ftol;
    o.momentum = m.momentum;
    o.beta1 = m.beta1;
    o.beta2 = m.beta2;
    o.rho = m.rho;
    o.epsilon = m.eps;
    return o;
}

// A progress line on a terminal, refreshed at most five times a second; checking the clock
// only every 4096 steps keeps the callback to a counter test.
class Progress {
public:
    Progress(std::size_t max_steps, std::string label) : max_(max_steps), label_(std::move(label)) {}
    bool operator()(const StepInfo& s) const {
        if ((s.step & 4095) != 0) return true;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_ < std::chrono::milliseconds(200)) return true;
        last_ = now;
        double g = 0;
        for (double v : s.grad) g += v * v;
        std::fprintf(stderr, "\r\033[K%sstep %zu/%zu  f = %s  |grad f| = %s", label_.c_str(), s.step, max_,
                     number_text(s.f).c_str(), number_text(std::sqrt(g)).c_str());
        std::fflush(stderr);
        shown_ = true;
        return true;
    }
    ~Progress() {
        if (shown_) std::fputs("\r\033[K", stderr);
    }

private:
    std::size_t max_;
    std::string label_;
    mutable std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
    mutable bool shown_ = false;
};

struct Run {
    double lr;
    Report report;
    Assessment verdict;
};

std::string point_text(std::span<const Expr> vars, std::span<const double> x) {
    std::string s;
    for (std::size_t i = 0; i < x.size(); ++i)
        s += (i ? "," : "") + vars[i].name() + "=" + number_text(x[i]);
    return s;
}

// Refuses a --trace that would overwrite an input, before anything is computed.
void check_trace_path(const MinimizeOptions& m) {
    const std::pair<std::string, std::string> inputs[] = {{"--data", m.data.path},
                                                          {"EXPR", m.common.expr == "-" ? "-" : ""}};
    refuse_input_as_output("--trace", m.trace, inputs);
}

std::string json_point(std::span<const Expr> vars, std::span<const double> x) {
    std::string s = "{";
    for (std::size_t i = 0; i < x.size(); ++i)
        s += (i ? ", " : "") + json_string(vars[i].name()) + ": " + json_number(x[i]);
    return s + "}";
}

// One run of the JSON report, its start and end points given as JSON.
std::string json_run(const std::string& start, bool with_method, double lr, const std::string& end, const Report& r,
                     const Assessment& a) {
    JsonObject j;
    j.raw("start", start);
    if (with_method) j.string("method", method_name(r.method));
    j.number("lr", lr)
        .raw("end", end)
        .number("f_start", r.f_start)
        .number("f", r.f)
        .number("grad_norm", r.grad_norm)
        .raw("steps", std::to_string(r.steps))
        .raw("evaluations", std::to_string(r.evaluations))
        .string("stopped", stop_reason_name(r.reason))
        .string("message", r.message)
        .string("verdict", verdict_name(a.verdict))
        .number("seconds", r.seconds);
    if (a.point) j.raw("point", json_curvature(*a.point));
    return j.str();
}

// Rows of cells, each column as wide as its widest cell, two spaces apart.
void print_aligned(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(rows.front().size(), 0);
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            line += row[c];
            if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
        }
        print_line(line);
    }
}

// A table's verdict cell: the verdict, and why a diverged or interrupted run stopped.
std::string verdict_text(const Report& r, const Assessment& a) {
    std::string verdict(verdict_name(a.verdict));
    if (r.reason == StopReason::Diverged) verdict += " (" + r.message.substr(r.message.find(':') + 2) + ")";
    if (r.reason == StopReason::Interrupted) verdict += " (" + r.message + ")";
    return verdict;
}

void print_table(std::span<const Expr> vars, const std::vector<Run>& runs, bool show_start, bool show_method) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> head;
    if (show_start) head.push_back("start");
    if (show_method) head.push_back("method");
    head.push_back("lr");
    for (Expr v : vars) head.push_back(v.name());
    for (const char* h : {"f", "|grad f|", "steps", "verdict"}) head.push_back(h);
    rows.push_back(head);
    for (const Run& r : runs) {
        std::vector<std::string> row;
        if (show_start) row.push_back(point_text(vars, r.report.start));
        if (show_method) row.push_back(std::string(method_name(r.report.method)));
        row.push_back(number_text(r.lr));
        for (double v : r.report.x) row.push_back(number_text(v));
        row.push_back(number_text(r.report.f));
        row.push_back(number_text(r.report.grad_norm));
        row.push_back(std::to_string(r.report.steps));
        row.push_back(verdict_text(r.report, r.verdict));
        rows.push_back(std::move(row));
    }
    print_aligned(rows);
}

// --- functions of vectors and data: the same runs over a Loss, reported without printing
// every coordinate of a 100,000-element vector.

struct LoopRun {
    std::size_t point;
    double lr;
    Report report;
    Assessment verdict;
};

// The report of run_minimize_loops: one run as lines, several as a table, or JSON.
struct LoopReport {
    const MinimizeOptions& m;
    const Input& in;
    const std::optional<DataSet>& data;
    std::span<const Expr> params, scalars, vectors;
    std::span<const StartPoint> points;
    std::span<const LoopRun> runs;
    const Loss& first;
    bool many;

    // The point as text: scalars by value, vectors by their first elements and norm.
    std::string point_text(std::span<const double> x, const StartPoint& p) const {
        std::string s;
        for (std::size_t i = 0; i < scalars.size(); ++i)
            s += (i ? ", " : "") + scalars[i].name() + "=" + number_text(x[i]);
        std::size_t at = scalars.size();
        for (std::size_t j = 0; j < vectors.size(); ++j) {
            const auto v = x.subspan(at, p.lengths[j]);
            double n2 = 0;
            for (double e : v) n2 += e * e;
            s += (s.empty() ? "" : ", ") + vectors[j].name() + "=" + vector_summary(v, 10) + " |" + vectors[j].name() +
                 "| = " + number_text(std::sqrt(n2));
            at += p.lengths[j];
        }
        return s;
    }

    std::string point_json(std::span<const double> x, const StartPoint& p) const {
        JsonObject o;
        for (std::size_t i = 0; i < scalars.size(); ++i) o.number(scalars[i].name(), x[i]);
        std::size_t at = scalars.size();
        for (std::size_t j = 0; j < vectors.size(); ++j) {
            o.raw(vectors[j].name(), json_numbers(x.subspan(at, p.lengths[j])));
            at += p.lengths[j];
        }
        return o.str();
    }

    void print() const {
        if (m.common.format == Format::Json) return print_json();
        if (runs.size() == 1 && !many) return print_one();
        print_table();
    }

    void print_json() const {
        std::string list = "[";
        for (std::size_t i = 0; i < runs.size(); ++i) {
            const Report& r = runs[i].report;
            const StartPoint& p = points[runs[i].point];
            list += (i ? ", " : "") +
                    json_run(point_json(r.start, p), m.methods.size() > 1, runs[i].lr, point_json(r.x, p), r,
                             runs[i].verdict);
        }
        list += "]";
        JsonObject sizes_json;
        for (const SizeBinding& s : first.sizes()) sizes_json.number(s.symbol.name(), s.value);
        JsonObject json = json_header("minimize", in);
        if (data) json.raw("data", json_data(m.data, *data));
        json_methods(json, m.methods).raw("wrt", json_names(params)).raw("sizes", sizes_json.str()).raw("runs", list);
        print_line(json.str());
    }

    void print_one() const {
        std::string size_text;
        for (const SizeBinding& s : first.sizes())
            size_text += (size_text.empty() ? "" : ", ") + s.symbol.name() + " = " + number_text(s.value);
        const Report& r = runs[0].report;
        print_line("method:   " + std::string(method_name(r.method)));
        if (!size_text.empty()) print_line("sizes:    " + size_text);
        print_line("start:    " + point_text(r.start, points.front()) + "  f = " + number_text(r.f_start));
        print_line("end:      " + point_text(r.x, points.front()));
        print_line("f:        " + number_text(r.f));
        print_line("|grad f|: " + number_text(r.grad_norm));
        print_line(fmt::format("steps:    {} ({} evaluations)", r.steps, r.evaluations));
        print_line("stopped:  " + r.message);
        print_line(fmt::format("time:     {:.3g} s", r.seconds));
        const std::string assessment = format_assessment(runs[0].verdict);
        for (std::string_view line : split(assessment, '\n'))
            if (!line.empty()) print_line(std::string(line));
    }

    void print_table() const {
        std::vector<std::vector<std::string>> rows;
        std::vector<std::string> head;
        if (points.size() > 1) head.push_back("start");
        if (m.methods.size() > 1) head.push_back("method");
        head.push_back("lr");
        for (Expr v : scalars) head.push_back(v.name());
        for (Expr v : vectors) head.push_back("|" + v.name() + "|");
        for (const char* h : {"f", "|grad f|", "steps", "verdict"}) head.push_back(h);
        rows.push_back(head);
        for (const LoopRun& run : runs) {
            const Report& r = run.report;
            std::vector<std::string> row;
            if (points.size() > 1) row.push_back(std::to_string(run.point + 1));
            if (m.methods.size() > 1) row.push_back(std::string(method_name(r.method)));
            row.push_back(number_text(run.lr));
            for (std::size_t i = 0; i < scalars.size(); ++i) row.push_back(number_text(r.x[i]));
            std::size_t at = scalars.size();
            for (std::size_t len : points[run.point].lengths) {
                double n2 = 0;
                for (std::size_t k = 0; k < len; ++k) n2 += r.x[at + k] * r.x[at + k];
                row.push_back(number_text(std::sqrt(n2)));
                at += len;
            }
            row.push_back(number_text(r.f));
            row.push_back(number_text(r.grad_norm));
            row.push_back(std::to_string(r.steps));
            row.push_back(verdict_text(r, run.verdict));
            rows.push_back(std::move(row));
        }
        print_aligned(rows);
    }
};

void run_minimize_loops(Context& ctx, const MinimizeOptions& m, const Input& in, const std::optional<DataSet>& data) {
    const Expr f = in.parsed.expr;
    if (f.is(Op::List) || f.is(Op::Vec)) throw Error("minimize takes a scalar expression, not a list");
    const std::vector<Expr> vector_vars = vector_symbols(f);
    const std::vector<Expr> params = m.common.wrt.empty()
                                         ? default_parameters(f, in.parsed.variables, data ? &*data : nullptr)
                                         : wrt_variables(ctx, m.common, in);
    if (params.empty()) throw Error("the expression has no variables to minimise over");
    std::vector<Expr> scalars;
    std::vector<Expr> vectors;
    for (Expr p : params) {
        if (std::find(vector_vars.begin(), vector_vars.end(), p) != vector_vars.end()) vectors.push_back(p);
        else scalars.push_back(p);
    }
    const std::vector<StartPoint> points = parse_start_points(ctx, m.from, f, params, "--from");
    const auto rates = positive_numbers(ctx, m.lr, "--lr");
    symdiff::Options base = optimiser_options(m);
    base.trace_every = 0; // a trace row per step of 100,000 coordinates is too much: see LoopRun::trace
    if (std::find(m.methods.begin(), m.methods.end(), Method::Newton) != m.methods.end())
        throw UsageError("--method newton is not available for functions of vectors or data (use lbfgs)");
    std::vector<ColumnView> views;
    if (data) views = column_views(*data);
    LossOptions lo;
    lo.backend = m.engine();

    const bool many = points.size() * m.methods.size() * rates.size() > 1, several_methods = m.methods.size() > 1;
    std::optional<TraceFile> trace;
    if (!m.trace.empty()) {
        std::string header = trace_columns(many, several_methods);
        for (Expr v : scalars) header += "," + v.name();
        for (Expr v : vectors) header += ",|" + v.name() + "|";
        trace.emplace(m.trace, header + ",f,grad_norm\n");
    }
    std::vector<LoopRun> runs;
    std::vector<Loss> losses;
    std::vector<plot::RunPath> paths; // for --plot: f at each step (a vector's path is not drawn)
    for (std::size_t pi = 0; pi < points.size(); ++pi) {
        if (InterruptScope::status() != 0 && !runs.empty()) break;
        const StartPoint& p = points[pi];
        std::vector<VectorParameter> vp;
        for (std::size_t j = 0; j < vectors.size(); ++j) vp.push_back(VectorParameter{vectors[j], p.lengths[j]});
        {
            Activity compiling("compiling the expression");
            losses.emplace_back(f, LossInputs{scalars, vp, views, p.sizes}, lo);
        }
        const Loss& loss = losses.back();
        for (const RunSpec& spec : run_specs(m.methods, rates)) {
            if (InterruptScope::status() != 0 && !runs.empty()) break;
            const double lr = spec.lr;
            symdiff::Options o = run_options(base, spec);
            try {
                symdiff::detail::validate(p.x.size(), p.x, o);
            } catch (const Error& e) {
                throw UsageError(e.what());
            }
            LoopRun run{pi, lr, {}, {}};
            std::optional<plot::PathRecorder> recorder;
            if (!m.picture.path.empty())
                recorder.emplace((points.size() > 1 ? fmt::format("start {}, ", pi + 1) : "") +
                                 run_label(spec, several_methods));
            const std::size_t every = m.trace_every == 0 ? 1 : m.trace_every;
            if (trace) trace->begin_run(many ? trace_prefix(runs.size() + 1, several_methods, spec) : "");
            std::vector<double> row;
            auto observe = [&](const StepInfo& s) {
                if (recorder) recorder->add(s.step, {}, s.f);
                if (!trace || s.step % every != 0) return true;
                row.assign(s.x.begin(), s.x.begin() + static_cast<std::ptrdiff_t>(scalars.size()));
                std::size_t at = scalars.size();
                for (std::size_t len : p.lengths) {
                    double n2 = 0;
                    for (std::size_t k = 0; k < len; ++k) n2 += s.x[at + k] * s.x[at + k];
                    row.push_back(std::sqrt(n2));
                    at += len;
                }
                double g2 = 0;
                for (double g : s.grad) g2 += g * g;
                row.push_back(s.f);
                row.push_back(std::sqrt(g2));
                trace->row(s.step, row);
                return true;
            };
            {
                Activity running("running the optimiser");
                run.report = !trace && !recorder ? loss.minimize(p.x, o) : loss.minimize(p.x, o, CallbackRef(observe));
            }
            if (recorder) paths.push_back(recorder->finish(run.report.steps, {}, run.report.f));
            run.verdict = loss.assess(run.report, o, m.converged);
            runs.push_back(std::move(run));
        }
    }
    if (trace) trace->commit();
    if (!m.picture.path.empty()) draw_picture(plot::descent_figure(f, {}, paths), m.picture);

    LoopReport{m, in, data, params, scalars, vectors, points, runs, losses.front(), many}.print();
}

// --plot: the runs' paths, in the window of --plot-range if given.
void draw_runs(Context& ctx, const MinimizeOptions& m, Expr f, std::span<const Expr> vars,
               const std::vector<plot::RunPath>& paths) {
    std::optional<std::pair<plot::Range, plot::Range>> view;
    if (!m.plot_range.empty()) {
        // The window of the paths' panel, one range per variable (of one or two).
        const std::vector<plot::Range> ranges = plot::parse_ranges(ctx, m.plot_range, "--plot-range");
        auto find = [&](Expr v) -> plot::Range {
            for (const plot::Range& r : ranges)
                if (r.variable == v) return r;
            throw UsageError(fmt::format("--plot-range gives no range to '{}'", v.name()));
        };
        if (vars.size() > 2) throw UsageError("--plot-range: the paths are drawn for one or two variables only");
        view.emplace(find(vars[0]), vars.size() == 2 ? find(vars[1]) : find(vars[0]));
    }
    draw_picture(plot::descent_figure(f, vars, paths, view), m.picture);
}

// The report: JSON, one run's lines, or a table of runs.
void print_runs(const MinimizeOptions& m, const Input& in, std::span<const Expr> vars, const std::vector<Run>& runs,
                bool many, bool show_start) {
    if (m.common.format == Format::Json) {
        std::string list = "[";
        for (std::size_t i = 0; i < runs.size(); ++i) {
            const Report& r = runs[i].report;
            list += (i ? ", " : "") +
                    json_run(json_point(vars, r.start), m.methods.size() > 1, runs[i].lr, json_point(vars, r.x), r,
                             runs[i].verdict);
        }
        list += "]";
        JsonObject json = json_header("minimize", in);
        return print_line(json_methods(json, m.methods).raw("wrt", json_names(vars)).raw("runs", list).str());
    }
    if (runs.size() == 1 && !many) {
        std::vector<std::string> names;
        for (Expr v : vars) names.push_back(v.name());
        std::fputs(format_report(runs[0].report, names).c_str(), stdout);
        std::fputs(format_assessment(runs[0].verdict).c_str(), stdout);
        return;
    }
    print_table(vars, runs, show_start, m.methods.size() > 1);
}

void run_minimize(const MinimizeOptions& m) {
    Context ctx;
    // The names of --from and the columns are declared variables, each one name.
    const std::optional<DataSet> data = load_data(m.data);
    std::vector<std::string> declared = assignment_names(m.from);
    if (data) declared.insert(declared.end(), data->names.begin(), data->names.end());
    Input in = read_input(ctx, m.common, declared);
    if (data || uses_loops(in.parsed.expr)) return run_minimize_loops(ctx, m, in, data);
    const std::vector<Expr> vars = wrt_variables(ctx, m.common, in);
    if (vars.empty()) throw Error("the expression has no variables to minimise over");
    for (Expr v : free_symbols(in.parsed.expr)) {
        if (std::find(vars.begin(), vars.end(), v) == vars.end())
            throw Error(fmt::format("'{}' is a variable of the expression but not of --wrt", v.name()));
    }
    const auto points = start_points(ctx, m.from, vars, in.parsed);
    const auto rates = positive_numbers(ctx, m.lr, "--lr");
    symdiff::Options base = optimiser_options(m);
    std::optional<Objective> compiled;
    {
        Activity compiling("compiling the expression");
        compiled.emplace(in.parsed.expr, vars, m.engine());
    }
    const Objective& objective = *compiled;

    const bool progress = !m.no_progress && ::isatty(STDERR_FILENO);
    const bool many = rates.size() * m.methods.size() * points.size() > 1, several_methods = m.methods.size() > 1;
    std::optional<TraceFile> trace;
    if (!m.trace.empty()) {
        std::string header = trace_columns(many, several_methods);
        for (Expr v : vars) header += "," + v.name();
        trace.emplace(m.trace, header + ",f,grad_norm\n");
    }
    const std::size_t every = m.trace_every == 0 ? 1 : m.trace_every;
    const std::size_t n = vars.size();
    std::vector<double> row(n + 2);
    std::vector<Run> runs;
    std::vector<plot::RunPath> paths; // for --plot
    for (const auto& start : points) {
        for (const RunSpec& spec : run_specs(m.methods, rates)) {
            if (InterruptScope::status() != 0 && !runs.empty()) break;
            const double lr = spec.lr;
            symdiff::Options o = run_options(base, spec);
            if (trace) trace->begin_run(many ? trace_prefix(runs.size() + 1, several_methods, spec) : "");
            auto write_row = [&](std::size_t step, std::span<const double> x, double f, double grad_norm) {
                std::copy(x.begin(), x.end(), row.begin());
                row[n] = f;
                row[n + 1] = grad_norm;
                trace->row(step, row);
            };
            std::optional<Progress> shown;
            if (progress && o.max_steps >= 100000)
                shown.emplace(o.max_steps, many ? "lr " + number_text(lr) + "  " : "");
            std::optional<plot::PathRecorder> recorder;
            if (!m.picture.path.empty()) {
                std::string label = run_label(spec, true);
                if (points.size() > 1) label = "from " + point_text(vars, start) + ", " + label;
                recorder.emplace(std::move(label));
            }
            auto observe = [&](const StepInfo& s) {
                if (shown) (*shown)(s);
                if (recorder) recorder->add(s.step, s.x, s.f);
                if (trace && s.step % every == 0) write_row(s.step, s.x, s.f, symdiff::detail::norm(s.grad.data(), n));
                return true;
            };
            try {
                symdiff::detail::validate(start.size(), start, o);
            } catch (const Error& e) {
                // The optimiser refuses only option values (a momentum of 1, ...): wrong usage.
                throw UsageError(e.what());
            }
            Report r;
            {
                Activity running("running the optimiser");
                r = trace || shown || recorder ? objective.minimize(start, o, CallbackRef(observe))
                                               : objective.minimize(start, o);
            }
            if (recorder) paths.push_back(recorder->finish(r.steps, r.x, r.f));
            shown.reset();
            // The last point, when the rows skipped it (--trace-every) or the run diverged there.
            if (trace && trace->lacks(r.steps)) write_row(r.steps, r.x, r.f, r.grad_norm);
            Assessment v = objective.assess(r, o, m.converged);
            runs.push_back(Run{lr, std::move(r), std::move(v)});
        }
    }
    if (trace) trace->commit();
    if (!m.picture.path.empty()) draw_runs(ctx, m, in.parsed.expr, vars, paths);
    print_runs(m, in, vars, runs, many, points.size() > 1);
}

} // namespace

void register_minimize(CLI::App& app) {
    auto m = std::make_shared<MinimizeOptions>();
    auto* cmd = add_command(app, "minimize", "Minimise an expression with gradient descent, Adam, L-BFGS, Newton, ...");
    add_expr_argument(cmd, m->common);
    add_wrt_option(cmd, m->common);
    add_vars_option(cmd, m->common);
    add_format_option(cmd, m->common);
    add_data_options(cmd, m->data);
    cmd->add_option("--from", m->from,
                    "Start point, e.g. x=-1,y=1; several with ';' (\"x=-1,y=1;x=2,y=0\") or a repeated --from; "
                    "a vector as x=-1.2,1,0.5 (the values up to the next name=) or x=[-1.2,1]*500")
        ->required()
        ->type_name("x=V,...");
    cmd->add_option("--method", m->method,
                    "gd, momentum, nesterov, adam, rmsprop, lbfgs or newton; a list (gd,momentum,adam) runs each, "
                    "compared in one table and one --plot")
        ->type_name("M[,M...]")
        ->capture_default_str();
    cmd->add_option("--lr", m->lr, "Learning rate; a list (0.001,0.01,0.1) runs one row per rate")
        ->type_name("R[,R...]")
        ->capture_default_str();
    add_count_option(cmd, "--steps", m->steps, "Maximum updates (iterations for lbfgs, newton)")->capture_default_str();
    cmd->add_option("--tol", m->tol, "Stop when |grad f| < TOL (0: never)")->capture_default_str();
    cmd->add_option("--ftol", m->ftol, "Stop when f changes by at most FTOL*max(1,|f|) in a step (0: never)");
    cmd->add_option("--momentum", m->momentum, "Momentum coefficient beta")->capture_default_str();
    cmd->add_option("--momentum-form", m->momentum_form,
                    "accumulate: v = beta*v + grad, x -= lr*v; velocity: v = beta*v - lr*grad, x += v")
        ->capture_default_str();
    cmd->add_option("--beta1", m->beta1, "Adam: decay of the first moment")->capture_default_str();
    cmd->add_option("--beta2", m->beta2, "Adam: decay of the second moment")->capture_default_str();
    cmd->add_option("--rho", m->rho, "RMSProp: decay of the squared gradient")->capture_default_str();
    cmd->add_option("--eps", m->eps, "Adam, RMSProp: epsilon in the denominator")->capture_default_str();
    cmd->add_option("--schedule", m->schedule,
                    "Learning-rate schedule: constant, step:GAMMA:EVERY, exp:GAMMA (lr*GAMMA^t), inv:GAMMA (lr/(1+GAMMA*t))")
        ->capture_default_str();
    cmd->add_option("--trace", m->trace,
                    "Write step, the variables, f and |grad f| as CSV (runs: run,[method,]lr,step,...), row by row as the run "
                    "goes; - is standard output")
        ->type_name("FILE.csv");
    add_count_option(cmd, "--trace-every", m->trace_every, "Keep every Nth step in the trace (and the last)")
        ->capture_default_str();
    cmd->add_option("--converged", m->converged,
                    "Verdict 'converged' when |grad f| ends below this (default: max(--tol, 1e-3 * |grad f(start)|))");
    CLI::Option* backend =
        cmd->add_option("--backend", m->backend, "jit (native code) or interp (the reference interpreter): the same numbers")
            ->check(CLI::IsMember({"jit", "interp"}))
            ->capture_default_str();
    cmd->add_flag("--interpreter", m->interpreter, "The same as --backend interp")->excludes(backend);
    cmd->add_flag("--no-progress", m->no_progress, "No progress line on a terminal");
    add_picture_options(cmd, m->picture, "--plot",
                        "Draw the runs: paths over the contours of f (one or two variables) and the loss curves; "
                        "FILE.svg, .png or .pdf");
    cmd->add_option("--plot-range", m->plot_range,
                    "The window of the paths in --plot, e.g. x=-2..2,y=-1..3 (default: where the runs went)")
        ->type_name("x=LO..HI,...");
    cmd->callback([m] {
        InterruptScope interrupts;
        m->methods = parse_methods(m->method, "--method");
        check_picture_options(m->picture);
        if (!m->plot_range.empty() && m->picture.path.empty())
            throw UsageError("--plot-range is the window of --plot: give --plot FILE.svg");
        check_trace_path(*m);
        run_minimize(*m);
        if (const int status = InterruptScope::status()) throw CommandVerdict{status};
    });
}

} // namespace symdiff::cli
