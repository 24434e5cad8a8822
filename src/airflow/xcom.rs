//! A task's returned value as the task returned it. Airflow 3 stores XComs through its
//! serializer (`airflow.sdk.serde`), which wraps every value JSON cannot hold as
//! `{"__classname__": …, "__version__": …, "__data__": …}`; the REST API hands that
//! wrapper out as is. This module unwraps it into the way Python writes the value:
//! `(1, "two", 3.0)` for a tuple, `{1, 2}` for a set, ISO 8601 for dates and times.
//!
//! Wrapped types (airflow/sdk/serde/serializers in Airflow 3.3.2, checked against the
//! REST API's answers for a task returning each): `builtins.tuple` (also named tuples),
//! `builtins.set`, `builtins.frozenset`; `datetime.datetime` and
//! `pendulum.datetime.DateTime` (`{timestamp, tz}`; `tz` itself a wrapped tuple
//! `(name or offset, tz class, version, true)` or null), `datetime.date`,
//! `pendulum.date.Date`, `datetime.timedelta` (seconds); `decimal.Decimal` (int or
//! float); `uuid.UUID`; `zoneinfo.ZoneInfo`, `pendulum.tz.timezone.Timezone` and
//! `FixedTimezone`; numpy scalars (`numpy.int64`, …: a plain number); pandas
//! `DataFrame` (Parquet bytes as hex); pydantic models, dataclasses, attrs classes and
//! objects with their own `serialize()` (a dict of fields), Kubernetes `V1Pod`,
//! deltalake and iceberg tables (dicts). Airflow 2's older `{"__type", "__var"}`
//! wrapper is read too.

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};
use serde_json::Value;

const CLASSNAME: &str = "__classname__";
const DATA: &str = "__data__";

/// Lines wider than this are broken over several lines.
const WIDTH: usize = 72;

/// The value written as Python would show it, over as many lines as it needs (one when
/// it fits in 72 columns). Strings are double-quoted inside containers; a string on its
/// own is shown as it is (Airflow 2 returns values as Python's `str()` of them).
pub fn format_value(v: &Value) -> String {
    if let Value::String(s) = v {
        // A string holding a serialized value (some XCom backends return those).
        return match serde_json::from_str::<Value>(s) {
            Ok(inner @ (Value::Object(_) | Value::Array(_))) => format_value(&inner),
            _ => s.clone(),
        };
    }
    let node = Node::from(v);
    let mut out = String::new();
    node.write(&mut out, 0);
    out
}

/// A value ready to be laid out: a leaf (already written) or a container.
enum Node {
    Leaf(String),
    /// Opening text (`(`, `{`, `[`, `frozenset({`, `Box(`), items, closing text.
    Seq {
        open: String,
        items: Vec<Node>,
        close: String,
        /// A one-element tuple is written `(1,)`.
        trailing_comma: bool,
    },
    /// `key: value` (dict) or `key=value` (object fields).
    Pair(String, &'static str, Box<Node>),
}

impl Node {
    fn compact(&self) -> String {
        match self {
            Node::Leaf(s) => s.clone(),
            Node::Pair(k, sep, v) => format!("{k}{sep}{}", v.compact()),
            Node::Seq {
                open,
                items,
                close,
                trailing_comma,
            } => {
                let inner: Vec<String> = items.iter().map(Node::compact).collect();
                let comma = if *trailing_comma && items.len() == 1 {
                    ","
                } else {
                    ""
                };
                format!("{open}{}{comma}{close}", inner.join(", "))
            }
        }
    }

    fn write(&self, out: &mut String, indent: usize) {
        let compact = self.compact();
        if indent + compact.chars().count() <= WIDTH || compact.len() < 8 {
            out.push_str(&compact);
            return;
        }
        match self {
            Node::Leaf(s) => out.push_str(s),
            Node::Pair(k, sep, v) => {
                out.push_str(k);
                out.push_str(sep);
                // Nested lines indent from the line the key is on, as pretty JSON does.
                v.write(out, indent);
            }
            Node::Seq {
                open, items, close, ..
            } => {
                out.push_str(open);
                for item in items {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent + 2));
                    item.write(out, indent + 2);
                    out.push(',');
                }
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                out.push_str(close);
            }
        }
    }
}

fn quoted(s: &str) -> String {
    // JSON's escaping: a double-quoted string with control characters escaped.
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// The last part of a dotted class name, without Airflow's `unusual_prefix_…` module.
fn short_class(classname: &str) -> &str {
    classname.rsplit('.').next().unwrap_or(classname)
}

fn seq(open: &str, items: Vec<Node>, close: &str) -> Node {
    Node::Seq {
        open: open.into(),
        items,
        close: close.into(),
        trailing_comma: false,
    }
}

fn list_items(v: &Value) -> Vec<Node> {
    match v {
        Value::Array(items) => items.iter().map(Node::from).collect(),
        other => vec![Node::from(other)],
    }
}

impl From<&Value> for Node {
    fn from(v: &Value) -> Node {
        match v {
            Value::Null => Node::Leaf("None".into()),
            Value::Bool(b) => Node::Leaf(if *b { "True" } else { "False" }.into()),
            Value::Number(n) => Node::Leaf(n.to_string()),
            Value::String(s) => Node::Leaf(quoted(s)),
            Value::Array(items) => seq("[", items.iter().map(Node::from).collect(), "]"),
            Value::Object(map) => {
                if let Some(Value::String(classname)) = map.get(CLASSNAME) {
                    return wrapped(classname, map.get(DATA).unwrap_or(&Value::Null));
                }
                if let (Some(Value::String(t)), Some(var)) = (map.get("__type"), map.get("__var")) {
                    return old_wrapped(t, var);
                }
                seq(
                    "{",
                    map.iter()
                        .map(|(k, v)| Node::Pair(quoted(k), ": ", Box::new(Node::from(v))))
                        .collect(),
                    "}",
                )
            }
        }
    }
}

/// A value wrapped by `airflow.sdk.serde`.
fn wrapped(classname: &str, data: &Value) -> Node {
    match classname {
        "builtins.tuple" => Node::Seq {
            open: "(".into(),
            items: list_items(data),
            close: ")".into(),
            trailing_comma: true,
        },
        "builtins.set" => {
            let items = list_items(data);
            if items.is_empty() {
                Node::Leaf("set()".into())
            } else {
                seq("{", items, "}")
            }
        }
        "builtins.frozenset" => {
            let items = list_items(data);
            if items.is_empty() {
                Node::Leaf("frozenset()".into())
            } else {
                seq("frozenset({", items, "})")
            }
        }
        "datetime.datetime" | "pendulum.datetime.DateTime" => datetime(data),
        "datetime.date" | "pendulum.date.Date" => match data {
            Value::String(s) => Node::Leaf(s.clone()),
            other => Node::from(other),
        },
        "datetime.timedelta" => match data.as_f64() {
            Some(seconds) => Node::Leaf(timedelta(seconds)),
            None => Node::from(data),
        },
        "decimal.Decimal" => Node::Leaf(format!("Decimal(\"{}\")", plain(data))),
        "uuid.UUID" => Node::Leaf(format!("UUID(\"{}\")", plain(data))),
        "zoneinfo.ZoneInfo" | "pendulum.tz.timezone.Timezone" => {
            Node::Leaf(format!("{}(\"{}\")", short_class(classname), plain(data)))
        }
        "pendulum.tz.timezone.FixedTimezone" => Node::Leaf(zone_text(data)),
        c if c.starts_with("numpy.") => Node::from(data),
        c if c.starts_with("pandas.") => {
            let bytes = data.as_str().map_or(0, |h| h.len() / 2);
            Node::Leaf(format!(
                "<pandas DataFrame: {bytes} bytes of Parquet; read it in Python>"
            ))
        }
        other => {
            let name = short_class(other);
            match data {
                Value::Object(fields) => seq(
                    &format!("{name}("),
                    fields
                        .iter()
                        .map(|(k, v)| Node::Pair(k.clone(), "=", Box::new(Node::from(v))))
                        .collect(),
                    ")",
                ),
                Value::Null => Node::Leaf(format!("{name}()")),
                v => seq(&format!("{name}("), vec![Node::from(v)], ")"),
            }
        }
    }
}

/// Airflow 2's `{"__type": …, "__var": …}` wrapper.
fn old_wrapped(t: &str, var: &Value) -> Node {
    match t {
        "tuple" => Node::Seq {
            open: "(".into(),
            items: list_items(var),
            close: ")".into(),
            trailing_comma: true,
        },
        "set" => seq("{", list_items(var), "}"),
        "datetime" => match var.as_f64() {
            Some(ts) => Node::Leaf(instant(
                ts,
                Some(FixedOffset::east_opt(0).expect("0 is valid")),
                "",
            )),
            None => Node::from(var),
        },
        "timedelta" => match var.as_f64() {
            Some(s) => Node::Leaf(timedelta(s)),
            None => Node::from(var),
        },
        _ => Node::from(var),
    }
}

/// A string or number as it is, without quotes.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `{timestamp, tz}` → ISO 8601 as Python's `isoformat()` writes it. A named zone
/// (`Europe/Paris`) gives the local time with that zone's offset then, and the name; a
/// fixed offset is applied; no zone (a naive datetime) is shown without one.
fn datetime(data: &Value) -> Node {
    let Some(ts) = data.get("timestamp").and_then(Value::as_f64) else {
        return Node::from(data);
    };
    let tz = data.get("tz").unwrap_or(&Value::Null);
    let tz_data = match tz {
        Value::Object(m) => m.get(DATA).and_then(Value::as_array).cloned(),
        Value::Array(a) => Some(a.clone()),
        _ => None,
    };
    let Some(parts) = tz_data else {
        // Naive: Python took the timestamp as the worker's local time, UTC on Airflow's
        // own images; shown without a zone, as Python shows a naive datetime.
        return Node::Leaf(instant(ts, None, ""));
    };
    let zone = parts.first().unwrap_or(&Value::Null);
    match zone {
        Value::Number(n) => {
            let offset = n
                .as_i64()
                .and_then(|s| i32::try_from(s).ok())
                .and_then(FixedOffset::east_opt);
            Node::Leaf(instant(ts, offset.or(FixedOffset::east_opt(0)), ""))
        }
        Value::String(name) if name == "UTC" || name == "Etc/UTC" || name == "Z" => {
            Node::Leaf(instant(ts, FixedOffset::east_opt(0), ""))
        }
        Value::String(name) => {
            let suffix = format!(" ({})", crate::model::text::one_line(name));
            // The zone's offset at that instant, from the IANA database (chrono-tz).
            let offset = name.parse::<chrono_tz::Tz>().ok().and_then(|tz| {
                let micros = (ts * 1_000_000.0).round() as i64;
                let utc = Utc.timestamp_micros(micros).single()?;
                Some(utc.with_timezone(&tz).offset().fix())
            });
            Node::Leaf(instant(ts, offset.or(FixedOffset::east_opt(0)), &suffix))
        }
        _ => Node::Leaf(instant(ts, FixedOffset::east_opt(0), "")),
    }
}

/// A Unix timestamp as ISO 8601 with the offset (or none for `None`), microseconds
/// only when there are some.
fn instant(ts: f64, offset: Option<FixedOffset>, suffix: &str) -> String {
    let micros = (ts * 1_000_000.0).round() as i64;
    let Some(utc) = Utc.timestamp_micros(micros).single() else {
        return format!("{ts}");
    };
    let fraction = if micros.rem_euclid(1_000_000) == 0 {
        ""
    } else {
        "%.6f"
    };
    let text = match offset {
        Some(o) => {
            let t: DateTime<FixedOffset> = utc.with_timezone(&o);
            t.format(&format!("%Y-%m-%dT%H:%M:%S{fraction}%:z"))
                .to_string()
        }
        None => utc
            .naive_utc()
            .format(&format!("%Y-%m-%dT%H:%M:%S{fraction}"))
            .to_string(),
    };
    format!("{text}{suffix}")
}

/// A fixed offset in seconds as `+09:00`.
fn zone_text(data: &Value) -> String {
    match data {
        Value::Number(n) => {
            let s = n.as_i64().unwrap_or(0);
            let sign = if s < 0 { '-' } else { '+' };
            let a = s.unsigned_abs();
            format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
        }
        other => plain(other),
    }
}

/// Seconds as Python's `str(timedelta)`: `1:00:30`, `2 days, 3:00:00`, `0:00:00.500000`.
fn timedelta(seconds: f64) -> String {
    let micros = (seconds * 1_000_000.0).round() as i64;
    let days = micros.div_euclid(86_400_000_000);
    let rest = micros.rem_euclid(86_400_000_000);
    let (h, m, s, us) = (
        rest / 3_600_000_000,
        rest / 60_000_000 % 60,
        rest / 1_000_000 % 60,
        rest % 1_000_000,
    );
    let mut out = String::new();
    if days != 0 {
        let unit = if days.abs() == 1 { "day" } else { "days" };
        out.push_str(&format!("{days} {unit}, "));
    }
    out.push_str(&format!("{h}:{m:02}:{s:02}"));
    if us != 0 {
        out.push_str(&format!(".{us:06}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wrap(class: &str, version: u32, data: Value) -> Value {
        json!({"__classname__": class, "__version__": version, "__data__": data})
    }

    fn utc_tz() -> Value {
        wrap(
            "builtins.tuple",
            1,
            json!(["UTC", "pendulum.tz.timezone.FixedTimezone", 1, true]),
        )
    }

    /// Every wrapped type Airflow 3.3.2's serializer produces, as the REST API gave it
    /// for a task returning the value in the comment.
    #[test]
    fn wrapped_values_read_as_python_writes_them() {
        let cases = [
            // (1, "two", 3.0)
            (
                wrap("builtins.tuple", 1, json!([1, "two", 3.0])),
                r#"(1, "two", 3.0)"#,
            ),
            (wrap("builtins.tuple", 1, json!([1])), "(1,)"),
            (wrap("builtins.tuple", 1, json!([])), "()"),
            (wrap("builtins.set", 1, json!([1, 2, 3])), "{1, 2, 3}"),
            (wrap("builtins.set", 1, json!([])), "set()"),
            (
                wrap("builtins.frozenset", 1, json!(["a"])),
                r#"frozenset({"a"})"#,
            ),
            // datetime(2024, 11, 11, 6, 30, tzinfo=timezone.utc)
            (
                wrap(
                    "datetime.datetime",
                    2,
                    json!({"timestamp": 1731306600.0, "tz": utc_tz()}),
                ),
                "2024-11-11T06:30:00+00:00",
            ),
            // datetime(2024, 11, 11, 6, 30) (naive)
            (
                wrap(
                    "datetime.datetime",
                    2,
                    json!({"timestamp": 1731306600.0, "tz": null}),
                ),
                "2024-11-11T06:30:00",
            ),
            // datetime(2024, 11, 11, 6, 30, tzinfo=ZoneInfo("Europe/Paris"))
            (
                wrap(
                    "datetime.datetime",
                    2,
                    json!({"timestamp": 1731303000.0, "tz": wrap("builtins.tuple", 1, json!(["Europe/Paris", "zoneinfo.ZoneInfo", 1, true]))}),
                ),
                "2024-11-11T06:30:00+01:00 (Europe/Paris)",
            ),
            // pendulum.datetime(2024, 11, 11, 6, 30, tz="+09:00") (a fixed offset)
            (
                wrap(
                    "pendulum.datetime.DateTime",
                    2,
                    json!({"timestamp": 1731274200.5, "tz": wrap("builtins.tuple", 1, json!([32400, "pendulum.tz.timezone.FixedTimezone", 1, true]))}),
                ),
                "2024-11-11T06:30:00.500000+09:00",
            ),
            (wrap("datetime.date", 2, json!("2024-11-11")), "2024-11-11"),
            (
                wrap("pendulum.date.Date", 2, json!("2024-11-11")),
                "2024-11-11",
            ),
            (wrap("datetime.timedelta", 2, json!(3630.0)), "1:00:30"),
            (
                wrap("datetime.timedelta", 2, json!(2.0 * 86400.0 + 0.25)),
                "2 days, 0:00:00.250000",
            ),
            (wrap("decimal.Decimal", 1, json!(1.5)), r#"Decimal("1.5")"#),
            (wrap("decimal.Decimal", 1, json!(10)), r#"Decimal("10")"#),
            (
                wrap(
                    "uuid.UUID",
                    1,
                    json!("12345678-1234-5678-1234-567812345678"),
                ),
                r#"UUID("12345678-1234-5678-1234-567812345678")"#,
            ),
            (
                wrap("zoneinfo.ZoneInfo", 1, json!("Europe/Paris")),
                r#"ZoneInfo("Europe/Paris")"#,
            ),
            (
                wrap("pendulum.tz.timezone.Timezone", 1, json!("Asia/Tokyo")),
                r#"Timezone("Asia/Tokyo")"#,
            ),
            (
                wrap("pendulum.tz.timezone.FixedTimezone", 1, json!(-16200)),
                "-04:30",
            ),
            (wrap("numpy.int64", 1, json!(12)), "12"),
            (wrap("numpy.bool_", 1, json!(true)), "True"),
            (
                wrap("pandas.core.frame.DataFrame", 1, json!("50415231")),
                "<pandas DataFrame: 4 bytes of Parquet; read it in Python>",
            ),
            // A dataclass defined in the DAG file: Airflow's module prefix is dropped.
            // Fields come in name order (serde_json keeps objects sorted).
            (
                wrap(
                    "unusual_prefix_d6d6_fdprobe.Box",
                    0,
                    json!({"w": 3, "label": "big"}),
                ),
                r#"Box(label="big", w=3)"#,
            ),
            (
                wrap("pydantic.main.BaseModel", 1, json!({"id": 1})),
                "BaseModel(id=1)",
            ),
            (
                json!({"a": [1, 2], "b": null, "c": true}),
                r#"{"a": [1, 2], "b": None, "c": True}"#,
            ),
            // {"when": date(2024, 1, 2), "pair": (1, (2, 3)), "tags": {"x"}}
            (
                json!({"when": wrap("datetime.date", 2, json!("2024-01-02")),
                       "pair": wrap("builtins.tuple", 1, json!([1, wrap("builtins.tuple", 1, json!([2, 3]))])),
                       "tags": wrap("builtins.set", 1, json!(["x"]))}),
                r#"{"pair": (1, (2, 3)), "tags": {"x"}, "when": 2024-01-02}"#,
            ),
            (json!({"__type": "tuple", "__var": [1, 2]}), "(1, 2)"),
            (json!("hello"), "hello"),
            (json!("[1, 2]"), "[1, 2]"),
        ];
        for (value, want) in cases {
            assert_eq!(format_value(&value), want, "{value}");
        }
    }

    #[test]
    fn long_values_break_over_lines() {
        let rows: Vec<Value> = (0..12)
            .map(|i| wrap("builtins.tuple", 1, json!([i, format!("row number {i}")])))
            .collect();
        let text = format_value(&json!({ "rows": rows, "total": 12 }));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "{");
        assert_eq!(lines[1], r#"  "rows": ["#);
        assert_eq!(lines[2], r#"    (0, "row number 0"),"#);
        assert_eq!(lines.last(), Some(&"}"));
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH));
    }
}
