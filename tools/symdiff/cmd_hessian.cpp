// `symdiff hessian EXPR [--wrt x,y] [--at x=1,y=2]`: the symmetric matrix of second partials.
#include "matrix_command.hpp"
#include "symdiff/diff.hpp"

namespace symdiff::cli {

void register_hessian(CLI::App& app) {
    register_matrix_command(app, "hessian", "Hessian matrix of an expression, as a list of rows", &hessian);
}

} // namespace symdiff::cli
