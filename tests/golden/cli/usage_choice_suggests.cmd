symdiff print x --format tex
