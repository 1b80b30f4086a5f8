symdiff
