symdiff diff "relu(x)" --at x=0
