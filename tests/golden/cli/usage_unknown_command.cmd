symdiff frobnicate x
