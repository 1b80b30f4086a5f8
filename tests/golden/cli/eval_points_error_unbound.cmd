symdiff eval "x + z" --at 'x=[1,2]'
