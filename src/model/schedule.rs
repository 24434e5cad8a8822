//! Flow schedules as Airflow 3 reads them: none (manual runs only), `@once`,
//! `@continuous`, or a cron expression evaluated by croniter (Airflow's presets such as
//! `@daily` resolve to cron first). Flows run in UTC.
//!
//! Acceptance follows croniter's grammar (`airflow.sdk.definitions.timetables._cron` hands
//! the expression to `croniter()`): 5 fields, or 6 with seconds last, or 7 with seconds
//! and a year (1970–2099); names (`mon`, `jan`); `*/n`, `a-b/n`, `a/n`; ranges that wrap
//! (`fri-mon`, `nov-feb`); `?` for a day field; `L`, `nW`/`Wn` in the day of month; `n#k`
//! and `Ln` in the day of week. On top of what croniter accepts, flowdeck refuses:
//! - expressions croniter accepts but can never fire (`0 0 30 2 *`): Airflow loads them
//!   and never runs the flow; croniter gives up when no time falls within 50 years;
//! - `R` (croniter draws a new random value each time Airflow evaluates the schedule, so
//!   runs come at unpredictable times);
//! - `#`, `Ln` or `W` together with a restricted other day field (`0 0 1 * 1#1`):
//!   croniter ignores the other field there, unlike every other cron.
//!
//! Fire times come from the `croner` crate, given an expression rewritten into explicit
//! values so that croniter's grammar quirks (seconds last, wrapping ranges, `jan-jan`
//! meaning every month, `59/15` meaning minute 59) cannot be read differently.
//! `tests/data/schedules.tsv` holds croniter's own verdicts and fire times for the
//! expressions this was checked on.

use super::text::one_line;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Airflow's schedule presets: croniter's aliases plus Airflow's own timetables.
pub const PRESETS: &[&str] = &[
    "@once",
    "@continuous",
    "@hourly",
    "@daily",
    "@midnight",
    "@weekly",
    "@monthly",
    "@quarterly",
    "@yearly",
    "@annually",
];

/// The timezone flows run in (the DAG's start date is UTC, so its timetable is too).
pub const TIMEZONE: &str = "UTC";

/// croniter gives up on a schedule when no fire time falls within this many years.
pub const MAX_YEARS_BETWEEN_RUNS: i32 = 50;

/// The cron expression an Airflow preset stands for (Airflow's `CRON_PRESETS` plus
/// croniter's own aliases), or the text itself.
fn resolve_preset(s: &str) -> &str {
    match s.to_ascii_lowercase().as_str() {
        "@hourly" => "0 * * * *",
        "@daily" | "@midnight" => "0 0 * * *",
        "@weekly" => "0 0 * * 0",
        "@monthly" => "0 0 1 * *",
        "@quarterly" => "0 0 1 */3 *",
        "@yearly" | "@annually" => "0 0 1 1 *",
        _ => s,
    }
}

/// A checked schedule.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// No schedule: runs only when triggered.
    Manual,
    /// `@once`: one run, at the start date.
    Once,
    /// `@continuous`: one run after another.
    Continuous,
    /// A cron expression (a preset like `@daily` is stored as the preset).
    Cron(Box<Cron>),
}

/// Which occurrence of a weekday in its month (`#k`, `Ln`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Nth {
    /// The k-th, 1–5.
    Number(u32),
    /// The last one.
    Last,
}

/// The day-of-month field.
#[derive(Debug, Clone, PartialEq)]
pub enum MonthDays {
    /// `*` (or `?`).
    Any,
    /// Days 1–31, plus `L` (the month's last day).
    Days { days: Vec<u32>, last: bool },
    /// `nW`: the weekday (Monday–Friday) nearest day n, within the month.
    NearestWeekday(u32),
}

/// The day-of-week field (0 = Sunday … 6 = Saturday).
#[derive(Debug, Clone, PartialEq)]
pub enum WeekDays {
    /// `*` (or `?`).
    Any,
    Days(Vec<u32>),
    /// `1#1`, `mon#1,fri#3`, `L5`: given occurrences of weekdays in the month.
    Nth(Vec<(u32, Nth)>),
}

/// A cron expression expanded into the values it selects, as croniter expands it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cron {
    /// 5, 6 (seconds last) or 7 (seconds, then year).
    pub fields: usize,
    pub seconds: Vec<u32>,
    pub minutes: Vec<u32>,
    pub hours: Vec<u32>,
    pub month_days: MonthDays,
    /// 1–12.
    pub months: Vec<u32>,
    pub week_days: WeekDays,
    /// Only with 7 fields.
    pub years: Option<Vec<u32>>,
    /// The same schedule for croner: 7 fields, seconds first, every value explicit.
    croner_pattern: String,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Minute,
    Hour,
    MonthDay,
    Month,
    WeekDay,
    Second,
    Year,
}

impl Field {
    /// croniter's field order: seconds and year come last.
    const ORDER: [Field; 7] = [
        Field::Minute,
        Field::Hour,
        Field::MonthDay,
        Field::Month,
        Field::WeekDay,
        Field::Second,
        Field::Year,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::Minute => "minute",
            Field::Hour => "hour",
            Field::MonthDay => "day of month",
            Field::Month => "month",
            Field::WeekDay => "day of week",
            Field::Second => "second",
            Field::Year => "year",
        }
    }

    /// croniter's RANGES.
    fn range(self) -> (u32, u32) {
        match self {
            Field::Minute | Field::Second => (0, 59),
            Field::Hour => (0, 23),
            Field::MonthDay => (1, 31),
            Field::Month => (1, 12),
            Field::WeekDay => (0, 6),
            Field::Year => (1970, 2099),
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Field::Month => &MONTHS,
            Field::WeekDay => &DAYS,
            _ => &[],
        }
    }

    fn names_start(self) -> u32 {
        if self == Field::Month {
            1
        } else {
            0
        }
    }

    /// croniter's value aliases: 7 is Sunday in the day of week.
    fn alias(self, v: u32) -> u32 {
        if self == Field::WeekDay && v == 7 {
            0
        } else {
            v
        }
    }
}

/// What one field expanded to.
#[derive(Default)]
struct Expanded {
    star: bool,
    values: BTreeSet<u32>,
    last: bool,
    nearest_weekday: Option<u32>,
    nth: Vec<(u32, Nth)>,
}

/// Checks a schedule against now. `""` means no schedule (manual runs only).
pub fn check_schedule(schedule: &str) -> Result<(), String> {
    check_schedule_at(schedule, Utc::now())
}

/// Checks a schedule: Airflow must accept it and it must fire after `now`.
pub fn check_schedule_at(schedule: &str, now: DateTime<Utc>) -> Result<(), String> {
    let parsed = parse_schedule(schedule)?;
    if let Schedule::Cron(cron) = &parsed {
        if cron.next_after(now).is_none() {
            return Err(format!(
                "`{}` never fires: {} (Airflow would load the flow and never run it); check the day and month",
                one_line(schedule.trim()),
                never_reason(cron, now)
            ));
        }
    }
    Ok(())
}

fn never_reason(cron: &Cron, now: DateTime<Utc>) -> String {
    if let Some(years) = &cron.years {
        if years.iter().all(|y| (*y as i32) < now.year()) {
            return format!("its years ({}) are all past", list_numbers(years));
        }
    }
    format!("no day matches within {MAX_YEARS_BETWEEN_RUNS} years")
}

/// Parses a schedule with croniter's grammar; the error names the field and the fix.
pub fn parse_schedule(schedule: &str) -> Result<Schedule, String> {
    let s = schedule.trim();
    if s.is_empty() {
        return Ok(Schedule::Manual);
    }
    match s {
        "@once" => return Ok(Schedule::Once),
        "@continuous" => return Ok(Schedule::Continuous),
        _ => {}
    }
    if s.starts_with('@') && resolve_preset(s) == s {
        return Err(format!(
            "unknown schedule preset `{}`: use one of {}",
            one_line(s),
            PRESETS.join(", ")
        ));
    }
    parse_cron(resolve_preset(s)).map(|c| Schedule::Cron(Box::new(c)))
}

fn parse_cron(expr: &str) -> Result<Cron, String> {
    // croniter splits on ASCII whitespace only.
    let fields: Vec<&str> = expr
        .split(|c: char| c.is_ascii_whitespace())
        .filter(|f| !f.is_empty())
        .collect();
    if !(5..=7).contains(&fields.len()) {
        return Err(format!(
            "a cron schedule has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds last, or 7 with seconds and year; `{}` has {}; e.g. `0 2 * * *` is every day at 02:00",
            one_line(expr),
            fields.len()
        ));
    }
    let lower: Vec<String> = fields.iter().map(|f| f.to_ascii_lowercase()).collect();
    let mut expanded = Vec::with_capacity(fields.len());
    for (i, text) in lower.iter().enumerate() {
        let field = Field::ORDER[i];
        let other_day_has_star = match field {
            Field::MonthDay => lower[4].contains('*'),
            Field::WeekDay => lower[2].contains('*'),
            _ => true,
        };
        expanded.push(
            expand_field(text, field, other_day_has_star)
                .map_err(|e| format!("{} `{}`: {e}", field.name(), one_line(fields[i])))?,
        );
    }
    build(fields.len(), expanded)
}

/// Expands one field as croniter's `_expand` does.
fn expand_field(text: &str, field: Field, other_day_has_star: bool) -> Result<Expanded, String> {
    match hash_kind(text) {
        Some('h') => {
            return Err(
                "`H` (hashed) values need a hash id that Airflow does not give; write the value itself"
                    .into(),
            )
        }
        Some(_) => return Err("`R` picks a new random value each time Airflow evaluates the schedule, so runs would come at unpredictable times; write the value itself".into()),
        None => {}
    }
    let mut text = text;
    if text.contains('?') {
        if text != "?" {
            return Err("`?` must stand alone".into());
        }
        if !matches!(field, Field::MonthDay | Field::WeekDay) {
            return Err("`?` is only for the day of month or the day of week".into());
        }
        text = "*";
    }
    let (min, max) = field.range();
    let mut out = Expanded::default();
    let items: Vec<&str> = text.split(',').collect();
    let single_item = items.len() == 1;
    for item in items {
        if item.is_empty() {
            return Err("empty item in a list".into());
        }
        let mut item = item.to_string();
        let mut nth = None;
        if field == Field::WeekDay {
            if let Some((day, n)) = item.split_once('#') {
                let k: u32 = n
                    .parse()
                    .ok()
                    .filter(|k| (1..=5).contains(k))
                    .ok_or_else(|| {
                        format!("`#{n}` must be #1 to #5 (the k-th weekday of the month)")
                    })?;
                nth = Some(Nth::Number(k));
                item = day.to_string();
            } else if let Some(day) = item.strip_prefix('l') {
                if !day.is_empty() && day.bytes().all(|b| b.is_ascii_digit()) {
                    nth = Some(Nth::Last);
                    item = day.to_string();
                }
            }
        }
        if field == Field::MonthDay {
            let w = item
                .strip_suffix('w')
                .or_else(|| item.strip_prefix('w'))
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
            if let Some(day) = w {
                let day: u32 = day.parse().map_err(|_| format!("`{item}` is not a day"))?;
                if !(1..=31).contains(&day) {
                    return Err(format!("`{item}`: day {day} is out of range 1–31"));
                }
                if !single_item {
                    return Err("`W` takes a single day, not a list or range".into());
                }
                out.nearest_weekday = Some(day);
                continue;
            }
        }
        let values = expand_item(&item, field)?;
        match values {
            Item::Star => out.star = true,
            Item::Last => out.last = true,
            Item::Values(vs) => {
                for v in vs {
                    let v = field.alias(v);
                    if v < min || v > max {
                        return Err(format!("{v} is out of range {min}–{max}"));
                    }
                    // `values` holds every weekday named, `#`/`L` ones too (croniter
                    // checks that no plain weekday stands beside them).
                    out.values.insert(v);
                    if let Some(n) = nth {
                        out.nth.push((v, n));
                    }
                }
            }
        }
        if nth.is_some() && out.star {
            return Err("`#` and `L` need a weekday, e.g. `1#1` or `L5`".into());
        }
    }
    if !out.nth.is_empty() {
        let nth_days: BTreeSet<u32> = out.nth.iter().map(|(d, _)| *d).collect();
        let plain: Vec<u32> = out.values.difference(&nth_days).copied().collect();
        if !plain.is_empty() || out.star {
            return Err(
                "plain weekdays cannot be mixed with `#`/`L` weekdays in one field (croniter refuses it)"
                    .into(),
            );
        }
    }
    // croniter turns a field that lists every value into `*`, except a day field whose
    // other day field has no `*` (so `1-31` with a weekday still means every day).
    let all = (max - min + 1) as usize;
    if out.values.len() == all && !out.last && out.nth.is_empty() && other_day_has_star {
        out.star = true;
    }
    Ok(out)
}

/// `h` or `r` when an item is croniter's hashed or random form (`hash_expression_re`:
/// `H`, `R`, `H(0-29)`, `H/15`, `R(0-29)/5`).
fn hash_kind(text: &str) -> Option<char> {
    text.split(',').find_map(|item| {
        let kind = item.chars().next().filter(|c| matches!(c, 'h' | 'r'))?;
        let rest = &item[1..];
        let hashed = rest.is_empty()
            || rest.starts_with('(')
            || rest
                .strip_prefix('/')
                .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()));
        hashed.then_some(kind)
    })
}

enum Item {
    Star,
    Last,
    Values(Vec<u32>),
}

/// One list item: `*`, `5`, `mon`, `L`, `a-b`, `a-b/n`, `*/n`, `a/n`.
fn expand_item(item: &str, field: Field) -> Result<Item, String> {
    let (min, max) = field.range();
    if item.starts_with('-') {
        return Err("negative numbers are not allowed".into());
    }
    // `*/n` is `min-max/n`; `a/n` is `a-max/n`, except that `a` at the field's maximum
    // stays a single value (`59/15` is minute 59).
    let (range, step, start_with_step) = match item.split_once('/') {
        Some((r, s)) => {
            let step: u32 = s
                .parse()
                .map_err(|_| format!("step `{s}` is not a number"))?;
            if step == 0 {
                return Err("step 0 is not allowed".into());
            }
            if r == "*" {
                (format!("{min}-{max}"), Some(step), false)
            } else if r.contains('-') {
                (r.to_string(), Some(step), false)
            } else {
                (format!("{r}-{max}"), Some(step), true)
            }
        }
        None => (item.to_string(), None, false),
    };
    if let Some((lo, hi)) = range.split_once('-') {
        if lo.is_empty() || hi.is_empty() || hi.contains('-') {
            return Err(format!("`{item}` is not a range like 1-5"));
        }
        let hi = if field == Field::MonthDay && hi == "l" {
            "31"
        } else {
            hi
        };
        let lo = field.alias(value(lo, field)?);
        let hi = field.alias(value(hi, field)?);
        if lo.max(hi) > max {
            return Err(format!("`{item}` goes beyond {max}"));
        }
        let step = step.unwrap_or(1);
        let start_at_field_max = start_with_step && lo == hi;
        // An equal range written as one (`jan-jan`) is the whole cycle in croniter.
        let (lo, hi) = if lo == hi && !start_with_step {
            (min, max)
        } else {
            (lo, hi)
        };
        let values: Vec<u32> = if start_at_field_max {
            vec![lo]
        } else if lo > hi {
            // A range that wraps (`fri-mon`, `nov-feb`), stepping across the end.
            let mut v: Vec<u32> = (lo..=max).step_by(step as usize).collect();
            let mut to_skip = 0;
            if let Some(&last) = v.last() {
                let already_skipped = max - last;
                let curpos = last - min;
                let len = max - min + 1;
                if curpos + step > len && already_skipped < step {
                    to_skip = step - already_skipped;
                }
            }
            v.extend((min + to_skip..=hi).step_by(step as usize));
            v
        } else {
            (lo..=hi).step_by(step as usize).collect()
        };
        return Ok(Item::Values(values));
    }
    if step.is_some() {
        return Err(format!("`{item}` is not a step like */5 or 1-30/5"));
    }
    match range.as_str() {
        "*" => Ok(Item::Star),
        "l" if field == Field::MonthDay => Ok(Item::Last),
        v => Ok(Item::Values(vec![value(v, field)?])),
    }
}

fn value(text: &str, field: Field) -> Result<u32, String> {
    if let Some(pos) = field.names().iter().position(|n| *n == text) {
        return Ok(pos as u32 + field.names_start());
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| format!("`{text}` is too large"));
    }
    let hint = match field {
        Field::Month => " or a month like `jan`",
        Field::WeekDay => " or a day like `mon`",
        Field::MonthDay => " or `L` (last day)",
        _ => "",
    };
    Err(format!("`{}` is not a number{hint}", one_line(text)))
}

fn build(fields: usize, mut ex: Vec<Expanded>) -> Result<Cron, String> {
    let plain = |e: &Expanded, f: Field| -> Vec<u32> {
        if e.star {
            let (lo, hi) = f.range();
            (lo..=hi).collect()
        } else {
            e.values.iter().copied().collect()
        }
    };
    let years = (fields == 7).then(|| plain(&ex[6], Field::Year));
    let seconds = if fields >= 6 {
        plain(&ex[5], Field::Second)
    } else {
        vec![0]
    };
    let dow = ex.remove(4);
    let month = ex.remove(3);
    let dom = ex.remove(2);
    let month_days = if dom.star {
        MonthDays::Any
    } else if let Some(d) = dom.nearest_weekday {
        MonthDays::NearestWeekday(d)
    } else {
        MonthDays::Days {
            days: dom.values.iter().copied().collect(),
            last: dom.last,
        }
    };
    let week_days = if dow.star {
        WeekDays::Any
    } else if !dow.nth.is_empty() {
        let mut nth = dow.nth.clone();
        nth.sort_unstable();
        nth.dedup();
        WeekDays::Nth(nth)
    } else {
        WeekDays::Days(dow.values.iter().copied().collect())
    };
    let special_dom = matches!(month_days, MonthDays::NearestWeekday(_));
    let special_dow = matches!(week_days, WeekDays::Nth(_));
    if (special_dom && week_days != WeekDays::Any) || (special_dow && month_days != MonthDays::Any)
    {
        return Err("`#`, `L` weekdays and `W` work only with `*` in the other day field: croniter would ignore that field (e.g. `0 0 1 * 1#1` runs every first Monday, not on the 1st); put `*` there".into());
    }
    let mut cron = Cron {
        fields,
        seconds,
        minutes: plain(&ex[0], Field::Minute),
        hours: plain(&ex[1], Field::Hour),
        month_days,
        months: plain(&month, Field::Month),
        week_days,
        years,
        croner_pattern: String::new(),
    };
    cron.croner_pattern = cron.to_croner();
    Ok(cron)
}

fn join(values: &[u32]) -> String {
    values
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl Cron {
    /// The expression for croner: seconds first, year last, every value spelled out.
    fn to_croner(&self) -> String {
        let dom = match &self.month_days {
            MonthDays::Any => "*".to_string(),
            MonthDays::NearestWeekday(d) => format!("{d}W"),
            MonthDays::Days { days, last } => {
                let mut parts: Vec<String> = days.iter().map(u32::to_string).collect();
                if *last {
                    parts.push("L".into());
                }
                parts.join(",")
            }
        };
        let dow = match &self.week_days {
            WeekDays::Any => "*".to_string(),
            WeekDays::Days(d) => join(d),
            WeekDays::Nth(n) => n
                .iter()
                .map(|(d, k)| match k {
                    Nth::Number(k) => format!("{d}#{k}"),
                    Nth::Last => format!("{d}#L"),
                })
                .collect::<Vec<_>>()
                .join(","),
        };
        let years = match &self.years {
            Some(y) if !Self::all(y, Field::Year) => join(y),
            _ => "*".to_string(),
        };
        format!(
            "{} {} {} {} {} {} {}",
            join(&self.seconds),
            join(&self.minutes),
            join(&self.hours),
            dom,
            join(&self.months),
            dow,
            years
        )
    }

    fn croner(&self) -> Option<croner::Cron> {
        croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Required)
            .year(croner::parser::Year::Required)
            .build()
            .parse(&self.croner_pattern)
            .ok()
    }

    /// The first fire time strictly after `t`, or `None` when croniter would find none
    /// (nothing within [`MAX_YEARS_BETWEEN_RUNS`] years).
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if let MonthDays::NearestWeekday(day) = self.month_days {
            return self.next_nearest_weekday(day, t);
        }
        let cron = self.croner()?;
        let next = cron.find_next_occurrence(&t, false).ok()?;
        (next.year() - t.year() <= MAX_YEARS_BETWEEN_RUNS).then_some(next)
    }

    /// `nW`, month by month. croner skips a month shorter than `n` (no 31st in April,
    /// so no `31W`), where croniter takes the month's last day as `n`: Friday 27
    /// February 2026 for `31W`. The day is found here as croniter finds it, and croner
    /// gives the first time of day on it.
    fn next_nearest_weekday(&self, day: u32, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let times = croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Required)
            .year(croner::parser::Year::Required)
            .build()
            .parse(&format!(
                "{} {} {} * * * *",
                join(&self.seconds),
                join(&self.minutes),
                join(&self.hours)
            ))
            .ok()?;
        let first = t.year() * 12 + t.month0() as i32;
        let last = (t.year() + MAX_YEARS_BETWEEN_RUNS) * 12 + 11;
        for index in first..=last {
            let (year, month) = (index / 12, index % 12 + 1);
            let month = month as u32;
            if !self.months.contains(&month)
                || self
                    .years
                    .as_ref()
                    .is_some_and(|ys| !ys.contains(&(year as u32)))
            {
                continue;
            }
            let date = NaiveDate::from_ymd_opt(year, month, nearest_weekday(year, month, day))?;
            if date < t.date_naive() {
                continue;
            }
            let from = if date == t.date_naive() {
                t
            } else {
                Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0)?) - chrono::Duration::seconds(1)
            };
            if let Ok(next) = times.find_next_occurrence(&from, false) {
                if next.date_naive() == date {
                    return Some(next);
                }
            }
        }
        None
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|d| d.pred_opt()).map_or(28, |d| d.day())
}

/// croniter's `_get_nearest_weekday`: the weekday nearest `day` (clamped to the month's
/// length) without leaving the month.
fn nearest_weekday(year: i32, month: u32, day: u32) -> u32 {
    use chrono::Weekday;
    let last = days_in_month(year, month);
    let day = day.min(last);
    let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
        return day;
    };
    match date.weekday() {
        Weekday::Sat if day > 1 => day - 1,
        Weekday::Sat => day + 2,
        Weekday::Sun if day < last => day + 1,
        Weekday::Sun => day - 2,
        _ => day,
    }
}

/// The next `n` fire times after `after` (fewer when the schedule stops firing; none
/// for a schedule without times: manual, `@continuous`, or `@once` after its start).
pub fn next_runs(
    schedule: &str,
    start_date: NaiveDate,
    after: DateTime<Utc>,
    n: usize,
) -> Vec<DateTime<Utc>> {
    let start = Utc.from_utc_datetime(&start_date.and_hms_opt(0, 0, 0).unwrap_or_default());
    match parse_schedule(schedule) {
        Ok(Schedule::Cron(cron)) => {
            let mut out = Vec::with_capacity(n);
            // A run never comes before the start date (which may itself be a run).
            let mut t = if start > after {
                start - chrono::Duration::seconds(1)
            } else {
                after
            };
            while out.len() < n {
                match cron.next_after(t) {
                    Some(next) => {
                        out.push(next);
                        t = next;
                    }
                    None => break,
                }
            }
            out
        }
        Ok(Schedule::Once) if start > after => vec![start],
        _ => Vec::new(),
    }
}

/// A human reading of a schedule with its timezone, e.g. "every day at 02:00 UTC" or
/// "the first Monday of each month at 09:00 UTC".
pub fn describe_schedule(schedule: &str) -> String {
    describe(schedule, true)
}

/// [`describe_schedule`] without the timezone, for tables whose header names it once
/// ("SCHEDULE (UTC)"): "every day at 02:00".
pub fn describe_schedule_short(schedule: &str) -> String {
    describe(schedule, false)
}

fn describe(schedule: &str, zone: bool) -> String {
    match parse_schedule(schedule) {
        Ok(Schedule::Manual) => "manual runs only".into(),
        Ok(Schedule::Once) => "once, at the start date".into(),
        Ok(Schedule::Continuous) => "continuously, one run after another".into(),
        Ok(Schedule::Cron(c)) if zone => c.describe(),
        Ok(Schedule::Cron(c)) => c
            .describe()
            .replace(&format!(" ({TIMEZONE})"), "")
            .replace(&format!(" {TIMEZONE}"), ""),
        Err(_) => format!("invalid: {}", one_line(schedule.trim())),
    }
}

/// The next three runs after `now` as one line, "next runs 2026-01-05 09:00,
/// 2026-02-02 09:00, 2026-03-02 09:00 UTC", or `None` when there are none to show.
pub fn next_runs_line(schedule: &str, start_date: NaiveDate, now: DateTime<Utc>) -> Option<String> {
    let runs = next_runs(schedule, start_date, now, 3);
    if runs.is_empty() {
        return None;
    }
    let seconds = runs.iter().any(|t| t.timestamp() % 60 != 0);
    let format = if seconds {
        "%Y-%m-%d %H:%M:%S"
    } else {
        "%Y-%m-%d %H:%M"
    };
    let shown: Vec<String> = runs.iter().map(|t| t.format(format).to_string()).collect();
    let word = if runs.len() == 1 {
        "next run"
    } else {
        "next runs"
    };
    Some(format!("{word} {} {TIMEZONE}", shown.join(", ")))
}

/// `1, 2 and 3`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Numbers with runs shown as ranges: `1–5, 9`.
fn list_numbers(values: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let mut j = i;
        while j + 1 < values.len() && values[j + 1] == values[j] + 1 {
            j += 1;
        }
        if j >= i + 2 {
            parts.push(format!("{}–{}", values[i], values[j]));
        } else {
            for v in &values[i..=j] {
                parts.push(v.to_string());
            }
        }
        i = j + 1;
    }
    parts.join(", ")
}

/// `Some(step)` when `values` are `min, min+step, …` up to the field's end.
fn every_step(values: &[u32], min: u32, max: u32) -> Option<u32> {
    if values.len() < 2 || values[0] != min {
        return None;
    }
    let step = values[1] - values[0];
    let regular = values.windows(2).all(|w| w[1] - w[0] == step);
    (regular && values[values.len() - 1] + step > max).then_some(step)
}

fn ordinal(n: u32) -> &'static str {
    match n {
        1 => "first",
        2 => "second",
        3 => "third",
        4 => "fourth",
        _ => "fifth",
    }
}

impl Cron {
    fn all(values: &[u32], f: Field) -> bool {
        let (lo, hi) = f.range();
        values.len() == (hi - lo + 1) as usize
    }

    /// The time of day part, and whether it names clock times.
    fn describe_time(&self) -> (String, bool) {
        let secs = &self.seconds;
        let (mins, hours) = (&self.minutes, &self.hours);
        let all_hours = Self::all(hours, Field::Hour);
        let whole_minute = secs.as_slice() == [0];
        if !whole_minute {
            if Self::all(secs, Field::Second) && Self::all(mins, Field::Minute) && all_hours {
                return ("every second".into(), false);
            }
            if let (Some(n), true, true) = (
                every_step(secs, 0, 59),
                Self::all(mins, Field::Minute),
                all_hours,
            ) {
                return (format!("every {n} seconds"), false);
            }
        }
        let sec_suffix = if whole_minute {
            String::new()
        } else {
            format!(" at second {}", list_numbers(secs))
        };
        if Self::all(mins, Field::Minute) && all_hours {
            return (format!("every minute{sec_suffix}"), false);
        }
        if all_hours {
            if let Some(n) = every_step(mins, 0, 59) {
                return (format!("every {n} minutes{sec_suffix}"), false);
            }
            return (
                format!("every hour at minute {}{sec_suffix}", list_numbers(mins)),
                false,
            );
        }
        if mins.len() == 1 && hours.len() <= 6 {
            let m = mins[0];
            let times: Vec<String> = hours
                .iter()
                .map(|h| {
                    if whole_minute {
                        format!("{h:02}:{m:02}")
                    } else if secs.len() == 1 {
                        format!("{h:02}:{m:02}:{:02}", secs[0])
                    } else {
                        format!("{h:02}:{m:02}")
                    }
                })
                .collect();
            let suffix = if whole_minute || secs.len() == 1 {
                String::new()
            } else {
                sec_suffix
            };
            return (format!("at {} {TIMEZONE}{suffix}", and_list(&times)), true);
        }
        if let (Some(n), 1) = (every_step(hours, 0, 23), mins.len()) {
            return (
                format!("every {n} hours at minute {}{sec_suffix}", mins[0]),
                false,
            );
        }
        let minutes = if Self::all(mins, Field::Minute) {
            "every minute".to_string()
        } else if let Some(n) = every_step(mins, 0, 59) {
            format!("every {n} minutes")
        } else {
            format!("at minute {}", list_numbers(mins))
        };
        (
            format!(
                "{minutes}{sec_suffix} during hours {} {TIMEZONE}",
                list_numbers(hours)
            ),
            true,
        )
    }

    fn describe_weekdays(days: &[u32]) -> String {
        if days == [1, 2, 3, 4, 5] {
            return "every weekday (Monday to Friday)".into();
        }
        if days == [0, 6] {
            return "every Saturday and Sunday".into();
        }
        let names: Vec<String> = days
            .iter()
            .map(|d| DAY_NAMES[*d as usize].to_string())
            .collect();
        format!("every {}", and_list(&names))
    }

    fn month_names(&self) -> String {
        let names: Vec<String> = self
            .months
            .iter()
            .map(|m| MONTH_NAMES[*m as usize - 1].to_string())
            .collect();
        and_list(&names)
    }

    /// The days part, e.g. "every Monday", "on day 1 of each month", or "" for every day.
    fn describe_days(&self) -> String {
        let all_months = Self::all(&self.months, Field::Month);
        let of_months = if all_months {
            "of each month".to_string()
        } else {
            format!("of {}", self.month_names())
        };
        let in_months = if all_months {
            String::new()
        } else {
            format!(" in {}", self.month_names())
        };
        let dom = match &self.month_days {
            MonthDays::Any => None,
            MonthDays::NearestWeekday(d) => {
                Some(format!("the weekday nearest day {d} {of_months}"))
            }
            // Every day of the month: with a weekday beside it (croniter's OR) it is still
            // every day.
            MonthDays::Days { days, .. } if days.len() == 31 => None,
            MonthDays::Days { days, last } => {
                let mut parts = Vec::new();
                if !days.is_empty() {
                    let word = if days.len() == 1 { "day" } else { "days" };
                    parts.push(format!("{word} {}", list_numbers(days)));
                }
                if *last {
                    parts.push("the last day".to_string());
                }
                Some(format!("on {} {of_months}", parts.join(" and ")))
            }
        };
        let dow = match &self.week_days {
            WeekDays::Any => None,
            WeekDays::Days(d) => Some(format!("{}{in_months}", Self::describe_weekdays(d))),
            WeekDays::Nth(n) => {
                let items: Vec<String> = n
                    .iter()
                    .map(|(d, k)| {
                        let which = match k {
                            Nth::Number(k) => ordinal(*k),
                            Nth::Last => "last",
                        };
                        format!("the {which} {}", DAY_NAMES[*d as usize])
                    })
                    .collect();
                Some(format!("{} {of_months}", and_list(&items)))
            }
        };
        let every_month_day =
            matches!(&self.month_days, MonthDays::Days { days, .. } if days.len() == 31);
        let dow = if every_month_day { None } else { dow };
        match (dom, dow) {
            (None, None) if all_months => String::new(),
            (None, None) => format!("every day{in_months}"),
            (Some(a), None) | (None, Some(a)) => a,
            (Some(a), Some(b)) => format!("{a}, and also {b}"),
        }
    }

    /// The whole reading, with the timezone.
    pub fn describe(&self) -> String {
        let (time, clock) = self.describe_time();
        let days = self.describe_days();
        let mut out = match (days.is_empty(), clock) {
            (true, true) if time.starts_with("every ") => time,
            (true, true) => format!("every day {time}"),
            (true, false) => time,
            // "the first Monday of each month at 09:00 UTC"
            (false, true) => format!("{days} {time}"),
            (false, false) => format!("{days}, {time}"),
        };
        if let Some(years) = &self.years {
            if !Self::all(years, Field::Year) {
                let _ = write!(out, ", in {}", list_numbers(years));
            }
        }
        if !clock {
            let _ = write!(out, " ({TIMEZONE})");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn presets_and_cron_are_accepted() {
        let now = at("2026-01-01T00:00:00Z");
        for ok in [
            "",
            "@daily",
            "@once",
            "@continuous",
            "@midnight",
            "0 2 * * *",
            "0 9 * * 1#1",
            "0 0 L * *",
            "0 0 15W * *",
            "0 0 1 * * 30",
            "0 5-2 * * *",
        ] {
            assert!(
                check_schedule_at(ok, now).is_ok(),
                "{ok}: {:?}",
                check_schedule_at(ok, now)
            );
        }
    }

    #[test]
    fn refusals_name_the_field_and_the_problem() {
        let now = at("2026-01-01T00:00:00Z");
        let cases = [
            ("@dayly", "unknown schedule preset"),
            ("0 2 * *", "5 fields"),
            ("0 25 * * *", "hour `25`: 25 is out of range 0–23"),
            ("61 * * * *", "minute `61`"),
            ("0 0 0 * *", "day of month `0`: 0 is out of range 1–31"),
            ("*/0 * * * *", "step 0"),
            (
                "0 0 * foo *",
                "month `foo`: `foo` is not a number or a month",
            ),
            ("0 0 30 2 *", "never fires"),
            ("0 0 1 1 * 0 2020", "its years (2020) are all past"),
            ("R * * * *", "unpredictable"),
            ("0 0 1 * 1#1", "put `*` there"),
            ("0 0 * * 1,2#1", "cannot be mixed"),
        ];
        for (s, needle) in cases {
            let err = check_schedule_at(s, now).unwrap_err();
            assert!(err.contains(needle), "{s}: {err}");
            assert!(!err.contains('\n'), "{s}: {err}");
        }
    }

    /// What a refusal suggests is accepted once applied.
    #[test]
    fn suggestions_are_accepted() {
        let now = at("2026-01-01T00:00:00Z");
        let err = check_schedule_at("@dayly", now).unwrap_err();
        let listed = err.split("use one of ").nth(1).unwrap();
        for preset in listed.split(", ") {
            assert!(check_schedule_at(preset, now).is_ok(), "{preset}");
        }
        // "put `*` there": in the other day field.
        for (refused, fixed) in [
            ("0 0 1 * 1#1", "0 0 * * 1#1"),
            ("0 0 15W * 1", "0 0 15W * *"),
        ] {
            let err = check_schedule_at(refused, now).unwrap_err();
            assert!(err.contains("put `*` there"), "{err}");
            assert!(check_schedule_at(fixed, now).is_ok(), "{fixed}");
        }
        let err = check_schedule_at("0 2 * *", now).unwrap_err();
        assert!(err.contains("e.g. `0 2 * * *`"), "{err}");
        assert!(check_schedule_at("0 2 * * *", now).is_ok());
    }

    #[test]
    fn readings_carry_the_timezone() {
        let cases = [
            ("0 2 * * *", "every day at 02:00 UTC"),
            ("*/5 * * * *", "every 5 minutes (UTC)"),
            ("15 * * * *", "every hour at minute 15 (UTC)"),
            (
                "30 8 * * 1-5",
                "every weekday (Monday to Friday) at 08:30 UTC",
            ),
            ("0 6 * * mon", "every Monday at 06:00 UTC"),
            ("0 9 * * 1#1", "the first Monday of each month at 09:00 UTC"),
            ("0 0 L * *", "on the last day of each month at 00:00 UTC"),
            (
                "0 0 15W * *",
                "the weekday nearest day 15 of each month at 00:00 UTC",
            ),
            (
                "0 0 1 1,4,7,10 *",
                "on day 1 of January, April, July and October at 00:00 UTC",
            ),
            ("0 0 * * L5", "the last Friday of each month at 00:00 UTC"),
            ("0 0 1 * * 30", "on day 1 of each month at 00:00:30 UTC"),
            ("", "manual runs only"),
            ("@daily", "every day at 00:00 UTC"),
            (
                "0 0 1-7 * 1",
                "on days 1–7 of each month, and also every Monday at 00:00 UTC",
            ),
        ];
        for (s, want) in cases {
            assert_eq!(describe_schedule(s), want, "{s}");
        }
    }

    #[test]
    fn next_runs_start_at_the_start_date() {
        let start = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let runs = next_runs("0 9 * * 1#1", start, at("2026-01-01T00:00:00Z"), 3);
        let shown: Vec<String> = runs.iter().map(|t| t.to_rfc3339()).collect();
        assert_eq!(
            shown,
            [
                "2026-03-02T09:00:00+00:00",
                "2026-04-06T09:00:00+00:00",
                "2026-05-04T09:00:00+00:00"
            ]
        );
        assert!(next_runs("", start, at("2026-01-01T00:00:00Z"), 3).is_empty());
    }
}
