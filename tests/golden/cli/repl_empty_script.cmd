symdiff repl
