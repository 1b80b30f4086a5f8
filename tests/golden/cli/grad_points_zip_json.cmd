symdiff grad "x^2*y" --at 'x=[1,2],y=[3,4]' --format json
