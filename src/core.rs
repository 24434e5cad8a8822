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
}

impl Core {
    pub fn open(settings: Settings) -> anyhow::Result<Core> {
        let store = Arc::new(Store::open(&settings.db)?);
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
