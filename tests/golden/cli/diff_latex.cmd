symdiff diff "x^2*sin(x)" --format latex
