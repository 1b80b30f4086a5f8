symdiff compile x -O a
