//! How a task runs: the seed's section 5 execution mode. Its own module so the options
//! schema (which depends on the mode) and the task record (which reads options) do not
//! import each other.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// PythonOperator calling the library function.
    #[default]
    Python,
    /// DockerOperator running an image.
    Docker,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Python => "python",
            Mode::Docker => "docker",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "python" => Some(Mode::Python),
            "docker" => Some(Mode::Docker),
            _ => None,
        }
    }
}
