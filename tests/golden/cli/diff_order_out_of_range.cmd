symdiff diff x --order 70
