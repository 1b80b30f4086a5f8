// The runs of `symdiff minimize`: one for each start point, method (--method gd,adam) and rate
// (--lr 0.001,0.01), how a table of runs names each one in the trace, the figure and the JSON,
// and the trace file they write.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common.hpp"
#include "symdiff/optimize.hpp"

namespace symdiff::cli {

/// One run from a start point: a method at a rate.
struct RunSpec {
    Method method;
    double lr;
};

/// The runs from one start point: each method at each rate, in that order.
std::vector<RunSpec> run_specs(std::span<const Method> methods, std::span<const double> rates);

/// The options of a run: `base` with its method and rate, stopped by an interrupt.
symdiff::Options run_options(const symdiff::Options& base, RunSpec spec);

/// The trace's first columns: "step" for one run, "run,lr,step" for several, "run,method,lr,step"
/// when they have several methods.
std::string trace_columns(bool many, bool several_methods);

/// The start of a trace row of run number `run` (from 1) of a table: "3,0.01," or "3,adam,0.01,".
std::string trace_prefix(std::size_t run, bool several_methods, RunSpec spec);

/// "lr = 0.01", or "adam, lr = 0.01" with the method: a run's name in a --plot legend.
std::string run_label(RunSpec spec, bool with_method);

/// "method": "gd" for one method, "methods": ["gd", "adam"] for several (each run then names its own).
JsonObject& json_methods(JsonObject& json, std::span<const Method> methods);

// The trace file, written row by row while the runs go, so that a run of 2e9 steps keeps
// nothing of its trajectory in memory, and an interrupted run leaves the rows it made.
class TraceFile {
public:
    TraceFile(const std::string& path, std::string_view header) : file_(path, "the trace file") {
        file_.write(header);
    }
    /// Starts the rows of a run: `prefix` is its trace_prefix in a table of runs, or empty.
    void begin_run(std::string prefix) {
        prefix_ = std::move(prefix);
        rows_ = 0;
    }
    /// One row: prefix, step, then the values.
    void row(std::size_t step, std::span<const double> values) {
        line_ = prefix_;
        line_ += std::to_string(step);
        for (double v : values) {
            line_ += ',';
            line_ += number_text(v);
        }
        line_ += '\n';
        file_.write(line_);
        last_ = step;
        ++rows_;
    }
    /// True if the run wrote no row yet, or its last row is not of `step`.
    bool lacks(std::size_t step) const { return rows_ == 0 || last_ != step; }
    void commit() { file_.commit(); }

private:
    OutputFile file_;
    std::string prefix_, line_;
    std::size_t last_ = 0, rows_ = 0;
};

} // namespace symdiff::cli
