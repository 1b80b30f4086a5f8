symdiff diff "(2x + 1)^3" --steps --format latex
