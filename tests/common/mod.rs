//! Shared by the terminal end-to-end tests.
#![allow(dead_code)]

pub mod tmux;
