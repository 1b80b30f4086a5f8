symdiff print - < /dev/null
