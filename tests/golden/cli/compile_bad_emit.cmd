symdiff compile "x^2" --emit wasm
