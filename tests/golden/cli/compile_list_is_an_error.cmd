symdiff compile "[x, y]"
