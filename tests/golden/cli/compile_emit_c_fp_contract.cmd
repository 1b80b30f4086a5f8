symdiff compile "(1-x)^2 + 100*(y-x^2)^2" --emit c --fp-contract
