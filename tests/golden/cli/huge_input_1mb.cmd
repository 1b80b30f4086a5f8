yes 1 | head -n 500000 | paste -sd+ - | symdiff eval -
