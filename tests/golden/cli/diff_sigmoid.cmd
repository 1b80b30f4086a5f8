symdiff diff "sigmoid(x)"
