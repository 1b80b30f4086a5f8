symdiff eval 3 --at ''
