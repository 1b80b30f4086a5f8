symdiff grad "log(sum(i=1..n, exp(x[i])))" --at 'x=[1000,999,998]'
