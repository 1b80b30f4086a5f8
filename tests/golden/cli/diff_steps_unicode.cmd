symdiff diff "sin(x^2)" --steps --format unicode
