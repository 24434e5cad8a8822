//! Identifiers: the flow id derived from the name, and fresh ids for the other records.

use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};

/// `dag_` + the first 16 hex digits of SHA-256 of the name (UTF-8). Fixed when a flow is
/// created: a later rename keeps it, so Airflow's run history stays attached.
pub fn flow_id_for(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let mut id = String::with_capacity(20);
    id.push_str("dag_");
    for byte in &digest[..8] {
        id.push_str(&format!("{byte:02x}"));
    }
    id
}

/// A fresh id such as `task_3f9a…`: time, process and a counter hashed, so ids made in
/// the same nanosecond or by two processes still differ.
pub fn new_id(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut hasher = Sha256::new();
    hasher.update(nanos.to_le_bytes());
    hasher.update(std::process::id().to_le_bytes());
    hasher.update(count.to_le_bytes());
    let digest = hasher.finalize();
    let mut id = String::with_capacity(prefix.len() + 17);
    id.push_str(prefix);
    id.push('_');
    for byte in &digest[..8] {
        id.push_str(&format!("{byte:02x}"));
    }
    id
}

/// SHA-256 of some bytes as lowercase hex: used for content hashes of UDF files and renders.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for byte in digest.iter() {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_id_is_dag_and_16_hex_digits_of_sha256() {
        // Value computed independently with python3's hashlib.
        assert_eq!(flow_id_for("daily sales"), "dag_99738ac144e44b91");
        assert_eq!(&flow_id_for("é")[4..], &sha256_hex("é".as_bytes())[..16]);
    }

    #[test]
    fn new_ids_differ() {
        let a = new_id("task");
        let b = new_id("task");
        assert_ne!(a, b);
        assert!(a.starts_with("task_"));
    }
}
