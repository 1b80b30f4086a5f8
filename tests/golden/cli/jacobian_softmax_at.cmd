symdiff jacobian "[exp(x1)/(exp(x1)+exp(x2)), exp(x2)/(exp(x1)+exp(x2))]" --at x1=2,x2=1
