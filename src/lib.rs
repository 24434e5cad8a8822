//! flowdeck: build Apache Airflow workflows from a library of Python functions, deploy
//! them and watch them run, from the terminal.

pub mod airflow;
pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod deploy;
pub mod keymap;
pub mod library;
pub mod model;
pub mod ops;
pub mod python;
pub mod render;
pub mod state;
pub mod store;
pub mod ui;
