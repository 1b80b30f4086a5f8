symdiff diff "a^x" --wrt x
