symdiff grad "[x, y]"
