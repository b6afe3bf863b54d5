//! Connection state machine (in progress).
