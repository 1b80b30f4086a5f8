#!/usr/bin/env bash
# Makes the pictures of examples/gallery/ (README.md there shows them with these commands):
# one of each kind the tutorials draw. Run from the repository's root after a build:
#   bash examples/gallery/make.sh [path/to/symdiff]
set -euo pipefail
cd "$(dirname "$0")/../.."
symdiff=${1:-out/release/tools/symdiff/symdiff}
out=examples/gallery
data=examples/data

# Tutorial 000: tangent lines on a curve, with f' beside f.
"$symdiff" plot "x^3 - 3x" --range x=-3..3 --derivative --tangent -1.5,0,1,2 \
  --title "Tangent lines: the slope of each is f'(x) there" -o $out/tangents.png

# Tutorial 000: the activation functions above their derivatives.
"$symdiff" plot "sigmoid(x)" "relu(x)" "tanh(x)" --range x=-5..5 --grid --derivative -o $out/activations.png

# Tutorial 001: Rosenbrock on log-spaced levels with the 10,000-step descent path at lr 0.001.
"$symdiff" minimize "(1-x)^2 + 100(y-x^2)^2" --from x=-1,y=1 --lr 0.001 --steps 10000 \
  --plot $out/rosenbrock_descent.png > /dev/null

# Tutorial 000: gradient arrows on the saddle x^2 - y^2, normalised and coloured by |grad f|.
"$symdiff" plot "x^2 - y^2" --range x=-2..2,y=-2..2 --arrows 15 --normalize --levels 12 -o $out/saddle_gradient.png

# Tutorial 001: learning-rate sweep on the bowl x^2 + y^2 from (4, 3), 100 steps: paths and loss curves.
"$symdiff" minimize "x^2 + y^2" --from x=4,y=3 --lr 0.01,0.1,0.3,0.5 --steps 100 \
  --plot $out/learning_rates.png > /dev/null

# Tutorial 002: the linear-regression fit, lr 0.05 for 200 epochs.
"$symdiff" fit "mean((m*x + b - y)^2)" --data $data/s002_linreg.csv --lr 0.05 --epochs 200 \
  --plot $out/linear_fit.png > /dev/null

# Tutorial 003: logistic regression on two features, its decision boundary.
"$symdiff" fit "-mean(y*ln(sigmoid(w1*x1 + w2*x2 + b)) + (1-y)*ln(1 - sigmoid(w1*x1 + w2*x2 + b)))" \
  --data $data/s003_logistic.csv --lr 0.1 --epochs 500 --plot $out/logistic_boundary.png > /dev/null

ls -l $out/*.png
