n=12; symdiff check "$(sh ../../../examples/flat_rosenbrock.sh $n)" --at "$(sh ../../../examples/flat_rosenbrock.sh $n at)" --backend jit
