symdiff -- eval x
