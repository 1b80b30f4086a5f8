symdiff diff x --order 1 --order 2
