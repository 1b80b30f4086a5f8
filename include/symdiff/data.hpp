/// \file Data sets: columns of numbers read from CSV files, for losses over data such as
/// `mean((m*x + b - y)^2)` where `x` and `y` are columns and `m`, `b` are parameters.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "symdiff/diagnostic.hpp"

namespace symdiff {

/// A data set held as columns in memory: rows() values per column.
struct DataSet {
    std::string source;                       ///< file name (for messages), or "<data>"
    std::vector<std::string> names;           ///< column names in file order, distinct
    std::vector<std::vector<double>> columns; ///< columns[j][r]

    std::size_t rows() const { return columns.empty() ? 0 : columns.front().size(); }

    /// The column with this name, or nullptr.
    const std::vector<double>* column(std::string_view name) const {
        for (std::size_t j = 0; j < names.size(); ++j)
            if (names[j] == name) return &columns[j];
        return nullptr;
    }
};

struct CsvOptions {
    char delimiter = ',';
    /// A line longer than this many bytes is an error (checked while reading: a 1 GB line is never held in memory).
    std::size_t max_line_bytes = std::size_t{1} << 20;
};

/// Reads a CSV file with a header row of column names (identifiers of the expression language:
/// a letter or '_', then letters, digits or '_') and rows of numbers, all rows as wide as the
/// header. RFC 4180 quoting ("" inside quotes), LF or CRLF, a leading UTF-8 BOM, blank lines
/// and spaces or tabs around fields are accepted; numbers are decimal, with an optional sign,
/// or inf / nan in any case. A header with no rows is a valid data set of 0 rows.
///
/// Throws symdiff::Error whose message names the file, line and column:
/// "data.csv:3:5: 'abc' is not a number", "data.csv:4: row has 3 fields, the header has 2",
/// "data.csv: empty file (no header row)", "data.csv:1:7: duplicate column name 'x'",
/// "cannot open 'nofile.csv': No such file or directory". The position is in the message
/// (the Diagnostic has no position: it refers to the file, not to an expression).
DataSet read_csv(const std::string& path, const CsvOptions& options = {});

/// The same from text in memory; `source` names it in messages.
DataSet parse_csv(std::string_view text, std::string_view source = "<data>", const CsvOptions& options = {});

/// Applies renames "old=new" (the CLI's --map old=new,...): the column `old` is known as `new`
/// from then on. The renames apply together, so {x→y, y→x} swaps two columns. Throws
/// symdiff::Error naming the source if `old` is not a column (or is renamed twice), if `new` is
/// not an identifier, or if `new` clashes with another column; `data` is then unchanged.
void rename_columns(DataSet& data, std::span<const std::pair<std::string, std::string>> renames);

} // namespace symdiff
