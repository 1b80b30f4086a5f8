symdiff diff "sigmoid(x)" --order 2
