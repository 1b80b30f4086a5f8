printf "x*x\n" | symdiff print -
