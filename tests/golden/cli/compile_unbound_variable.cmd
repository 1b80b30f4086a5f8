symdiff compile "x*y" --at x=1
