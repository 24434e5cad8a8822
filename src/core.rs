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

    /// The same database working with environment `name` (its Airflow client, dags
    /// folder and deploy records). Err: an unknown name, listing the known ones.
    pub fn with_environment(&self, name: &str) -> anyhow::Result<Core> {
        let settings = self.settings.with_environment(name)?;
        Core::with_store(settings, self.store.clone(), false)
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
            settings.environment.name.clone(),
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

    /// Works with environment `name` from now on: its settings, a new Airflow client
    /// and a deployer writing into its dags folder, over the same database. Nothing
    /// changes when it fails (an unknown name, a client that cannot be built).
    pub fn switch_environment(&mut self, name: &str) -> anyhow::Result<()> {
        let next = self.with_environment(name)?;
        self.settings = next.settings;
        self.client = next.client;
        self.deployer = next.deployer;
        Ok(())
    }

    /// What a first run says once: where the database and the DAG files are, and which
    /// Airflow is expected (and how to point elsewhere).
    pub fn first_run_note(&self) -> Option<String> {
        self.first_run.then(|| {
            let env = &self.settings.environment;
            if !env.implicit {
                return format!(
                    "first run: created the database {}; environment {}: DAG files go to {}, Airflow expected at {} ([environments.{}] in {})",
                    self.settings.db.display(),
                    env.name,
                    self.settings.dags_folder.display(),
                    self.settings.airflow_url,
                    env.name,
                    self.settings.config_path.display()
                );
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{resolve, Overrides};

    fn settings(config: &str, env: Option<&str>, password: Option<&str>) -> Settings {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, config).unwrap();
        resolve(Overrides {
            config: Some(path),
            env: env.map(str::to_string),
            airflow_password: password.map(str::to_string),
            airflow_username: Some("ops".into()),
            ..Overrides::default()
        })
        .unwrap()
    }

    #[test]
    fn each_environment_maps_to_its_auth_section_and_tls() {
        let config = "[environments.prod]\nurl = \"https://airflow.example.com\"\ntoken_command = \"vault read -field=token x\"\nca_file = \"/etc/ssl/corp.pem\"\n\n[environments.stage]\nurl = \"http://stage:8080\"\ntoken_env = \"FLOWDECK_TEST_NEVER_SET_TOKEN\"\ninsecure_tls = true\n\n[environments.dev]\nurl = \"http://dev:8080\"\nusername = \"dev-user\"\npassword_env = \"FLOWDECK_TEST_NEVER_SET_PW\"\n\n[environments.open]\nurl = \"http://open:8080\"\n";
        let prod = airflow_config(&settings(config, Some("prod"), None));
        assert_eq!(
            prod.auth,
            Auth::TokenCommand("vault read -field=token x".into())
        );
        assert_eq!(prod.section, "[environments.prod]");
        assert_eq!(
            prod.ca_file,
            Some(std::path::PathBuf::from("/etc/ssl/corp.pem"))
        );
        assert!(!prod.insecure_tls);

        let stage = airflow_config(&settings(config, Some("stage"), None));
        assert!(stage.insecure_tls);
        assert!(
            matches!(
                &stage.auth,
                Auth::Missing { variable, holds }
                    if variable == "FLOWDECK_TEST_NEVER_SET_TOKEN" && holds.contains("`token_env` in [environments.stage]")
            ),
            "{:?}",
            stage.auth
        );

        let dev = airflow_config(&settings(
            config,
            Some("dev"),
            Some("from-the-cli-variable"),
        ));
        assert!(
            matches!(
                &dev.auth,
                Auth::Missing { variable, holds }
                    if variable == "FLOWDECK_TEST_NEVER_SET_PW" && holds.contains("user dev-user")
            ),
            "{:?}",
            dev.auth
        );

        assert_eq!(
            airflow_config(&settings(config, Some("open"), None)).auth,
            Auth::None
        );
    }

    #[test]
    fn the_implicit_environment_keeps_flowdeck_airflow_password() {
        let config = "[airflow]\nurl = \"https://airflow.example.com\"\nca_file = \"/ca.pem\"\n";
        let with = airflow_config(&settings(config, None, Some("pw")));
        assert_eq!(with.auth, Auth::basic("ops", "pw"));
        assert_eq!(with.section, "[airflow]");
        assert_eq!(with.ca_file, Some(std::path::PathBuf::from("/ca.pem")));
        for empty in [None, Some("")] {
            let without = airflow_config(&settings(config, None, empty));
            assert!(matches!(
                &without.auth,
                Auth::Missing { variable, .. } if variable == DEFAULT_PASSWORD_VAR
            ));
        }
    }
}
