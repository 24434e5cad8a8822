//! A dependency between two tasks of one flow (the seed's Edge table).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub id: String,
    pub flow_id: String,
    pub from_task_id: String,
    pub to_task_id: String,
}
