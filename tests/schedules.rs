//! Cron schedules mean what Airflow means: for every expression of
//! `tests/data/schedules.tsv`, flowdeck accepts exactly those croniter fires (apart from
//! the rows that say why flowdeck refuses one croniter accepts) and predicts croniter's
//! next three fire times. With `FLOWDECK_AIRFLOW_VENV` set (scripts/test.sh sets it),
//! croniter itself is asked again, so the committed table cannot drift from it.

use chrono::{DateTime, NaiveDateTime, Utc};
use flowdeck::model::schedule::{check_schedule_at, parse_schedule, Schedule};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const START: &str = "2026-01-01T00:00:00";

struct Row {
    expression: String,
    croniter: String,
    times: String,
    flowdeck: String,
}

fn table() -> Vec<Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/schedules.tsv");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 4, "{l}");
            Row {
                expression: cols[0].into(),
                croniter: cols[1].into(),
                times: cols[2].into(),
                flowdeck: cols[3].into(),
            }
        })
        .collect()
}

fn start() -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(START, "%Y-%m-%dT%H:%M:%S")
        .unwrap()
        .and_utc()
}

/// flowdeck's next three fire times, written like the table.
fn flowdeck_times(expression: &str) -> String {
    let Ok(Schedule::Cron(cron)) = parse_schedule(expression) else {
        return "-".into();
    };
    let mut out = Vec::new();
    let mut t = start();
    while out.len() < 3 {
        match cron.next_after(t) {
            Some(next) => {
                out.push(next.format("%Y-%m-%dT%H:%M:%S").to_string());
                t = next;
            }
            None => break,
        }
    }
    if out.is_empty() {
        "-".into()
    } else {
        out.join(" ")
    }
}

#[test]
fn the_table_covers_every_kind_of_expression() {
    let rows = table();
    assert!(rows.len() >= 50, "{} rows", rows.len());
    let has = |pred: &dyn Fn(&Row) -> bool| rows.iter().any(pred);
    assert!(has(&|r| r.expression.starts_with('@')));
    assert!(has(&|r| r.expression.contains('/')));
    assert!(has(&|r| r.expression.contains('-')));
    assert!(has(&|r| r.expression.contains("mon")));
    for special in ["L", "#", "W"] {
        assert!(has(&|r| r.expression.contains(special)), "{special}");
    }
    assert!(has(&|r| r.expression.split_whitespace().count() == 6));
    assert!(has(&|r| r.croniter == "never"));
    assert!(has(&|r| r.croniter == "refused"));
}

#[test]
fn flowdeck_agrees_with_croniter() {
    let mut wrong = Vec::new();
    for row in table() {
        let verdict = check_schedule_at(&row.expression, start());
        let accepts = verdict.is_ok();
        let want_accept = row.flowdeck == "accepts";
        // The verdict column says what croniter means for an operator, unless it says
        // why flowdeck parts from it.
        let differs = row.flowdeck.contains("unlike croniter");
        if !differs && want_accept != (row.croniter == "fires") {
            wrong.push(format!(
                "{}: table says croniter {} but flowdeck {}",
                row.expression, row.croniter, row.flowdeck
            ));
        }
        if accepts != want_accept {
            wrong.push(format!(
                "{}: flowdeck {} ({:?}), table says {}",
                row.expression,
                if accepts { "accepts" } else { "refuses" },
                verdict,
                row.flowdeck
            ));
        }
        if let Err(message) = &verdict {
            if message.contains('\n') || message.len() > 300 {
                wrong.push(format!(
                    "{}: message not one line: {message}",
                    row.expression
                ));
            }
        }
        if accepts && flowdeck_times(&row.expression) != row.times {
            wrong.push(format!(
                "{}: flowdeck fires at {}, croniter at {}",
                row.expression,
                flowdeck_times(&row.expression),
                row.times
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn venv_python() -> Option<PathBuf> {
    let venv = std::env::var_os("FLOWDECK_AIRFLOW_VENV");
    let python = venv.map(|v| PathBuf::from(v).join("bin/python"));
    match python {
        Some(p) if p.exists() => Some(p),
        _ => {
            assert!(
                std::env::var_os("FLOWDECK_REQUIRE_AIRFLOW").is_none(),
                "FLOWDECK_REQUIRE_AIRFLOW is set but FLOWDECK_AIRFLOW_VENV has no bin/python"
            );
            None
        }
    }
}

#[test]
fn the_table_is_what_croniter_says_today() {
    let Some(python) = venv_python() else {
        eprintln!("FLOWDECK_AIRFLOW_VENV not set: the committed table stands in for croniter");
        return;
    };
    let rows = table();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/croniter_schedules.py");
    let mut child = Command::new(python)
        .arg(script)
        .arg(START)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input: String = rows.iter().map(|r| format!("{}\n", r.expression)).collect();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let live = String::from_utf8(out.stdout).unwrap();
    let live: Vec<&str> = live.lines().collect();
    assert_eq!(live.len(), rows.len());
    let mut wrong = Vec::new();
    for (row, line) in rows.iter().zip(live) {
        let want = format!("{}\t{}\t{}", row.expression, row.croniter, row.times);
        if line != want {
            wrong.push(format!("table: {want}\ncroniter: {line}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every accepted expression reads in words and names its timezone.
#[test]
fn every_accepted_expression_reads_in_words_with_its_timezone() {
    for row in table() {
        if row.flowdeck != "accepts" {
            continue;
        }
        let reading = flowdeck::model::schedule::describe_schedule(&row.expression);
        assert!(
            reading.contains("UTC")
                && !reading.contains(&row.expression)
                && !reading.contains("invalid"),
            "{}: {reading}",
            row.expression
        );
    }
}
