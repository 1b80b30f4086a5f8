// Tables of values over many points for eval, diff and grad (README "Tables over many
// points"): the points come from lists and ranges of --at (zipped, or every combination with
// --grid) or from the rows of --data, and the outputs are evaluated at all of them at once by
// a BatchKernel (batch.hpp).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common.hpp"

namespace symdiff::cli {

/// --grid and --format csv, which only tables take.
struct TableOptions {
    bool grid = false;
    bool csv = false;
};
/// Adds --grid to a command that tabulates.
void add_grid_option(CLI::App* cmd, TableOptions& t);
/// --format text|unicode|latex|c|json|csv: add_format_option with csv for tables.
void add_table_format_option(CLI::App* cmd, Options& o, TableOptions& t);

/// The points of a table: the varying variables as columns of `rows` values.
struct PointSet {
    std::vector<std::string> names;
    std::vector<std::vector<double>> values;
    std::size_t rows = 0;
    bool from_data = false;
};

/// The points this invocation tabulates over, or nothing when it is not a table (then
/// --grid and --format csv are usage errors). A table is made when e has no sums, vectors or
/// data rows and either an --at value in brackets or a range is given to a variable e uses
/// (a list means "each of these points"), or --data has a column e uses. Lists of several
/// variables must have equal lengths (error otherwise) unless --grid crosses them.
std::optional<PointSet> table_points(const Input& in, Expr e, const std::optional<DataSet>& data,
                                     const TableOptions& t);

/// Evaluates outputs at every point with a BatchKernel and prints the table: the point's
/// columns, then one column per output headed by `headers`, as aligned text, CSV or a JSON
/// object (json_header's members, then "columns" and "rows"). Variables of the outputs that
/// are not columns take their --at values; an unbound one is "unknown variable 'z'".
void print_table(const Options& o, const TableOptions& t, const Input& in, std::string_view command,
                 const PointSet& points, std::span<const Expr> outputs, std::span<const std::string> headers,
                 EvalBackend backend);

} // namespace symdiff::cli
