symdiff check "relu(x)" --at x=0 --format json
