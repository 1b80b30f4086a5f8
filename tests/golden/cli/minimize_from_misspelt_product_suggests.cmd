symdiff minimize "(bias - 1)^2" --from bais=0
