symdiff jacobian "[r*cos(t), r*sin(t)]" --wrt r,t
