printf "x + \377" | symdiff print -
