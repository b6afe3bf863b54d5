//! Streaming `text/event-stream` parser (in progress).
