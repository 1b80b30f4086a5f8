n=40; symdiff compile "$(sh ../../../examples/flat_rosenbrock.sh $n)" -O0
n=12; symdiff compile "$(sh ../../../examples/flat_rosenbrock.sh $n)" -O0
