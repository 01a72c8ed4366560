//! Placeholder until the real-window harness lands.
