"""Steps returning values JSON cannot hold, and a step that fails: flowdeck's
end-to-end tests of returned values and of tasks that never ran."""
import datetime
import decimal


def mixed():
    return {
        "pair": (1, "two", 3.0),
        "tags": {"x"},
        "day": datetime.date(2024, 11, 11),
        "at": datetime.datetime(2024, 11, 11, 6, 30, tzinfo=datetime.timezone.utc),
        "wait": datetime.timedelta(minutes=90),
        "price": decimal.Decimal("2.5"),
    }


def triple():
    return (1, "two", 3.0)


def boom():
    raise RuntimeError("fails on purpose")


def load(rows):
    print(f"loading {rows}")
    return len(rows)
