//! Airflow task-instance and DAG-run states (their colours are `ui::widgets::runs::style`).

/// The state of a task instance or a DAG run, as Airflow names it.
///
/// DAG runs only use `Queued`, `Running`, `Success` and `Failed`; task instances use all.
/// `NoStatus` is Airflow's `null` state (a task instance that exists but was not yet
/// scheduled, or a cell of the grid with no task instance at all).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TaskState {
    #[default]
    NoStatus,
    Scheduled,
    Queued,
    Running,
    Success,
    Failed,
    UpForRetry,
    UpForReschedule,
    UpstreamFailed,
    Skipped,
    Removed,
    Restarting,
    Deferred,
    /// A state this version of flowdeck does not know (a newer Airflow); shown as such
    /// rather than guessed.
    Unknown,
}

impl TaskState {
    /// Every state, in the order the legend lists them (Airflow's legend order: the
    /// states an operator looks for first come first).
    pub const ALL: [TaskState; 14] = [
        TaskState::Success,
        TaskState::Failed,
        TaskState::Running,
        TaskState::Queued,
        TaskState::Scheduled,
        TaskState::UpForRetry,
        TaskState::UpForReschedule,
        TaskState::UpstreamFailed,
        TaskState::Skipped,
        TaskState::Deferred,
        TaskState::Restarting,
        TaskState::Removed,
        TaskState::NoStatus,
        TaskState::Unknown,
    ];

    /// Parses Airflow's state string; `None` (JSON `null`) is [`TaskState::NoStatus`].
    pub fn parse(s: Option<&str>) -> TaskState {
        match s {
            None | Some("") | Some("none") => TaskState::NoStatus,
            Some("scheduled") => TaskState::Scheduled,
            Some("queued") => TaskState::Queued,
            Some("running") => TaskState::Running,
            Some("success") => TaskState::Success,
            Some("failed") => TaskState::Failed,
            Some("up_for_retry") => TaskState::UpForRetry,
            Some("up_for_reschedule") => TaskState::UpForReschedule,
            Some("upstream_failed") => TaskState::UpstreamFailed,
            Some("skipped") => TaskState::Skipped,
            Some("removed") => TaskState::Removed,
            Some("restarting") => TaskState::Restarting,
            Some("deferred") => TaskState::Deferred,
            Some(_) => TaskState::Unknown,
        }
    }

    /// Airflow's name for the state (`"no status"` for null, like Airflow's UI).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::NoStatus => "no status",
            TaskState::Scheduled => "scheduled",
            TaskState::Queued => "queued",
            TaskState::Running => "running",
            TaskState::Success => "success",
            TaskState::Failed => "failed",
            TaskState::UpForRetry => "up_for_retry",
            TaskState::UpForReschedule => "up_for_reschedule",
            TaskState::UpstreamFailed => "upstream_failed",
            TaskState::Skipped => "skipped",
            TaskState::Removed => "removed",
            TaskState::Restarting => "restarting",
            TaskState::Deferred => "deferred",
            TaskState::Unknown => "unknown",
        }
    }

    /// The glyph that stands for the state in the grid and in lists: a square like
    /// Airflow's, or a dim dot when there is nothing to show.
    pub fn glyph(self) -> &'static str {
        match self {
            TaskState::NoStatus => "·",
            _ => "■",
        }
    }

    /// Whether the state is final: nothing will change it unless someone clears it.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TaskState::Success
                | TaskState::Failed
                | TaskState::UpstreamFailed
                | TaskState::Skipped
                | TaskState::Removed
        )
    }

    /// Whether something is happening or about to happen (worth polling for).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            TaskState::Scheduled
                | TaskState::Queued
                | TaskState::Running
                | TaskState::UpForRetry
                | TaskState::UpForReschedule
                | TaskState::Restarting
                | TaskState::Deferred
        )
    }

    /// Rank used to summarise several instances in one cell (a mapped task's instances):
    /// the most alarming state wins, then the most active, so a failed map index is never
    /// hidden behind successful ones — the same idea as Airflow's grid summary.
    pub(crate) fn summary_rank(self) -> u8 {
        match self {
            TaskState::Failed => 13,
            TaskState::UpstreamFailed => 12,
            TaskState::UpForRetry => 11,
            TaskState::UpForReschedule => 10,
            TaskState::Running => 9,
            TaskState::Restarting => 8,
            TaskState::Deferred => 7,
            TaskState::Queued => 6,
            TaskState::Scheduled => 5,
            TaskState::Unknown => 4,
            TaskState::NoStatus => 3,
            TaskState::Skipped => 2,
            TaskState::Removed => 1,
            TaskState::Success => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips_every_known_state() {
        for state in TaskState::ALL {
            if state == TaskState::Unknown {
                continue;
            }
            let name = state.as_str();
            let parsed = if state == TaskState::NoStatus {
                TaskState::parse(None)
            } else {
                TaskState::parse(Some(name))
            };
            assert_eq!(parsed, state, "{name}");
        }
        assert_eq!(TaskState::parse(Some("frobnicated")), TaskState::Unknown);
    }

    #[test]
    fn failure_beats_success_in_a_summary() {
        assert!(TaskState::Failed.summary_rank() > TaskState::Success.summary_rank());
        assert!(TaskState::Running.summary_rank() > TaskState::Queued.summary_rank());
    }
}
