printf "x+\0001" | symdiff print -
