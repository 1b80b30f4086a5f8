(printf "%.0s(" $(seq 10000); printf x; printf "%.0s)" $(seq 10000)) | symdiff print -
