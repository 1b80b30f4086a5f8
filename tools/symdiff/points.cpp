// Tables over many points (points.hpp): which points, the batch evaluation, the printing.
#include "points.hpp"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "symdiff/batch.hpp"

namespace symdiff::cli {

namespace {

// As many rows as a vector value may have elements (common.cpp).
constexpr std::size_t kMaxRows = std::size_t{1} << 27;

// Characters on screen, for aligning headers in the unicode notation.
std::size_t display_width(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// Standard output in large writes: a table of a million rows is one pass.
class Sink {
public:
    ~Sink() { flush(); }
    void add(std::string_view s) {
        buf_ += s;
        if (buf_.size() > (1u << 20)) flush();
    }
    void flush() {
        print_chunk(buf_);
        buf_.clear();
    }

private:
    static void print_chunk(const std::string& s) {
        if (!s.empty()) std::fwrite(s.data(), 1, s.size(), stdout);
    }
    std::string buf_;
};

} // namespace

void add_grid_option(CLI::App* cmd, TableOptions& t) {
    cmd->add_flag("--grid", t.grid,
                  "With lists or ranges of several variables in --at: every combination of their values "
                  "(the first varying slowest) rather than the values zipped point by point");
}

void add_table_format_option(CLI::App* cmd, Options& o, TableOptions& t) {
    cmd->add_option_function<std::string>(
           "--format",
           [&o, &t](const std::string& name) {
               t.csv = name == "csv";
               o.format = t.csv ? Format::Text : *format_from_name(name);
           },
           "Output format: text (parseable), unicode, latex, c or json; csv for a table of points")
        ->check(CLI::IsMember({"text", "unicode", "latex", "c", "json", "csv"}))
        ->type_name("FORMAT");
}

std::optional<PointSet> table_points(const Input& in, Expr e, const std::optional<DataSet>& data,
                                     const TableOptions& t) {
    auto not_a_table = [&](const std::string& why) -> std::optional<PointSet> {
        if (t.grid) throw UsageError("--grid needs a table of points: " + why);
        if (t.csv) throw UsageError("--format csv prints a table of points: " + why);
        return std::nullopt;
    };
    if (uses_loops(e)) return not_a_table("the expression has sums, vectors or data rows, which a table cannot take");
    std::vector<const Binding*> lists;
    for (const Binding& b : in.at)
        if (b.is_vector && used_as_number(e, b.name, false)) lists.push_back(&b);
    PointSet p;
    if (data) {
        for (std::size_t j = 0; j < data->names.size(); ++j) {
            if (!used_as_number(e, data->names[j], true)) continue;
            p.names.push_back(data->names[j]);
            p.values.push_back(data->columns[j]);
        }
        if (p.names.empty()) return not_a_table("the expression uses no column of --data");
        if (!lists.empty())
            throw UsageError(fmt::format("--data gives the points of the table, so '{}' in --at cannot be a list of points too",
                                         lists.front()->name));
        if (t.grid) throw UsageError("--grid crosses lists and ranges of --at, not the rows of --data");
        p.rows = data->rows();
        p.from_data = true;
        return p;
    }
    if (lists.empty())
        return not_a_table("give a list or a range of points in --at (x=[0,1,2], x=-3..3:13) or a --data file");
    if (!t.grid) {
        for (const Binding* b : lists)
            if (b->elements.size() != lists.front()->elements.size())
                throw Error(fmt::format("the lists of points in --at have different lengths: {} has {} values, {} has {} "
                                        "(they are paired point by point; --grid takes every combination)",
                                        lists.front()->name, lists.front()->elements.size(), b->name,
                                        b->elements.size()));
        for (const Binding* b : lists) {
            p.names.push_back(b->name);
            p.values.push_back(b->elements);
        }
        p.rows = lists.front()->elements.size();
        return p;
    }
    std::size_t rows = 1;
    for (const Binding* b : lists) {
        if (b->elements.size() > kMaxRows / rows)
            throw Error(fmt::format("the grid of --at has more than {} points", kMaxRows));
        rows *= b->elements.size();
    }
    std::size_t stride = rows;
    for (const Binding* b : lists) {
        const std::size_t n = b->elements.size();
        stride /= n;
        std::vector<double> col(rows);
        for (std::size_t r = 0; r < rows; ++r) col[r] = b->elements[(r / stride) % n];
        p.names.push_back(b->name);
        p.values.push_back(std::move(col));
    }
    p.rows = rows;
    return p;
}

void print_table(const Options& o, const TableOptions& t, const Input& in, std::string_view command,
                 const PointSet& points, std::span<const Expr> outputs, std::span<const std::string> headers,
                 EvalBackend backend) {
    // The kernel's inputs: every variable of the outputs, a column or its --at value.
    std::vector<Expr> vars;
    for (Expr out : outputs)
        for (Expr v : free_symbols(out))
            if (std::find(vars.begin(), vars.end(), v) == vars.end()) vars.push_back(v);
    const Bindings scalars = bindings(in);
    std::vector<BatchInput> inputs;
    for (Expr v : vars) {
        auto col = std::find(points.names.begin(), points.names.end(), v.name());
        if (col != points.names.end()) {
            inputs.push_back(BatchInput::column(points.values[static_cast<std::size_t>(col - points.names.begin())].data()));
        } else if (auto it = scalars.find(v.name()); it != scalars.end()) {
            inputs.push_back(BatchInput::broadcast(it->second));
        } else {
            throw_at_word(in, v.name(),
                          fmt::format("unknown variable '{}': give its value with --at {}=...", v.name(), v.name()));
        }
    }
    BatchOptions options;
    options.backend = backend == EvalBackend::Jit      ? BatchBackend::Jit
                      : backend == EvalBackend::Interp ? BatchBackend::Interpreter
                                                       : BatchBackend::Auto;
    options.expected_rows = points.rows;
    options.threads = 0;
    const BatchKernel kernel(outputs, vars, options);
    std::vector<std::vector<double>> values(outputs.size(), std::vector<double>(points.rows));
    std::vector<double*> out;
    for (auto& v : values) out.push_back(v.data());
    {
        InterruptScope signals;
        try {
            kernel.run(points.rows, inputs, out, InterruptScope::flag());
        } catch (const Error&) {
            if (InterruptScope::status() == 0) throw;
            std::fputs("error: evaluation interrupted\n", stderr);
            throw CommandVerdict{InterruptScope::status()};
        }
    }
    std::vector<const std::vector<double>*> cols;
    std::vector<std::string> names;
    for (std::size_t j = 0; j < points.names.size(); ++j) cols.push_back(&points.values[j]), names.push_back(points.names[j]);
    for (std::size_t k = 0; k < outputs.size(); ++k) cols.push_back(&values[k]), names.push_back(headers[k]);

    Sink sink;
    if (o.format == Format::Json) {
        JsonObject json = json_header(command, in);
        std::string columns = "[";
        for (std::size_t c = 0; c < names.size(); ++c) columns += (c ? ", " : "") + json_string(names[c]);
        json.raw("columns", columns + "]");
        std::string head = json.str();
        head.pop_back(); // the rows follow inside the same object
        sink.add(head);
        sink.add(", \"rows\": [");
        for (std::size_t r = 0; r < points.rows; ++r) {
            sink.add(r ? ", [" : "[");
            for (std::size_t c = 0; c < cols.size(); ++c) {
                if (c) sink.add(", ");
                sink.add(json_number((*cols[c])[r]));
            }
            sink.add("]");
        }
        sink.add("]}\n");
        return;
    }
    if (t.csv) {
        for (std::size_t c = 0; c < names.size(); ++c) sink.add((c ? "," : "") + csv_field(names[c]));
        sink.add("\n");
        for (std::size_t r = 0; r < points.rows; ++r) {
            for (std::size_t c = 0; c < cols.size(); ++c) {
                if (c) sink.add(",");
                sink.add(number_text((*cols[c])[r]));
            }
            sink.add("\n");
        }
        return;
    }
    // Aligned text: every column right-aligned to its widest entry, two spaces apart.
    std::vector<std::size_t> width(names.size());
    for (std::size_t c = 0; c < names.size(); ++c) {
        width[c] = display_width(names[c]);
        for (double v : *cols[c]) width[c] = std::max(width[c], number_text(v).size());
    }
    auto cell = [&](std::size_t c, const std::string& s, std::size_t w) {
        if (c) sink.add("  ");
        sink.add(std::string(width[c] - w, ' '));
        sink.add(s);
    };
    for (std::size_t c = 0; c < names.size(); ++c) cell(c, names[c], display_width(names[c]));
    sink.add("\n");
    for (std::size_t r = 0; r < points.rows; ++r) {
        for (std::size_t c = 0; c < cols.size(); ++c) {
            std::string s = number_text((*cols[c])[r]);
            cell(c, s, s.size());
        }
        sink.add("\n");
    }
}

} // namespace symdiff::cli
