//! The pieces every interface needs, built once from the settings: the store, python3,
//! the Airflow client and the deployer. The CLI and the TUI both start from here.

use crate::airflow::{AirflowConfig, Client};
use crate::config::Settings;
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
        let mut deployer = Deployer::new(
            store.clone(),
            renderer,
            settings.dags_folder.clone(),
            settings.library_package.clone(),
            Some(client.clone()),
        );
        // The environment's Git target (checked when the config was read).
        if let Some(value) = &settings.environment.git {
            let target = crate::deploy::git::GitSection::from_value(value)
                .map_err(|e| anyhow::anyhow!("environment `{}` {e}", settings.environment.name))?;
            deployer = deployer.with_git(target);
        }
        let deployer = Arc::new(deployer);
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

pub fn airflow_config(settings: &Settings) -> AirflowConfig {
    let mut config = AirflowConfig::new(
        &settings.airflow_url,
        &settings.airflow_username,
        &settings.airflow_password,
    );
    config.insecure_tls = settings.insecure_tls;
    config.timeout = Duration::from_secs(settings.timeout_secs);
    config
}
