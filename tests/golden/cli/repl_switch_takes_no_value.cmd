symdiff repl --echo=maybe
