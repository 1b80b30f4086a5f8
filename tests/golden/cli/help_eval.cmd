symdiff eval --help
