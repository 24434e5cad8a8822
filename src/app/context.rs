//! What the worker thread and the flow jobs work with: the database, python3, the
//! function library folder and the deployer.

use crate::python::Python;
use crate::store::Store;
use std::path::PathBuf;
use std::sync::Arc;

/// The worker's tools, shared by every job it runs.
#[derive(Clone)]
pub struct Context {
    /// The flowdeck database.
    pub store: Arc<Store>,
    /// The python3 that checks and introspects code.
    pub python: Python,
    /// The folder the function library's files are copied into.
    pub library: PathBuf,
    /// Writes DAG files into the dags folder and judges their import.
    pub deployer: Arc<crate::deploy::Deployer>,
    /// Every environment of the config (promote plans between them).
    pub environments: Vec<crate::config::Environment>,
}
