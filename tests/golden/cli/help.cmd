symdiff --help
