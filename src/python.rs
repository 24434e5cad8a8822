//! Asks python3 about Python source: syntax, top-level functions and their parameters.
