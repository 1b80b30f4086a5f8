symdiff check "relu(x)" --at x=0
