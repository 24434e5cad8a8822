"""Sales pipeline steps used by flowdeck's end-to-end tests."""
import os


def extract(day, limit=100, region=None):
    print(f"extracting sales for {day} (region={region}, limit={limit})")
    rows = [{"id": i, "amount": 10 * i} for i in range(1, 4)][:limit]
    return {"rows": rows, "total": sum(r["amount"] for r in rows), "region": region}


def load(rows, total, expected_total=60, region=None):
    amounts = [r["amount"] for r in rows]
    # The task checks its own inputs: a wrong wiring fails the run.
    assert isinstance(rows, list), f"rows should be a list, got {type(rows)}"
    assert sum(amounts) == total == expected_total, (amounts, total, expected_total)
    assert region == "eu", f"region should come from the run conf, got {region!r}"
    print(f"loaded {len(rows)} rows worth {total} for {region}")
    return {"loaded": len(rows)}


def flaky(marker):
    """Fails on its first try and succeeds afterwards (a marker file remembers)."""
    if not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("first try fails on purpose")
    print("second try works")
    return "ok"
