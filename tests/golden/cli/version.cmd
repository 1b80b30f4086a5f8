symdiff --version
