// `symdiff jacobian "[e1, e2, ...]" [--wrt x,y] [--at ...]`: J[i][j] = d e_i / d x_j, as rows.
#include "matrix_command.hpp"
#include "symdiff/diff.hpp"

namespace symdiff::cli {

void register_jacobian(CLI::App& app) {
    register_matrix_command(app, "jacobian", "Jacobian matrix of a list of expressions, one row per expression",
                            &jacobian);
}

} // namespace symdiff::cli
