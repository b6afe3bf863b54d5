//! Nothing: the benchmark is `tests/bench.rs`.
