// `symdiff fit LOSS --data file.csv [--params m,b] [--init m=0,b=0] [--method gd] [--lr 0.05]
// [--epochs 200] [--batch N] [--seed S] [--threads T]`: trains the parameters of a loss over the
// rows of a CSV file and reports the fitted values, the final loss and the loss curve.
#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "common.hpp"
#include "picture.hpp"
#include "symdiff/plot.hpp"
#include "symdiff/optimize.hpp"
#include "symdiff/suggest.hpp"

namespace symdiff::cli {
namespace {

struct FitCliOptions {
    Options common;
    DataOptions data;
    std::vector<std::string> params;
    std::vector<std::string> init;
    std::string method = "gd";
    double lr = 0.01;
    std::uint64_t epochs = 100;
    std::uint64_t batch = 0;
    std::uint64_t seed = 0;
    std::uint64_t threads = 0;
    std::string trace;
    std::string backend = "jit";
    double momentum = 0.9;
    std::string momentum_form = "accumulate";
    double beta1 = 0.9, beta2 = 0.999, rho = 0.9, eps = 1e-8;
    std::string schedule = "constant";
    double tol = 0;
    PictureOptions picture;
    std::string model;
};

// fit --plot: the data with the fitted model (parameters replaced by their fitted values) and
// the loss curve.
void draw_fit(Context& ctx, const FitCliOptions& m, const DataSet& data, Expr loss, std::span<const Expr> scalars,
              std::span<const double> fitted, std::span<const double> curve, std::span<const std::string> declared) {
    const std::vector<std::string>& columns = data.names;
    Expr model, target;
    if (!m.model.empty()) {
        Options o = m.common;
        o.expr = m.model;
        o.at.clear();
        model = read_input(ctx, o, declared).parsed.expr;
        std::vector<Expr> unused;
        for (Expr v : free_symbols(loss))
            if (std::find(columns.begin(), columns.end(), v.name()) != columns.end() && !depends_on(model, v))
                unused.push_back(v);
        if (unused.size() != 1)
            throw Error(fmt::format("--model: the loss should read exactly one column the model does not (the target); "
                                    "it reads {}",
                                    unused.size()));
        target = unused.front();
    } else if (auto found = plot::model_of_loss(ctx, loss, columns)) {
        std::tie(model, target) = *found;
    } else {
        throw Error("--plot: the model cannot be read from this loss (a squared error or a cross-entropy over a "
                    "column); name it with --model, e.g. --model 'm*x + b'");
    }
    std::vector<std::pair<Expr, Expr>> values;
    for (std::size_t i = 0; i < scalars.size(); ++i) values.push_back({scalars[i], ctx.real(fitted[i])});
    const Expr drawn = substitute(model, values);
    std::vector<Expr> inputs;
    std::vector<std::vector<double>> input_columns;
    for (std::size_t j = 0; j < columns.size(); ++j) {
        const Expr c = ctx.symbol(columns[j]);
        if (!depends_on(drawn, c)) continue;
        inputs.push_back(c);
        input_columns.push_back(data.columns[j]);
    }
    for (Expr v : free_symbols(drawn))
        if (std::find(inputs.begin(), inputs.end(), v) == inputs.end())
            throw Error(fmt::format("--plot: the model reads '{}', which is neither a column nor a fitted scalar", v.name()));
    const std::vector<double>& y = *data.column(target.name());
    double boundary = 0.5;
    if (inputs.size() == 2)
        for (double v : y)
            if (v != 0 && v != 1)
                throw Error(fmt::format("--plot: a model of two columns is drawn as a classifier's decision boundary, "
                                        "and the target '{}' is not 0 or 1 (it has {})",
                                        target.name(), number_text(v)));
    std::string title = "fitted: ";
    for (std::size_t i = 0; i < scalars.size(); ++i)
        title += (i ? ", " : "") + scalars[i].name() + " = " + fmt::format("{:.4g}", fitted[i]);
    // The legend shows the parameters to four digits; the curve uses them in full.
    std::vector<std::pair<Expr, Expr>> rounded;
    for (std::size_t i = 0; i < scalars.size(); ++i)
        rounded.push_back({scalars[i], ctx.real(std::stod(fmt::format("{:.4g}", fitted[i])))});
    const std::string text = to_string(substitute(model, rounded), Format::Unicode);
    draw_picture(plot::fit_figure(drawn, inputs, input_columns, y, target.name(), boundary, title, curve, text),
                 m.picture);
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string join(const std::vector<std::string>& names) {
    std::string s;
    for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
    return s;
}

symdiff::FitOptions fit_options(const FitCliOptions& m) {
    symdiff::FitOptions f;
    symdiff::Options& o = f.optimiser;
    set_optimiser_choices(o, m.method, m.momentum_form, m.schedule, kChoiceNames);
    if (!(m.lr > 0) || !std::isfinite(m.lr)) throw UsageError(fmt::format("--lr must be positive, got {}", number_text(m.lr)));
    o.lr = m.lr;
    o.momentum = m.momentum;
    o.beta1 = m.beta1;
    o.beta2 = m.beta2;
    o.rho = m.rho;
    o.epsilon = m.eps;
    o.grad_tol = m.tol;
    f.epochs = m.epochs;
    f.batch = m.batch;
    f.seed = m.seed;
    return f;
}

// Epochs 0, 1, 2, the quarters and the last: where a loss curve bends and where it ends.
std::vector<std::size_t> curve_epochs(std::size_t last) {
    std::set<std::size_t> e;
    for (std::size_t k = 0; k <= std::min<std::size_t>(2, last); ++k) e.insert(k);
    for (std::size_t q = 1; q <= 4; ++q) e.insert(last * q / 4);
    return {e.begin(), e.end()};
}

// The most threads --threads may ask for; the Loss itself runs with fewer when the system
// cannot start them all.
constexpr std::uint64_t kMaxThreads = 4096;

// Every coordinate of a small model in the trace; a large vector would make each row enormous.
constexpr std::size_t kTraceMaxCoordinates = 100;

// The parameters: as given by --params, or every variable that is not a column or a size.
std::vector<Expr> fit_parameters(Context& ctx, const FitCliOptions& m, const Input& in, const DataSet& data) {
    const Expr f = in.parsed.expr;
    const std::vector<std::string>& columns = data.names;
    std::vector<std::string> variables;
    for (Expr v : in.parsed.variables) variables.push_back(v.name());
    std::vector<Expr> params;
    if (!m.params.empty()) {
        for (const std::string& name : m.params) {
            if (contains(columns, name))
                throw_at_word(in, name, fmt::format("'{}' is a column of {}, not a parameter", name, m.data.path));
            if (!contains(variables, name))
                throw Error(fmt::format("unknown parameter '{}': the variables of the loss are {}{}", name,
                                        variables.empty() ? "none" : join(variables),
                                        in_brackets(misspelt_name_hint(name, variables, in.parsed))));
            const Expr s = ctx.symbol(name);
            if (std::find(params.begin(), params.end(), s) != params.end())
                throw UsageError(fmt::format("--params gives '{}' twice", name));
            params.push_back(s);
        }
    } else {
        params = default_parameters(f, in.parsed.variables, &data);
        // `Y` beside a column `y` is a slip, not a parameter to fit to a loss of 0.
        for (Expr v : params)
            if (auto column = slip_of(v.name(), columns))
                throw_at_word(in, v.name(),
                              fmt::format("the loss uses '{}', which is not a column of {} (did you mean column "
                                          "'{}'?); to fit a parameter named '{}', declare it with --params",
                                          v.name(), m.data.path, *column, v.name()));
    }
    if (params.empty())
        throw Error(fmt::format("the loss has no parameters to fit: its variables ({}) are all columns of {}",
                                join(variables), m.data.path));
    return params;
}

// Whatever is left must be a column or a size: a misspelt column would otherwise be fitted.
void check_leftovers(const FitCliOptions& m, const Input& in, const std::vector<std::string>& columns,
                     const std::vector<Expr>& params, const std::vector<std::string>& param_names,
                     const std::vector<Expr>& sizes) {
    for (Expr v : in.parsed.variables) {
        if (std::find(params.begin(), params.end(), v) != params.end() || contains(columns, v.name())) continue;
        if (std::find(sizes.begin(), sizes.end(), v) != sizes.end()) continue;
        throw_at_word(in, v.name(),
                      fmt::format("the loss uses '{}', which is neither a parameter ({}) nor a column of {} ({}{})",
                                  v.name(), join(param_names), m.data.path,
                                  columns.empty() ? "it has none" : "its columns: " + join(columns),
                                  nearest_name(v.name(), columns)
                                      ? "; did you mean '" + *nearest_name(v.name(), columns) + "'?"
                                      : std::string()));
    }
}

// Start values: 0 for scalars, --init for everything given (vectors need it for their length).
std::vector<Binding> init_values(Context& ctx, const FitCliOptions& m, const Input& in,
                                 const std::vector<std::string>& param_names) {
    const Expr f = in.parsed.expr;
    std::vector<Binding> init;
    for (const std::string& arg : m.init) {
        std::vector<Binding> given = parse_assignments(ctx, arg, "--init");
        check_list_values(given, f, true); // the parameters of a loss are never columns
        for (Binding& b : given) {
            if (!contains(param_names, b.name)) {
                const std::string hint = misspelt_name_hint(b.name, param_names, in.parsed);
                throw Error(fmt::format("--init gives '{}', which is not a parameter (parameters: {}{})", b.name,
                                        join(param_names), hint.empty() ? hint : "; " + hint));
            }
            if (std::any_of(init.begin(), init.end(), [&](const Binding& o) { return o.name == b.name; }))
                throw UsageError(fmt::format("--init gives '{}' twice", b.name));
            init.push_back(std::move(b));
        }
    }
    return init;
}

// What will be fitted: the loss, the data and the parameters.
void print_fit_header(const FitCliOptions& m, Expr f, const DataSet& data, const std::vector<std::string>& param_names) {
    print_line("fit:      " + to_string(f, m.common.format));
    print_line(fmt::format("data:     {} ({} rows; columns {})", m.data.path, data.rows(), join(data.names)));
    print_line(fmt::format("params:   {} ({})", join(param_names),
                           m.params.empty() ? "the names that are not columns; --params chooses" : "--params"));
}

// The report of a fit: JSON, or lines with the loss curve.
struct FitPrinter {
    const FitCliOptions& m;
    const Input& in;
    const DataSet& data;
    Expr f;
    std::span<const Expr> params, scalars;
    std::span<const VectorParameter> vectors;
    const Loss& loss;
    const FitReport& r;

    std::vector<std::string> param_names() const {
        std::vector<std::string> names;
        for (Expr p : params) names.push_back(p.name());
        return names;
    }

    // The scalars by name; each vector as one entry.
    std::string fitted_text(std::span<const double> x) const {
        std::string s;
        for (std::size_t i = 0; i < scalars.size(); ++i)
            s += (i ? ", " : "") + scalars[i].name() + "=" + number_text(x[i]);
        std::size_t at = scalars.size();
        for (const VectorParameter& v : vectors) {
            s += (s.empty() ? "" : ", ") + v.symbol.name() + "=" + vector_summary(x.subspan(at, v.length));
            at += v.length;
        }
        return s;
    }

    std::string fitted_json(std::span<const double> x) const {
        JsonObject o;
        for (std::size_t i = 0; i < scalars.size(); ++i) o.number(scalars[i].name(), x[i]);
        std::size_t at = scalars.size();
        for (const VectorParameter& v : vectors) {
            o.raw(v.symbol.name(), json_numbers(x.subspan(at, v.length)));
            at += v.length;
        }
        return o.str();
    }

    void print(bool text, bool header_first) const {
        const Report& rep = r.report;
        const bool full = r.batches_per_epoch == 1;
        if (!text) {
            JsonObject j = json_header("fit", in);
            j.raw("expr", json_expr(f))
                .raw("data", json_data(m.data, data))
                .raw("params", json_names(params))
                .string("method", m.method)
                .number("lr", m.lr)
                .raw("epochs", std::to_string(m.epochs))
                .raw("batch", full ? std::string("null") : std::to_string(r.batch))
                .raw("batches_per_epoch", std::to_string(r.batches_per_epoch))
                .raw("seed", std::to_string(m.seed))
                .raw("threads", std::to_string(r.threads))
                .string("backend", m.backend)
                .raw("start", fitted_json(rep.start))
                .raw("fitted", fitted_json(rep.x))
                .number("loss_start", rep.f_start)
                .number("loss", rep.f)
                .number("grad_norm", rep.grad_norm)
                .raw("curve", json_numbers(r.curve))
                .raw("epochs_run", std::to_string(r.epochs_run))
                .raw("updates", std::to_string(rep.steps))
                .raw("evaluations", std::to_string(rep.evaluations))
                .string("stopped", stop_reason_name(rep.reason))
                .string("message", rep.message)
                .number("seconds", rep.seconds);
            return print_line(j.str());
        }
        if (!header_first) print_fit_header(m, f, data, param_names());
        std::string how = m.method == "lbfgs" ? fmt::format("lbfgs, at most {} iterations, ", m.epochs)
                                              : fmt::format("{}, lr {}, {} epochs, ", m.method, number_text(m.lr), m.epochs);
        how += full ? "full batch" : fmt::format("batches of {} ({} updates per epoch, seed {})", r.batch, r.batches_per_epoch, m.seed);
        print_line("method:   " + how);
        print_line(fmt::format("start:    {}  loss = {}", fitted_text(rep.start), number_text(rep.f_start)));
        print_line("fitted:   " + fitted_text(rep.x));
        print_line("loss:     " + number_text(rep.f));
        print_line("|grad|:   " + number_text(rep.grad_norm));
        print_line("epoch  loss");
        for (std::size_t e : curve_epochs(r.curve.size() - 1))
            print_line(fmt::format("{:<6} {}", e, number_text(r.curve[e])));
        std::string threads = fmt::format("{} thread{}", r.threads, r.threads == 1 ? "" : "s");
        if (r.threads == 1 && !loss.serial_reason().empty()) threads += " (" + loss.serial_reason() + ")";
        print_line(fmt::format("updates:  {} ({} evaluations), {}", rep.steps, rep.evaluations, threads));
        print_line("stopped:  " + rep.message);
        print_line(fmt::format("time:     {:.3g} s", rep.seconds));
    }
};

void run_fit(FitCliOptions& m) {
    Context ctx;
    m.common.wrt = m.params; // declared, for the juxtaposition rule
    // The columns and the names of --init are declared too: `wx + b` fits w and b unless the
    // file has a column `wx` or --init gives `wx` a value.
    const std::optional<DataSet> data = load_data(m.data);
    std::vector<std::string> declared = data->names;
    for (std::string& name : assignment_names(m.init)) declared.push_back(std::move(name));
    Input in = read_input(ctx, m.common, declared);
    const Expr f = in.parsed.expr;
    if (f.is(Op::List) || f.is(Op::Vec)) throw Error("fit takes a loss that is a number, not a list");
    const std::vector<std::string>& columns = data->names;
    if (data->rows() == 0) throw Error(fmt::format("{} has a header but no rows: there is nothing to fit", m.data.path));
    const std::vector<Expr> sizes = size_symbols(f);
    const std::vector<Expr> params = fit_parameters(ctx, m, in, *data);
    std::vector<std::string> param_names;
    for (Expr p : params) param_names.push_back(p.name());
    check_leftovers(m, in, columns, params, param_names, sizes);
    const std::vector<Binding> init = init_values(ctx, m, in, param_names);
    const LossParameters lp = loss_parameters(f, params, init);
    const std::vector<Expr>& scalars = lp.scalars;
    const std::vector<VectorParameter>& vectors = lp.vectors;
    const std::vector<double>& start = lp.start;

    symdiff::FitOptions fo = fit_options(m);
    LossOptions lo;
    lo.backend = m.backend == "interp" ? Backend::Interpreter : Backend::Jit;
    lo.threads = m.threads;
    const std::vector<ColumnView> views = column_views(*data);
    std::optional<Loss> compiled;
    {
        Activity compiling("compiling the loss");
        compiled.emplace(f, LossInputs{scalars, vectors, views, {}}, lo);
    }
    const Loss& loss = *compiled;
    // Option values the optimiser refuses (a momentum of 1, ...) are wrong usage; what the
    // run itself throws (an index out of range, ...) is bad input.
    try {
        symdiff::detail::validate(start.size(), start, fo.optimiser);
    } catch (const Error& e) {
        throw UsageError(e.what());
    }
    if (fo.optimiser.method == Method::LBFGS && fo.batch != 0 && fo.batch < loss.rows())
        throw UsageError("--method lbfgs needs the full batch: its line search compares losses over the same rows");
    // The trace is written epoch by epoch as the run goes: a long run keeps none of it in memory.
    std::optional<OutputFile> trace;
    const std::size_t n = loss.dims();
    const bool coordinates = n <= kTraceMaxCoordinates;
    std::string line;
    auto write_epoch = [&](const StepInfo& s) {
        line = std::to_string(s.step);
        if (coordinates)
            for (double v : s.x) line += "," + number_text(v);
        line += "," + number_text(s.f) + "\n";
        trace->write(line);
        return true;
    };
    if (!m.trace.empty()) {
        trace.emplace(m.trace, "the trace file");
        std::string header = "epoch";
        if (coordinates)
            for (std::size_t i = 0; i < n; ++i) header += "," + loss.coordinate_name(i);
        trace->write(header + ",loss\n");
        fo.on_epoch = CallbackRef(write_epoch);
    }
    const bool text = m.common.format != Format::Json;
    auto print_header = [&] { print_fit_header(m, f, *data, param_names); };
    // What will be fitted, before a run that may be long: a name read as a parameter that was
    // meant otherwise shows here first. A trace on standard output keeps the report in one piece.
    const bool header_first = text && m.trace != "-";
    if (header_first) {
        print_header();
        std::fflush(stdout);
    }
    fo.optimiser.stop = InterruptScope::flag();
    FitReport r;
    {
        Activity running("running the optimiser");
        r = loss.fit(start, fo);
    }
    if (trace) trace->commit();
    const Report& rep = r.report;
    if (!m.picture.path.empty()) {
        if (!vectors.empty()) throw Error("--plot: a model with vector parameters is not drawn");
        draw_fit(ctx, m, *data, f, scalars, rep.x, r.curve, declared);
    }

    FitPrinter{m, in, *data, f, params, scalars, vectors, loss, r}.print(text, header_first);
}

} // namespace

void register_fit(CLI::App& app) {
    auto m = std::make_shared<FitCliOptions>();
    auto* cmd = add_command(app, "fit", "Fit the parameters of a loss to the rows of a CSV file (gd, adam, lbfgs, mini-batches)");
    cmd->add_option("LOSS", m->common.expr, "The loss, e.g. \"mean((m*x + b - y)^2)\", or - to read it from standard input")
        ->required();
    add_data_options(cmd, m->data);
    cmd->get_option("--data")->required();
    cmd->add_option("--params", m->params, "The parameters to fit (default: the variables that are not columns)")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->type_name("m,b,...");
    cmd->add_option("--init", m->init, "Start values (default 0), e.g. m=0,b=1; a vector as w=0.5,1,2 (the values up to the next name=) or w=[0]*10")
        ->allow_extra_args(false)
        ->type_name("m=V,...");
    cmd->add_option("--method", m->method, "gd, momentum, nesterov, adam, rmsprop or lbfgs (full batch only)")
        ->check(CLI::IsMember({"gd", "momentum", "nesterov", "adam", "rmsprop", "lbfgs"}))
        ->capture_default_str();
    cmd->add_option("--lr", m->lr, "Learning rate")->capture_default_str();
    add_count_option(cmd, "--epochs", m->epochs, "Passes over the data (iterations for lbfgs)")->capture_default_str();
    add_count_option(cmd, "--batch", m->batch, "Rows per mini-batch, shuffled each epoch (0: all rows)")
        ->capture_default_str();
    add_count_option(cmd, "--seed", m->seed, "Seed of the shuffle (std::mt19937_64)")->capture_default_str();
    add_count_option(cmd, "--threads", m->threads,
                     "Workers for evaluations over 100,000 rows or more (0: one per core; at most 4096, fewer if "
                     "the system cannot start them)",
                     kMaxThreads)
        ->capture_default_str();
    cmd->add_option("--trace", m->trace, "Write epoch, the parameters and the loss as CSV, row by row as the run goes; - is standard output")
        ->type_name("FILE.csv");
    cmd->add_option("--backend", m->backend, "jit (native loops) or interp (the reference interpreter)")
        ->check(CLI::IsMember({"jit", "interp"}))
        ->capture_default_str();
    cmd->add_option("--tol", m->tol, "Stop when |grad loss| < TOL over all rows (0: never)");
    cmd->add_option("--momentum", m->momentum, "Momentum coefficient beta")->capture_default_str();
    cmd->add_option("--momentum-form", m->momentum_form, "accumulate or velocity (see minimize --help)")
        ->capture_default_str();
    cmd->add_option("--beta1", m->beta1, "Adam: decay of the first moment")->capture_default_str();
    cmd->add_option("--beta2", m->beta2, "Adam: decay of the second moment")->capture_default_str();
    cmd->add_option("--rho", m->rho, "RMSProp: decay of the squared gradient")->capture_default_str();
    cmd->add_option("--eps", m->eps, "Adam, RMSProp: epsilon in the denominator")->capture_default_str();
    cmd->add_option("--schedule", m->schedule, "Learning-rate schedule per update: constant, step:GAMMA:EVERY, exp:GAMMA, inv:GAMMA")
        ->capture_default_str();
    add_vars_option(cmd, m->common);
    cmd->add_option_function<std::string>(
           "--format", [m](const std::string& name) { m->common.format = *format_from_name(name); },
           "Output format: text, unicode (the loss as written) or json")
        ->check(CLI::IsMember({"text", "unicode", "json"}))
        ->type_name("FORMAT");
    add_picture_options(cmd, m->picture, "--plot",
                        "Draw the data with the fitted model (a curve for one input column, the decision boundary "
                        "for two) and the loss curve; FILE.svg, .png or .pdf");
    cmd->add_option("--model", m->model,
                    "The model --plot draws, in the columns and parameters (default: read from a squared-error or "
                    "cross-entropy loss)");
    cmd->callback([m] {
        InterruptScope interrupts;
        check_picture_options(m->picture);
        if (!m->model.empty() && m->picture.path.empty()) throw UsageError("--model is what --plot draws: give --plot FILE.svg");
        const std::pair<std::string, std::string> inputs[] = {{"--data", m->data.path},
                                                              {"LOSS", m->common.expr == "-" ? "-" : ""}};
        refuse_input_as_output("--trace", m->trace, inputs);
        run_fit(*m);
        if (const int status = InterruptScope::status()) throw CommandVerdict{status};
    });
}

} // namespace symdiff::cli
