symdiff repl x
