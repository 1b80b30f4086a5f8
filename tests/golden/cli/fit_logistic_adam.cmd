symdiff fit "mean(-(y*ln(sigmoid(w1*x1 + w2*x2 + b)) + (1 - y)*ln(1 - sigmoid(w1*x1 + w2*x2 + b))))" --data ../../../examples/data/s003_logistic.csv --method adam --lr 0.1 --epochs 100
