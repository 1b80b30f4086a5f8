symdiff print x --format xml
