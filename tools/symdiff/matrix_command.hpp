// The matrix subcommands (hessian, jacobian): the same options and the same output around a
// different matrix of derivatives.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common.hpp"

namespace symdiff::cli {

/// The matrix of derivatives of an expression by the given variables.
using MatrixOf = std::vector<std::vector<Expr>> (*)(Expr e, std::span<const Expr> vars);

/// Adds subcommand `name` (EXPR, --wrt, --at, --vars, --format), which prints matrix(EXPR, wrt)
/// as a list of rows, under the JSON key `name`.
void register_matrix_command(CLI::App& app, const std::string& name, const std::string& description,
                             MatrixOf matrix);

} // namespace symdiff::cli
