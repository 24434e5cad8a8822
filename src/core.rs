//! The pieces every interface needs, built once from the settings: the store, python3,
//! the Airflow client and the deployer. The CLI and the TUI both start from here.

use crate::airflow::{AirflowConfig, Auth, Client, DEFAULT_PASSWORD_VAR};
use crate::config::{AuthSetting, Settings};
use crate::deploy::Deployer;
use crate::python::Python;
use crate::render::{RenderConfig, Renderer};
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

pub struct Core {
    pub settings: Settings,
    pub store: Arc<Store>,
    pub python: Python,
    pub client: Arc<Client>,
    /// Shared with the TUI's deploy tasks, which outlive a single call.
    pub deployer: Arc<Deployer>,
    /// The database file did not exist before this open: flowdeck just created it.
    pub first_run: bool,
}

impl Core {
    pub fn open(settings: Settings) -> anyhow::Result<Core> {
        let first_run = !settings.db.exists();
        let store = Arc::new(Store::open(&settings.db)?);
        Core::with_store(settings, store, first_run)
    }

    /// For commands that only read the database (see [`Store::open_read_only`]).
    pub fn open_read_only(settings: Settings) -> anyhow::Result<Core> {
        let first_run = !settings.db.exists();
        let store = Arc::new(Store::open_read_only(&settings.db)?);
        Core::with_store(settings, store, first_run)
    }

    fn with_store(settings: Settings, store: Arc<Store>, first_run: bool) -> anyhow::Result<Core> {
        let client = Arc::new(Client::new(airflow_config(&settings))?);
        let renderer = Renderer::new(&RenderConfig {
            templates_dir: settings.templates_dir.clone(),
            library_package: settings.library_package.clone(),
        })?
        .owned_by(store.database_id());
        let deployer = Arc::new(Deployer::new(
            store.clone(),
            renderer,
            settings.dags_folder.clone(),
            settings.library_package.clone(),
            Some(client.clone()),
        ));
        Ok(Core {
            python: Python::new(settings.python.clone()),
            store,
            client,
            deployer,
            settings,
            first_run,
        })
    }

    /// What a first run says once: where the database and the DAG files are, and which
    /// Airflow is expected (and how to point elsewhere).
    pub fn first_run_note(&self) -> Option<String> {
        self.first_run.then(|| {
            format!(
                "first run: created the database {}; DAG files go to {} (--dags-folder / \
                 FLOWDECK_DAGS_FOLDER); Airflow expected at {} (--airflow-url / \
                 FLOWDECK_AIRFLOW_URL; for the dev Airflow: eval \"$(scripts/dev-airflow.sh env)\")",
                self.settings.db.display(),
                self.settings.dags_folder.display(),
                self.settings.airflow_url
            )
        })
    }

    pub fn deploy_timeout(&self) -> Duration {
        Duration::from_secs(self.settings.deploy_timeout_secs)
    }
}

/// The selected environment's connection settings. Secrets are read from the
/// environment here: a variable that is unset or empty becomes [`Auth::Missing`], so the
/// requests that need it fail with one line naming it while everything else works.
pub fn airflow_config(settings: &Settings) -> AirflowConfig {
    let env = &settings.environment;
    let section = if env.implicit {
        "[airflow]".to_string()
    } else {
        format!("[environments.{}]", env.name)
    };
    let secret = |variable: &str| std::env::var(variable).ok().filter(|v| !v.is_empty());
    let auth = match &env.auth {
        AuthSetting::None => Auth::None,
        AuthSetting::Basic {
            username,
            password_env: None,
        } => {
            // The implicit environment: FLOWDECK_AIRFLOW_USERNAME / _PASSWORD, already
            // read into the settings (an override may have given them).
            let username = if env.implicit {
                &settings.airflow_username
            } else {
                username
            };
            if settings.airflow_password.is_empty() {
                Auth::Missing {
                    variable: DEFAULT_PASSWORD_VAR.into(),
                    holds: format!(
                        "the password of Airflow user {}",
                        crate::model::text::shown(username)
                    ),
                }
            } else {
                Auth::basic(username.clone(), settings.airflow_password.clone())
            }
        }
        AuthSetting::Basic {
            username,
            password_env: Some(variable),
        } => match secret(variable) {
            Some(password) => Auth::Basic {
                username: username.clone(),
                password,
                password_env: variable.clone(),
            },
            None => Auth::Missing {
                variable: variable.clone(),
                holds: format!(
                    "the password of Airflow user {} (`password_env` in {section})",
                    crate::model::text::shown(username)
                ),
            },
        },
        AuthSetting::TokenEnv(variable) => match secret(variable) {
            Some(token) => Auth::Token {
                token: token.trim().to_string(),
                variable: variable.clone(),
            },
            None => Auth::Missing {
                variable: variable.clone(),
                holds: format!("the Airflow API token (`token_env` in {section})"),
            },
        },
        AuthSetting::TokenCommand(command) => Auth::TokenCommand(command.clone()),
    };
    let mut config = AirflowConfig::with_auth(&env.url, auth);
    config.insecure_tls = env.insecure_tls;
    config.ca_file = env.ca_file.clone();
    config.section = section;
    config.timeout = Duration::from_secs(settings.timeout_secs);
    config
}
