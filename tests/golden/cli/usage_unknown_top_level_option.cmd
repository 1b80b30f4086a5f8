symdiff --verison
