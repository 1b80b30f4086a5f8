symdiff print --help
