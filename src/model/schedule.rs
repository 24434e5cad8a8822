//! Flow schedules: none (manual runs only), an Airflow preset, or a 5-field cron
//! expression. Validation mirrors what Airflow's croniter accepts for the common forms,
//! and each valid schedule has a human reading for the flows list.

/// Airflow's schedule presets and their readings.
pub const PRESETS: &[(&str, &str)] = &[
    ("@once", "once, at the start date"),
    ("@continuous", "continuously, one run after another"),
    ("@hourly", "every hour at minute 0"),
    ("@daily", "every day at 00:00"),
    ("@midnight", "every day at 00:00"),
    ("@weekly", "every Sunday at 00:00"),
    ("@monthly", "on day 1 of every month at 00:00"),
    ("@quarterly", "on day 1 of Jan, Apr, Jul and Oct at 00:00"),
    ("@yearly", "every 1 January at 00:00"),
    ("@annually", "every 1 January at 00:00"),
];

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const DAY_NAMES: [&str; 8] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

struct FieldSpec {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    names_start: u32,
}

const FIELDS: [FieldSpec; 5] = [
    FieldSpec {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
        names_start: 0,
    },
    FieldSpec {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
        names_start: 0,
    },
    FieldSpec {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
        names_start: 0,
    },
    FieldSpec {
        name: "month",
        min: 1,
        max: 12,
        names: &MONTHS,
        names_start: 1,
    },
    FieldSpec {
        name: "day of week",
        min: 0,
        max: 7,
        names: &DAYS,
        names_start: 0,
    },
];

/// Checks a schedule. `""` means no schedule (manual runs only).
pub fn check_schedule(schedule: &str) -> Result<(), String> {
    let s = schedule.trim();
    if s.is_empty() {
        return Ok(());
    }
    if s.starts_with('@') {
        return if PRESETS.iter().any(|(p, _)| *p == s) {
            Ok(())
        } else {
            let known: Vec<&str> = PRESETS.iter().map(|(p, _)| *p).collect();
            Err(format!(
                "unknown schedule preset `{}`: use one of {}",
                super::text::one_line(s),
                known.join(", ")
            ))
        };
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "a cron schedule has 5 fields (minute hour day-of-month month day-of-week), `{}` has {}; e.g. `0 2 * * *` is every day at 02:00",
            super::text::one_line(s),
            fields.len()
        ));
    }
    for (field, spec) in fields.iter().zip(FIELDS.iter()) {
        parse_field(field, spec)?;
    }
    Ok(())
}

/// Values a field selects, or a message naming the field and what is wrong.
fn parse_field(field: &str, spec: &FieldSpec) -> Result<Vec<u32>, String> {
    let mut values = Vec::new();
    for item in field.split(',') {
        if item.is_empty() {
            return Err(format!("{}: empty item in `{field}`", spec.name));
        }
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| {
                    format!("{}: step `{s}` in `{item}` is not a number", spec.name)
                })?;
                if step == 0 {
                    return Err(format!("{}: step 0 in `{item}` is not allowed", spec.name));
                }
                (r, step)
            }
            None => (item, 1),
        };
        let (lo, hi) = if range == "*" || range == "?" {
            (spec.min, spec.max)
        } else if let Some((a, b)) = range.split_once('-') {
            let lo = parse_value(a, spec)?;
            let hi = parse_value(b, spec)?;
            if lo > hi {
                return Err(format!(
                    "{}: range `{range}` goes backwards ({lo} > {hi})",
                    spec.name
                ));
            }
            (lo, hi)
        } else {
            let v = parse_value(range, spec)?;
            // `5/15` means from 5 to the end in steps of 15, as in croniter.
            (v, if step > 1 { spec.max } else { v })
        };
        values.extend((lo..=hi).step_by(step as usize));
    }
    values.sort_unstable();
    values.dedup();
    Ok(values)
}

fn parse_value(text: &str, spec: &FieldSpec) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(pos) = spec.names.iter().position(|n| *n == lower) {
        return Ok(pos as u32 + spec.names_start);
    }
    let value: u32 = text.parse().map_err(|_| {
        format!(
            "{}: `{}` is not a number{}",
            spec.name,
            super::text::one_line(text),
            if spec.names.is_empty() {
                String::new()
            } else {
                format!(" or a name like `{}`", spec.names[0])
            }
        )
    })?;
    if value < spec.min || value > spec.max {
        return Err(format!(
            "{}: {value} is out of range {}–{}",
            spec.name, spec.min, spec.max
        ));
    }
    Ok(value)
}

/// A human reading of a valid schedule, e.g. "every day at 02:00".
pub fn describe_schedule(schedule: &str) -> String {
    let s = schedule.trim();
    if s.is_empty() {
        return "manual runs only".into();
    }
    if let Some((_, reading)) = PRESETS.iter().find(|(p, _)| *p == s) {
        return (*reading).into();
    }
    if check_schedule(s).is_err() {
        return format!("invalid: {}", super::text::one_line(s));
    }
    let f: Vec<&str> = s.split_whitespace().collect();
    let (minute, hour, dom, month, dow) = (f[0], f[1], f[2], f[3], f[4]);
    let all = |x: &str| x == "*" || x == "?";
    let single = |x: &str| x.parse::<u32>().ok();
    let step = |x: &str| x.strip_prefix("*/").and_then(|n| n.parse::<u32>().ok());
    let calendar_free = all(dom) && all(month) && all(dow);

    if calendar_free && all(hour) {
        if all(minute) {
            return "every minute".into();
        }
        if let Some(n) = step(minute) {
            return format!("every {n} minutes");
        }
        if let Some(m) = single(minute) {
            return format!("every hour at minute {m}");
        }
    }
    if calendar_free {
        if let (Some(n), Some(m)) = (step(hour), single(minute)) {
            return format!("every {n} hours at minute {m}");
        }
    }
    let time = match (single(hour), single(minute)) {
        (Some(h), Some(m)) => Some(format!("{h:02}:{m:02}")),
        _ => None,
    };
    if let Some(time) = time {
        if calendar_free {
            return format!("every day at {time}");
        }
        if all(dom) && all(month) {
            if let Ok(days) = parse_field(dow, &FIELDS[4]) {
                if days == [1, 2, 3, 4, 5] {
                    return format!("every weekday at {time}");
                }
                let names: Vec<&str> = days.iter().map(|d| DAY_NAMES[*d as usize]).collect();
                return format!("every {} at {time}", names.join(", "));
            }
        }
        if all(dow) && all(month) {
            if let Some(d) = single(dom) {
                return format!("on day {d} of every month at {time}");
            }
        }
        if all(dow) {
            if let (Some(d), Ok(months)) = (single(dom), parse_field(month, &FIELDS[3])) {
                let names: Vec<&str> = months
                    .iter()
                    .map(|m| MONTH_NAMES[*m as usize - 1])
                    .collect();
                return format!("on day {d} of {} at {time}", names.join(", "));
            }
        }
    }
    format!("cron `{s}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_presets_and_cron() {
        for ok in [
            "",
            "@daily",
            "@once",
            "0 2 * * *",
            "*/5 * * * *",
            "0 0 1 1,4,7,10 *",
            "30 8 * * mon-fri",
            "0 0 * JAN sun",
            "5/15 * * * *",
            "0 0 * * 7",
        ] {
            assert!(check_schedule(ok).is_ok(), "{ok}: {:?}", check_schedule(ok));
        }
    }

    #[test]
    fn refuses_bad_schedules_naming_the_problem() {
        let cases = [
            ("@dayly", "unknown schedule preset"),
            ("0 2 * *", "5 fields"),
            ("0 25 * * *", "hour: 25 is out of range 0–23"),
            ("61 * * * *", "minute: 61"),
            ("0 0 0 * *", "day of month: 0"),
            ("*/0 * * * *", "step 0"),
            ("0 5-2 * * *", "goes backwards"),
            ("0 0 * foo *", "month: `foo` is not a number"),
        ];
        for (s, needle) in cases {
            let err = check_schedule(s).unwrap_err();
            assert!(err.contains(needle), "{s}: {err}");
        }
    }

    #[test]
    fn readings() {
        assert_eq!(describe_schedule("0 2 * * *"), "every day at 02:00");
        assert_eq!(describe_schedule("*/5 * * * *"), "every 5 minutes");
        assert_eq!(describe_schedule("15 * * * *"), "every hour at minute 15");
        assert_eq!(describe_schedule("30 8 * * 1-5"), "every weekday at 08:30");
        assert_eq!(describe_schedule("0 6 * * mon"), "every Monday at 06:00");
        assert_eq!(
            describe_schedule("0 0 1 * *"),
            "on day 1 of every month at 00:00"
        );
        assert_eq!(describe_schedule(""), "manual runs only");
        assert_eq!(describe_schedule("@daily"), "every day at 00:00");
        assert_eq!(describe_schedule("0 0 1-7 * 1"), "cron `0 0 1-7 * 1`");
    }
}
