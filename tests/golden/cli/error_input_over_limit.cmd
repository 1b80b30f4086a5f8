head -c 17000000 /dev/zero | tr "\0" 1 | symdiff eval -
