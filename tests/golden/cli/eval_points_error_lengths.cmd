symdiff eval "x*y" --at 'x=[1,2],y=[3,4,5]'
