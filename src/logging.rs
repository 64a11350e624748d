//! Logging through `tracing` to a file (never to the terminal the TUI draws on). (Skeleton.)
