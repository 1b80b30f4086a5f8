symdiff eval x -y
