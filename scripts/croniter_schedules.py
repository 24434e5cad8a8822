"""What Airflow's croniter makes of cron schedules: one verdict line per expression.

Reads expressions (one per line) on stdin and writes, for each, a tab-separated line:
the expression, croniter's verdict and the next three fire times after START (UTC, ISO
8601, space-separated; `-` when there are none; `random` when croniter draws them anew
each time, as for `R`). Verdicts: `fires` (croniter accepts it
and finds a next time), `never` (croniter accepts it, then fails to find a next time:
Airflow loads such a DAG and never runs it), `refused` (croniter refuses it: Airflow
reports an import error). Airflow's presets are resolved as Airflow 3 does before it
asks croniter (airflow.sdk.definitions.timetables._cron.CRON_PRESETS).

Usage: python croniter_schedules.py START < expressions
where START is like 2026-01-01T00:00:00 (UTC). Run it with the Python of the Airflow
venv (the one scripts/dev-airflow.sh installs), which has croniter.
"""

import datetime
import sys

from croniter import CroniterBadCronError, CroniterBadDateError, CroniterError, croniter

try:
    from airflow.sdk.definitions.timetables._cron import CRON_PRESETS
except Exception:  # an Airflow without the task SDK: the same table as 3.3.2's
    CRON_PRESETS = {
        "@hourly": "0 * * * *",
        "@daily": "0 0 * * *",
        "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *",
        "@quarterly": "0 0 1 */3 *",
        "@yearly": "0 0 1 1 *",
    }


def verdict(expression, start):
    resolved = CRON_PRESETS.get(expression, expression)
    try:
        cron = croniter(resolved, start_time=start)
    except (CroniterBadCronError, CroniterError, ValueError, KeyError):
        return "refused", []
    times = []
    try:
        for _ in range(3):
            times.append(cron.get_next(datetime.datetime))
    except CroniterBadDateError:
        if not times:
            return "never", []
    # `R` draws its values anew for every croniter: two readings of one expression
    # disagree (a 1 in 60 chance per draw that they agree anyway; five draws are asked).
    for _ in range(5):
        again = croniter(resolved, start_time=start).get_next(datetime.datetime)
        if again != times[0]:
            return "fires", "random"
    return "fires", times


def main():
    start = datetime.datetime.fromisoformat(sys.argv[1])
    for line in sys.stdin:
        expression = line.rstrip("\n")
        if not expression:
            continue
        v, times = verdict(expression, start)
        if times == "random":
            shown = "random"
        else:
            shown = " ".join(t.strftime("%Y-%m-%dT%H:%M:%S") for t in times) or "-"
        print(f"{expression}\t{v}\t{shown}")


if __name__ == "__main__":
    main()
