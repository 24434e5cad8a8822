//! Mapping a Python traceback (an Airflow import error or a task log) back to the task
//! it came from.

/// What a task's override code is compiled as; tracebacks name it in their frames.
pub fn code_filename(task_var: &str) -> String {
    format!("<flowdeck task {task_var}>")
}

const CODE_PREFIX: &str = "File \"<flowdeck task ";

/// The task whose override code appears in a traceback: the innermost frame compiled as
/// `<flowdeck task VAR>` (a syntax error's location line counts too).
pub fn task_of_traceback(stack_trace: &str) -> Option<String> {
    stack_trace
        .match_indices(CODE_PREFIX)
        .filter_map(|(at, _)| {
            let rest = &stack_trace[at + CODE_PREFIX.len()..];
            let end = rest.find(">\"")?;
            let var = &rest[..end];
            crate::model::ident::is_identifier(var).then(|| var.to_string())
        })
        .last()
}

/// Line numbers of the frames in `file_name` (matched by its last path component, since
/// Airflow 2 reports absolute paths and Airflow 3 paths relative to the bundle), in order.
pub fn lines_in_file(stack_trace: &str, file_name: &str) -> Vec<u32> {
    let mut lines = Vec::new();
    for line in stack_trace.lines() {
        let Some(rest) = line.trim_start().strip_prefix("File \"") else {
            continue;
        };
        let Some(end) = rest.find('"') else {
            continue;
        };
        let path = &rest[..end];
        let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
        if base != file_name {
            continue;
        }
        let after = &rest[end + 1..];
        let Some(num) = after.trim_start().strip_prefix(", line ") else {
            continue;
        };
        let digits: String = num.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse() {
            lines.push(n);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_innermost_override_frame() {
        let trace = "Traceback (most recent call last):\n  File \"/dags/dag_1.py\", line 40, in <module>\n    load = _fd_load_callable(\n  File \"<flowdeck task load>\", line 2, in <module>\n  File \"<flowdeck task other>\", line 1\nNameError: x";
        assert_eq!(task_of_traceback(trace).as_deref(), Some("other"));
        assert_eq!(lines_in_file(trace, "dag_1.py"), vec![40]);
        assert_eq!(
            task_of_traceback("File \"<flowdeck task a b>\", line 1"),
            None
        );
        assert_eq!(task_of_traceback("no frames"), None);
    }

    #[test]
    fn syntax_errors_name_the_task() {
        let trace = "  File \"/dags/dag_1.py\", line 12, in _fd_load_callable\n  File \"<flowdeck task report>\", line 3\n    def f(:\n          ^\nSyntaxError: invalid syntax";
        assert_eq!(task_of_traceback(trace).as_deref(), Some("report"));
    }
}
