"""BACKBEAT contracts and fuzzer."""
